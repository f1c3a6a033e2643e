"""Builds the services from Settings once per Lambda container (and once per devstack).

Heavy imports (boto3, PynamoDB, wechatpy) happen here, on first use, not at `import app`.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

from chalicelib.settings import Settings

# Renewal reminders' sent marks outlive the sweep's catch-up days by far (domain/renewal.py).
RENEWAL_MARKS_TTL_S = 60 * 24 * 3600

if TYPE_CHECKING:  # the classes are imported where each is built, on first use
    from chalicelib.console.auth import TokenVerifier
    from chalicelib.console.service import ConsoleService
    from chalicelib.console.sign_in import WeComSignIn
    from chalicelib.dialog.config import DialogConfig
    from chalicelib.domain.hours import BusinessHours
    from chalicelib.domain.kb import KnowledgeBase
    from chalicelib.jobs.queues import Queues
    from chalicelib.media.store import MediaStore
    from chalicelib.ocr.engine import OcrEngine
    from chalicelib.service.assignment import AssignmentDesk
    from chalicelib.service.assist import Assistant, AssistDesk
    from chalicelib.service.campaigns import CampaignDesk
    from chalicelib.service.canned import CannedDesk
    from chalicelib.service.claim_clocks import ClockWatch
    from chalicelib.service.consent import ConsentDesk
    from chalicelib.service.data_requests import DataRequestDesk
    from chalicelib.service.handoff import HandoffDesk
    from chalicelib.service.keeper import RecordKeeper
    from chalicelib.service.metrics import MetricsDesk
    from chalicelib.service.notifier import ClaimNotifier
    from chalicelib.service.outbox import OutboxSender
    from chalicelib.service.records import RecordsDesk
    from chalicelib.service.renewals import RenewalSweep
    from chalicelib.service.resume import Resumer
    from chalicelib.service.satisfaction import SatisfactionDesk
    from chalicelib.service.service_paths import ServicePaths
    from chalicelib.service.staff_inbox import StaffInbox
    from chalicelib.service.survey import SurveyDesk
    from chalicelib.service.tickets import TicketDesk
    from chalicelib.service.watchdog import Watchdog
    from chalicelib.service.webhook import WebhookService
    from chalicelib.service.worker import Worker
    from chalicelib.staff.messenger import StaffMessenger
    from chalicelib.staff.wecom import WeComApi, WeComCallback
    from chalicelib.store.book import BookStore
    from chalicelib.store.conversations import Conversations
    from chalicelib.store.handoffs import Handoffs
    from chalicelib.store.holds import Holds
    from chalicelib.store.inbox import Inbox
    from chalicelib.store.kb_misses import KbMissLog
    from chalicelib.store.push_budget import PushBudget
    from chalicelib.store.quotas import Quotas
    from chalicelib.store.ratings import Ratings
    from chalicelib.store.sessions import Sessions
    from chalicelib.store.staff import StaffDirectory
    from chalicelib.store.surveys import SurveyStore
    from chalicelib.store.tokens import SharedToken
    from chalicelib.wechat.api import WeChatApi
    from chalicelib.wechat.codec import WeChatCodec


def wecom_callback(settings: Settings) -> WeComCallback:
    """WeCom's callback crypto alone: what the URL check (GET /wecom) needs, without the AWS
    clients a container builds (WeCom gives the check 1 s, a cold start included)."""
    from chalicelib.staff.wecom import WeComCallback

    s = settings
    return WeComCallback(s.wecom_callback_token, s.wecom_callback_aes_key, s.wecom_corp_id,
                         agent_id=s.wecom_agent_id or None,
                         max_clock_skew_s=s.wechat_max_clock_skew_s)  # fmt: skip


class Container:
    def __init__(self, settings: Settings, clients: dict[str, Any] | None = None) -> None:
        import botocore.session

        from chalicelib.store.models import bind_tables

        self.settings = settings
        self._clients = dict(clients or {})
        # One botocore session for every AWS client: its loader reads each service model once.
        self._botocore = botocore.session.get_session()
        bind_tables(settings, self._botocore)

    def client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = self._botocore.create_client(
                service, region_name=self.settings.region
            )
        return self._clients[service]

    @cached_property
    def codec(self) -> WeChatCodec:
        from chalicelib.wechat.codec import WeChatCodec

        s = self.settings
        return WeChatCodec(
            token=s.wechat_token,
            app_id=s.wechat_app_id,
            encoding_aes_key=s.wechat_encoding_aes_key,
            max_clock_skew_s=s.wechat_max_clock_skew_s,
            max_body_bytes=s.wechat_max_body_bytes,
            accept_plaintext=s.wechat_accept_plaintext,
        )

    @cached_property
    def queues(self) -> Queues:
        from chalicelib.jobs.queues import Queues

        return Queues(self.client("sqs"), self.settings.queue)

    @cached_property
    def conversations(self) -> Conversations:
        from chalicelib.store.conversations import Conversations

        return Conversations(self.settings.conversation_ttl_s)

    @cached_property
    def quotas(self) -> Quotas:
        from chalicelib.store.quotas import Quotas

        return Quotas()

    @cached_property
    def push_budget(self) -> PushBudget:
        """The per-customer push budget and 退订 (issue 18): the outbox asks it before a push."""
        from chalicelib.store.push_budget import PushBudget

        return PushBudget(self.settings.push_rules())

    @cached_property
    def inbox(self) -> Inbox:
        from chalicelib.store.inbox import Inbox

        return Inbox(self.settings.inbox_ttl_s)

    @cached_property
    def tokens(self) -> SharedToken:
        from chalicelib.store.tokens import SharedToken

        return SharedToken(f"wechat:{self.settings.wechat_app_id}", self._fetch_token)

    def _fetch_token(self, force: bool) -> tuple[str, int]:
        return self.api.fetch_token(force)

    @cached_property
    def api(self) -> WeChatApi:
        from chalicelib.wechat.api import WeChatApi

        s = self.settings
        return WeChatApi(s.wechat_app_id, s.wechat_app_secret, s.wechat_api_base, self.tokens)

    @property
    def id_key(self) -> bytes:
        """The key of the hashes that stand in for ID numbers (book reads and imports)."""
        from chalicelib.settings import SettingsError

        if not self.settings.id_pepper:
            raise SettingsError("CLAIMBOT_ID_PEPPER is not set (environment or SSM)")
        return self.settings.id_pepper.encode()

    @cached_property
    def book(self) -> BookStore:
        from chalicelib.store.book import BookStore

        return BookStore(self.id_key, failures_per_minute=self.settings.bind_failures_per_minute)

    @cached_property
    def dialog_config(self) -> DialogConfig:
        from chalicelib.dialog.config import DialogConfig
        from chalicelib.kb import load_intents
        from chalicelib.store.quotes import QuoteStore

        return DialogConfig(
            hotline=self.settings.hotline,
            privacy_url=self.settings.privacy_url,
            book=self.book,
            quotes=QuoteStore(keeper=self.keeper),
            surveys=self.surveys,
            handoffs=self.handoffs,
            public_url=self.settings.public_url,
            kb=self.knowledge_base,
            intents=load_intents(),
            kb_misses=self.kb_misses,
            consent=self.consent,
            ratings=self.ratings,
            subscriptions=self.push_budget,
            hours=self.hours,
            handoff_in_hours=self.settings.handoff_in_hours,
            chat_days=self.settings.retention_chat_days,
        )

    @cached_property
    def consent(self) -> ConsentDesk:
        from chalicelib.service.consent import ConsentDesk
        from chalicelib.store.outbox import HeldMessages

        return ConsentDesk(self.book, self.quotas, HeldMessages(), self.conversations,
                           self.handoffs, lambda: self.media)  # fmt: skip

    @cached_property
    def ratings(self) -> Ratings:
        from chalicelib.store.ratings import Ratings

        return Ratings(self.settings.conversation_ttl_s)  # kept as long as the chat records

    @cached_property
    def satisfaction(self) -> SatisfactionDesk:
        from chalicelib.service.satisfaction import SatisfactionDesk

        return SatisfactionDesk(self.ratings, self.sessions, self.quotas, self.queues,
                                staff_name=self._staff_name)  # fmt: skip

    @cached_property
    def metrics(self) -> MetricsDesk:
        """The dashboard (看板): the counters' aggregator and reader (issue 18)."""
        from chalicelib.service.metrics import MetricsDesk
        from chalicelib.store.metrics import Metrics

        return MetricsDesk(Metrics(), self.kb_misses)

    @cached_property
    def kb_misses(self) -> KbMissLog:
        from chalicelib.store.kb_misses import KbMissLog

        return KbMissLog(self.settings.kb_miss_ttl_s)

    @cached_property
    def hours(self) -> BusinessHours:
        from chalicelib.domain.hours import BusinessHours

        return BusinessHours.parse(self.settings.business_hours)

    def knowledge_base(self) -> KnowledgeBase:
        """The KB staff imported (re-checked every few minutes), else the one shipped."""
        if not hasattr(self, "_kb_store"):
            from chalicelib.domain import kb as kbmod
            from chalicelib.store.kb import KbStore

            kbmod.SEMANTIC_WEIGHT = self.settings.kb_semantic_weight  # KB_SEMANTIC_WEIGHT
            # A customer waits: in AWS the model loads in the background (the first messages
            # of a new container are scored by their words); locally the answers stay the same
            # from the first message on, as the tests expect.
            kbmod.WAIT_FOR_MODEL = self.settings.stage == "local"
            self._kb_store = KbStore()
        return self._kb_store.cached()

    @cached_property
    def wecom(self) -> WeComApi:
        from chalicelib.staff.wecom import WeComApi
        from chalicelib.store.tokens import SharedToken

        s = self.settings
        api = WeComApi(s.wecom_corp_id, s.wecom_corp_secret, s.wecom_agent_id or 0,
                       s.wecom_api_base)  # fmt: skip
        api.tokens = SharedToken(f"wecom:{s.wecom_corp_id}:{s.wecom_agent_id}", api.fetch_token,
                                 can_force=False)  # fmt: skip
        return api

    @cached_property
    def staff_messenger(self) -> StaffMessenger:
        from chalicelib.staff.messenger import StaffMessenger

        return StaffMessenger(self.wecom, self.inbox)

    @cached_property
    def handoffs(self) -> Handoffs:
        from chalicelib.store.handoffs import Handoffs

        return Handoffs()

    @cached_property
    def handoff_desk(self) -> HandoffDesk:
        from chalicelib.service.handoff import HandoffDesk
        from chalicelib.store.handoffs import Roster, Tickets

        desk = HandoffDesk(
            handoffs=self.handoffs,
            roster=Roster(),
            tickets=Tickets(),
            wecom=self.staff_messenger,
            book=self.book,
            conversations=self.conversations,
            queues=self.queues,
            sessions=self.sessions,
            inbox=self.inbox,
            hours=self.hours,
            hotline=self.settings.hotline,
            escalate_after_s=self.settings.handoff_escalate_after_s,
            wechat=self.api,
            assistant=self.assistant,
        )
        desk.assignment = self.assignment_desk  # in-hours chats: dealt, timed, escalated
        return desk

    @cached_property
    def assignment_desk(self) -> AssignmentDesk:
        from chalicelib.domain.chat_timers import Targets
        from chalicelib.service.assignment import AssignmentDesk
        from chalicelib.store.audit import AuditLog
        from chalicelib.store.presence import Presence

        s = self.settings
        return AssignmentDesk(Presence(), AuditLog(), self.hours,
                              Targets(s.handoff_first_response_s, s.handoff_resolution_s),
                              lambda: self.handoff_desk, s.console_presence_s)  # fmt: skip

    @cached_property
    def assistant(self) -> Assistant:
        from chalicelib.service.assist import Assistant
        from chalicelib.store.assist import AssistLog

        s = self.settings
        return Assistant(self.knowledge_base, AssistLog(s.kb_miss_ttl_s),
                         {"hotline": s.hotline, "privacy_url": s.privacy_url})  # fmt: skip

    @cached_property
    def assist_desk(self) -> AssistDesk:
        from chalicelib.service.assist import AssistDesk

        return AssistDesk(self.assistant, self.conversations, lambda: self.handoff_desk,
                          lambda: self.console)  # fmt: skip

    @cached_property
    def canned_desk(self) -> CannedDesk:
        from chalicelib.service.canned import CannedDesk
        from chalicelib.store.audit import AuditLog
        from chalicelib.store.canned import CannedLibrary

        return CannedDesk(CannedLibrary(), AuditLog(), self.book, lambda: self.handoff_desk,
                          self.settings.hotline)  # fmt: skip

    @cached_property
    def staff_inbox(self) -> StaffInbox:
        from chalicelib.service.staff_inbox import StaffInbox

        return StaffInbox(wecom_callback(self.settings), lambda: self.handoff_desk)

    @cached_property
    def surveys(self) -> SurveyStore:
        from chalicelib.store.surveys import SurveyStore

        return SurveyStore(keeper=self.keeper)

    @cached_property
    def keeper(self) -> RecordKeeper:
        from chalicelib.service.keeper import RecordKeeper

        return RecordKeeper(self.settings.retention(), self.conversations, lambda: self.media,
                            is_held=lambda claim_no: self.holds.is_held(claim_no))  # fmt: skip

    @cached_property
    def holds(self) -> Holds:
        from chalicelib.store.audit import AuditLog
        from chalicelib.store.holds import Holds

        return Holds(AuditLog(), self.conversations, self.media)

    @cached_property
    def media(self) -> MediaStore:
        from chalicelib.media.store import MediaStore

        return MediaStore(self.client("s3"), self.settings.photos_bucket)

    @cached_property
    def sessions(self) -> Sessions:
        from chalicelib.store.sessions import Sessions

        return Sessions(self.settings.session_ttl_s)

    @cached_property
    def resumer(self) -> Resumer:
        from chalicelib.service.decide import Decider
        from chalicelib.service.resume import Resumer

        return Resumer(Decider(self.sessions, self.dialog_config), self.queues)

    @cached_property
    def survey_desk(self) -> SurveyDesk:
        from chalicelib.service.survey import SurveyDesk

        return SurveyDesk(
            store=self.surveys,
            book=self.book,
            inbox=self.inbox,
            api=self.api,
            media=self.media,
            queues=self.queues,
            resumer=self.resumer,
            dialog_config=self.dialog_config,
            thresholds=self.settings.qc_thresholds(),
            id_key=lambda: self.id_key,
            ocr_engine=self.ocr_engine,
            font_path=self.settings.cjk_font or None,
        )

    @cached_property
    def console_auth(self) -> TokenVerifier:
        from chalicelib.console.auth import TokenVerifier

        s = self.settings
        wecom = s.sign_in_method == "wecom"
        return TokenVerifier(
            dev_secret=s.console_dev_secret if s.console_dev_login else "",
            jwks_url=s.console_jwks_url if s.sign_in_method in ("cognito", "oidc") else "",
            issuer=s.console_jwt_issuer,
            audience=s.console_jwt_audience,
            session_secret=s.console_session_secret if wecom else "",
            staff_lookup=self.staff_directory.get if wecom else None,
        )

    @cached_property
    def staff_directory(self) -> StaffDirectory:
        from chalicelib.store.audit import AuditLog
        from chalicelib.store.staff import StaffDirectory

        return StaffDirectory(AuditLog())

    @cached_property
    def records_desk(self) -> RecordsDesk:
        from chalicelib.service.records import RecordsDesk
        from chalicelib.store.audit import AuditLog

        return RecordsDesk(self.book, AuditLog(), self._staff_name,
                           photo_link=lambda key: self.media.presigned_url(key, 300),
                           team_of=self._team_of)  # fmt: skip

    @cached_property
    def service_paths(self) -> ServicePaths:
        from chalicelib.service.service_paths import ServicePaths
        from chalicelib.store.audit import AuditLog

        # stuck waiting for a person: longer than the first-response target
        return ServicePaths(self.records_desk, self.book, AuditLog(), self._staff_name,
                            wait_s=self.settings.handoff_first_response_s)  # fmt: skip

    @cached_property
    def data_request_desk(self) -> DataRequestDesk:
        from chalicelib.service.data_requests import DataRequestDesk
        from chalicelib.store.audit import AuditLog
        from chalicelib.store.handoffs import Tickets

        return DataRequestDesk(Tickets(), AuditLog(), self.queues, self.settings.hotline)

    @cached_property
    def ticket_desk(self) -> TicketDesk:
        from chalicelib.console.auth import DEV_USERS
        from chalicelib.service.tickets import TicketDesk, people_from
        from chalicelib.store.audit import AuditLog
        from chalicelib.store.handoffs import Roster, Tickets

        demo = DEV_USERS if self.settings.console_dev_login else ()
        return TicketDesk(Tickets(), AuditLog(), self.book,
                          lambda: people_from(self.staff_directory.members(), demo),
                          lambda: self.id_key, roster=Roster(), wecom=self.staff_messenger,
                          alert_before_h=self.settings.ticket_alert_before_h)  # fmt: skip

    def _team_of(self, staff_id: str) -> list[str]:
        """The staff member's team, themselves included: the staff table's `team`; locally
        also the demo users'. No team: themselves only."""
        from chalicelib.console.auth import DEV_USERS, dev_user

        dev = self.settings.console_dev_login
        member = self.staff_directory.get(staff_id)
        demo = dev_user(staff_id) if dev else None
        team = (member.team if member else "") or str((demo or {}).get("team", ""))
        if not team:
            return [staff_id]
        members = set(self.staff_directory.team_members(team))
        if dev:
            members |= {str(u["id"]) for u in DEV_USERS if u.get("team") == team}
        return sorted(members | {staff_id})

    def _staff_name(self, staff_id: str) -> str | None:
        """A staff member's name for a transcript: the staff table, else a demo user."""
        from chalicelib.console.auth import dev_user

        member = self.staff_directory.get(staff_id)
        if member is not None:
            return member.name
        demo = dev_user(staff_id)
        return str(demo["name"]) if demo else None

    @cached_property
    def console_sign_in(self) -> WeComSignIn:
        from chalicelib.console.sign_in import WeComApp, WeComSignIn
        from chalicelib.store.audit import AuditLog

        s = self.settings
        return WeComSignIn(
            WeComApp(s.wecom_corp_id, s.wecom_agent_id, s.wecom_login_base),
            self.wecom,
            self.staff_directory.get,
            AuditLog(),
            s.console_session_secret,
            s.console_session_ttl_s,
        )

    @cached_property
    def console(self) -> ConsoleService:
        from chalicelib.console.service import ConsoleService
        from chalicelib.domain.authority import Authority
        from chalicelib.store.audit import AuditLog

        return ConsoleService(
            book=self.book,
            surveys=self.surveys,
            media=self.media,
            conversations=self.conversations,
            audit=AuditLog(),
            sessions=self.sessions,
            queues=self.queues,
            hotline=self.settings.hotline,
            authority=Authority.parse(self.settings.approval_limits),
            desk=lambda: self.handoff_desk,
            assignment=lambda: self.assignment_desk,
            clock_rules=self.settings.clock_rules(),
        )

    @cached_property
    def watchdog(self) -> Watchdog:
        from chalicelib.service.watchdog import Watchdog
        from chalicelib.store.handoffs import Tickets

        return Watchdog(self.surveys, self.quotas, self.queues,
                        handoffs=lambda: self.handoff_desk, tickets=Tickets(),
                        ticket_desk=lambda: self.ticket_desk,
                        clock_watch=lambda: self.clock_watch,
                        renewals=lambda: self.renewals)  # fmt: skip

    @cached_property
    def clock_watch(self) -> ClockWatch:
        """Claim clocks: warnings to staff in WeCom (when an app is configured), and the
        refusal clock met when the outbox sends the notice."""
        from chalicelib.service.claim_clocks import ClockWatch

        s = self.settings
        console_url = f"{s.public_url}/console" if s.public_url else ""
        return ClockWatch(self.book, s.clock_rules(), self.staff_directory.members,
                          (lambda: self.staff_messenger) if s.wecom_corp_id else None,
                          console_url=console_url)  # fmt: skip

    @cached_property
    def renewals(self) -> RenewalSweep:
        """Renewal reminders, swept once a day from the watchdog (service/renewals.py)."""
        from chalicelib.domain.renewal import parse_fields
        from chalicelib.service.renewals import RenewalSweep
        from chalicelib.store.inbox import Inbox

        s = self.settings
        return RenewalSweep(self.book, Inbox(RENEWAL_MARKS_TTL_S), self.queues,
                            s.renewal_template_id, s.hotline,
                            fields=parse_fields(s.renewal_notice_fields),
                            url=s.renewal_url)  # fmt: skip

    @cached_property
    def notifier(self) -> ClaimNotifier:
        from chalicelib.domain.claim_notice import parse_fields
        from chalicelib.service.notifier import ClaimNotifier

        s = self.settings
        return ClaimNotifier(
            self.book, self.inbox, self.queues, s.claim_status_template_id, s.hotline,
            fields=parse_fields(s.claim_notice_fields), progress_url=s.claim_progress_url,
        )  # fmt: skip

    @cached_property
    def webhook(self) -> WebhookService:
        from chalicelib.service.webhook import WebhookService

        return WebhookService(
            codec=self.codec,
            inbox=self.inbox,
            sessions=self.sessions,
            conversations=self.conversations,
            quotas=self.quotas,
            queues=self.queues,
            dialog_config=self.dialog_config,
            reply_deadline_s=self.settings.wechat_reply_deadline_s,
            mass_finished=lambda event: self.campaign_desk.job_finished(event),
        )

    @cached_property
    def campaign_desk(self) -> CampaignDesk:
        """Campaigns (群发, issue 18): compose, approve by a second person, mass-send."""
        from chalicelib.service.campaigns import CampaignDesk
        from chalicelib.store.audit import AuditLog
        from chalicelib.store.campaigns import Audiences, CampaignStore

        return CampaignDesk(CampaignStore(), self.push_budget, self.api, AuditLog(), Audiences())

    @cached_property
    def outbox(self) -> OutboxSender:
        from chalicelib.service.outbox import OutboxSender
        from chalicelib.store.outbox import HeldMessages

        return OutboxSender(
            api=self.api,
            quotas=self.quotas,
            held=HeldMessages(),
            sent=self.inbox,
            conversations=self.conversations,
            queues=self.queues,
            on_skipped=lambda message, errcode: self.satisfaction.unsent(message, errcode),
            on_sent=lambda message: self.clock_watch.on_sent(message),
            budget=self.push_budget,
        )

    @cached_property
    def worker(self) -> Worker:
        from chalicelib.service.worker import Worker

        return Worker(
            self.api,
            self.media,
            self.conversations,
            self.outbox,
            resumer=self.resumer,
            dialog_config=self.dialog_config,
            ocr_engine=self.ocr_engine,
            survey=lambda: self.survey_desk,
            handoffs=lambda: self.handoff_desk,
            webhook=lambda: self.webhook,
            satisfaction=lambda: self.satisfaction,
            tickets=lambda: self.ticket_desk,
        )

    def ocr_engine(self) -> OcrEngine:
        """The OCR engine, loaded on first use by the worker only (never on the webhook path)."""
        if not hasattr(self, "_ocr"):
            from chalicelib.ocr.rapid import RapidOcrEngine

            self._ocr = RapidOcrEngine()
        return self._ocr
