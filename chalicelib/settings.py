"""Typed settings, read from the environment in one place.

Every stage (local, dev, prod) uses the same code. `.chalice/config.json` sets the stage's
environment; in AWS the WeChat secrets come from SSM Parameter Store (`WECHAT_SSM_PATH`),
locally straight from the environment.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # Pillow: the worker's, never imported by the API function
    from chalicelib.domain.claim_clocks import ClockRules
    from chalicelib.domain.push_budget import BudgetRules
    from chalicelib.domain.retention import RetentionPolicy
    from chalicelib.photos.quality import QcThresholds

SECRET_NAMES = (
    "WECHAT_TOKEN",
    "WECHAT_APP_SECRET",
    "WECHAT_ENCODING_AES_KEY",
    "CLAIMBOT_ID_PEPPER",
    "WECOM_CORP_SECRET",
    "WECOM_CALLBACK_TOKEN",
    "WECOM_CALLBACK_AES_KEY",
    "CONSOLE_SESSION_SECRET",
)


PHOTO_QC_PREFIX = "PHOTO_QC_"


class SettingsError(ValueError):
    """An operator-facing configuration mistake."""


def resource_name(prefix: str, logical: str) -> str:
    """Physical name of a table/queue/bucket: the one rule infra/ and the code share."""
    return f"{prefix}{logical}"


@dataclass(frozen=True)
class Settings:
    stage: str = "local"
    resource_prefix: str = "claimbot-local-"
    region: str = "ap-east-1"
    wechat_token: str = ""
    wechat_app_id: str = ""
    wechat_app_secret: str = ""
    wechat_encoding_aes_key: str = ""
    wechat_api_base: str = "https://api.weixin.qq.com"
    wechat_max_clock_skew_s: int = 300
    wechat_accept_plaintext: bool = False  # with an AES key: plaintext only while migrating
    wechat_max_body_bytes: int = 64 * 1024
    wechat_reply_deadline_s: float = 4.0
    wechat_ssm_path: str = ""
    inbox_ttl_s: int = 3 * 24 * 3600
    session_ttl_s: int = 30 * 24 * 3600
    # Retention (domain/retention.py, docs/RECORDS.md "Keep"): days a plain chat is kept, days
    # a claim's or a sale's records are kept after the contract ends, days a licence photo of
    # a quote not bought is kept.
    retention_chat_days: int = 730
    retention_after_contract_days: int = 1827
    retention_quote_photo_days: int = 30
    kb_miss_ttl_s: int = 90 * 24 * 3600  # the miss log: a quarter of questions to learn from
    # Sentence embeddings in the knowledge base's score (domain/kb.py SEMANTIC_WEIGHT); 0: off.
    kb_semantic_weight: float = 1.0
    photos_bucket_name: str = ""
    hotline: str = "95500"
    privacy_url: str = ""
    id_pepper: str = ""
    bind_failures_per_minute: int = 30  # across all users, then last-6 answers wait (alarm)
    approval_limits: str = ""  # "adjuster=10000,supervisor=100000" (domain/authority.py)
    claims_stream_arn: str = ""
    conversations_stream_arn: str = ""  # the dashboard's aggregator (issue 18)
    handoffs_stream_arn: str = ""  # likewise
    surveys_stream_arn: str = ""  # likewise
    lockouts_stream_arn: str = ""  # likewise
    kb_misses_stream_arn: str = ""  # likewise
    ratings_stream_arn: str = ""  # likewise
    quotes_stream_arn: str = ""  # likewise
    claim_status_template_id: str = ""
    claim_notice_fields: str = ""  # "<field key>=<fact>,..." (domain/claim_notice.py)
    claim_progress_url: str = ""  # the notice's link: a claim-progress page, "{claim_no}" filled
    renewal_template_id: str = ""  # WECHAT_TEMPLATE_RENEWAL: empty, no renewal reminders
    renewal_notice_fields: str = ""  # "<field key>=<fact>,..." (domain/renewal.py)
    renewal_url: str = ""  # the renewal notice's link (https), if the insurer has a page
    # Claim clocks (domain/claim_clocks.py, Insurance Law Arts. 23-24): the days each runs (the
    # law's at most) and the hours before it runs out that staff are warned.
    claim_decide_days: int = 30
    claim_pay_days: int = 10
    claim_refusal_notice_days: int = 3
    claim_decide_warn_hours: int = 72
    claim_pay_warn_hours: int = 48
    claim_refusal_warn_hours: int = 24
    public_url: str = ""  # where this app is served, e.g. https://api.example.com/prod
    photo_qc: tuple[tuple[str, str], ...] = ()  # PHOTO_QC_<FIELD> overrides of QcThresholds
    cjk_font: str = ""  # a font with Chinese glyphs for contact-sheet labels
    console_dev_login: bool = False  # demo users sign in without a password (local only)
    console_dev_secret: str = ""  # signs dev sign-in tokens (HS256)
    console_jwks_url: str = ""  # Cognito user pool's JWKS: its tokens are accepted
    console_jwt_issuer: str = ""
    console_jwt_audience: str = ""  # the console's Cognito app client id
    console_login_url: str = ""  # the hosted sign-in page the console sends people to
    console_sign_in: str = ""  # wecom | cognito | oidc; "" = chosen by `sign_in_method`
    console_session_secret: str = ""  # signs claimbot's own console session tokens (WeCom)
    console_session_ttl_s: int = 8 * 3600  # a shift; roles and disabling apply within 60 s
    console_assets_url: str = ""  # the console's scripts and styles on CloudFront; "" = here
    business_hours: str = "09:00-18:00"  # people answer on working days (China time)
    handoff_in_hours: str = "console"  # in hours: the console's agent inbox (every word kept)
    handoff_escalate_after_s: int = 600  # the on-call person's time to answer, then the backup
    # In-hours console chats (service/assignment.py), in business-hours seconds: the first
    # reply's target (past it, unanswered: escalated) and the whole chat's; an agent is signed
    # in while their inbox polled within CONSOLE_PRESENCE_S.
    handoff_first_response_s: int = 120
    handoff_resolution_s: int = 1800
    console_presence_s: int = 120
    ticket_alert_before_h: int = 24  # a complaint's supervisor is told this long before its due
    # The per-customer push budget (domain/push_budget.py): pushes of any kind a week (notices
    # counted, never refused), and the caps of campaigns and renewal reminders within it.
    push_budget_per_week: int = 4
    push_campaigns_per_week: int = 1
    push_reminders_per_week: int = 1
    wecom_corp_id: str = ""
    wecom_corp_secret: str = ""
    wecom_agent_id: str = ""
    wecom_callback_token: str = ""
    wecom_callback_aes_key: str = ""
    wecom_api_base: str = "https://qyapi.weixin.qq.com"
    wecom_login_base: str = "https://login.work.weixin.qq.com"  # WeCom's web sign-in page

    @property
    def sign_in_method(self) -> str:
        """How staff sign in to the console: CONSOLE_SIGN_IN, else Cognito when its JWKS URL is
        set (the behaviour before WeCom sign-in), else WeCom when a corp is configured, else ""
        (only the local dev sign-in)."""
        if self.console_sign_in:
            return self.console_sign_in
        if self.console_jwks_url:
            return "cognito"
        return "wecom" if self.wecom_corp_id else ""

    @property
    def conversation_ttl_s(self) -> int:
        """How long a conversation record is kept when nothing keeps it longer."""
        return self.retention_chat_days * 24 * 3600

    def retention(self) -> RetentionPolicy:
        from chalicelib.domain.retention import RetentionPolicy

        return RetentionPolicy(self.retention_chat_days, self.retention_after_contract_days,
                               self.retention_quote_photo_days)  # fmt: skip

    def clock_rules(self) -> ClockRules:
        """The claim clocks' rules; SettingsError when the law does not allow them."""
        from chalicelib.domain.claim_clocks import ClockRules, ClockRulesError

        try:
            return ClockRules.of(
                {"decide": self.claim_decide_days, "pay": self.claim_pay_days,
                 "refusal": self.claim_refusal_notice_days},
                {"decide": self.claim_decide_warn_hours, "pay": self.claim_pay_warn_hours,
                 "refusal": self.claim_refusal_warn_hours},
            )  # fmt: skip
        except ClockRulesError as exc:
            raise SettingsError(str(exc)) from exc

    def push_rules(self) -> BudgetRules:
        """The push budget's rules; SettingsError when they make no sense."""
        from chalicelib.domain.push_budget import BudgetError, BudgetRules

        try:
            return BudgetRules(self.push_budget_per_week, self.push_campaigns_per_week,
                               self.push_reminders_per_week)  # fmt: skip
        except BudgetError as exc:
            raise SettingsError(str(exc)) from exc

    def table(self, logical: str) -> str:
        return resource_name(self.resource_prefix, logical)

    def queue(self, logical: str) -> str:
        return resource_name(self.resource_prefix, logical)

    @property
    def photos_bucket(self) -> str:
        # In AWS the bucket name carries the account id, so the stack passes it in.
        return self.photos_bucket_name or resource_name(self.resource_prefix, "photos")

    def stream_arn(self, logical: str) -> str:
        """The table's stream ARN for the event source; locally any label maps to the table."""
        if logical == "claims" and self.claims_stream_arn:
            return self.claims_stream_arn
        if logical == "conversations" and self.conversations_stream_arn:
            return self.conversations_stream_arn
        if logical == "handoffs" and self.handoffs_stream_arn:
            return self.handoffs_stream_arn
        if logical == "surveys" and self.surveys_stream_arn:
            return self.surveys_stream_arn
        if logical == "lockouts" and self.lockouts_stream_arn:
            return self.lockouts_stream_arn
        if logical == "kb_misses" and self.kb_misses_stream_arn:
            return self.kb_misses_stream_arn
        if logical == "ratings" and self.ratings_stream_arn:
            return self.ratings_stream_arn
        if logical == "quotes" and self.quotes_stream_arn:
            return self.quotes_stream_arn
        table = self.table(logical)
        return f"arn:aws:dynamodb:{self.region}:000000000000:table/{table}/stream/local"

    def qc_thresholds(self) -> QcThresholds:
        """photos.quality.QcThresholds with the PHOTO_QC_* overrides (worker only: Pillow)."""
        from dataclasses import fields

        from chalicelib.photos.quality import QcThresholds

        defaults = QcThresholds()
        known = {f.name: type(getattr(defaults, f.name)) for f in fields(QcThresholds)}
        values: dict[str, Any] = {}
        for name, raw in self.photo_qc:
            if name not in known:
                choices = ", ".join(PHOTO_QC_PREFIX + k.upper() for k in sorted(known))
                raise SettingsError(f"unknown {PHOTO_QC_PREFIX}{name.upper()}; known: {choices}")
            try:
                values[name] = known[name](raw)
            except ValueError as exc:
                raise SettingsError(
                    f"{PHOTO_QC_PREFIX}{name.upper()} must be a {known[name].__name__}, "
                    f"got {raw!r}"
                ) from exc
        return replace(defaults, **values)

    def with_secrets(self, secrets: Mapping[str, str]) -> Settings:
        return replace(
            self,
            wechat_token=secrets.get("WECHAT_TOKEN", self.wechat_token),
            wechat_app_secret=secrets.get("WECHAT_APP_SECRET", self.wechat_app_secret),
            wechat_encoding_aes_key=secrets.get(
                "WECHAT_ENCODING_AES_KEY", self.wechat_encoding_aes_key
            ),
            id_pepper=secrets.get("CLAIMBOT_ID_PEPPER", self.id_pepper),
            wecom_corp_secret=secrets.get("WECOM_CORP_SECRET", self.wecom_corp_secret),
            wecom_callback_token=secrets.get("WECOM_CALLBACK_TOKEN", self.wecom_callback_token),
            wecom_callback_aes_key=secrets.get(
                "WECOM_CALLBACK_AES_KEY", self.wecom_callback_aes_key
            ),
            console_session_secret=secrets.get(
                "CONSOLE_SESSION_SECRET", self.console_session_secret
            ),
        )

    def validate(self) -> Settings:
        if not self.wechat_token:
            raise SettingsError("WECHAT_TOKEN is not set (environment or SSM)")
        if self.wechat_encoding_aes_key and len(self.wechat_encoding_aes_key) != 43:
            raise SettingsError("WECHAT_ENCODING_AES_KEY must be 43 characters")
        if self.wechat_max_clock_skew_s < 0:
            raise SettingsError("WECHAT_MAX_CLOCK_SKEW_S must be >= 0")
        if self.bind_failures_per_minute < 1:
            raise SettingsError("CLAIMBOT_BIND_FAILURES_PER_MINUTE must be at least 1")
        from chalicelib.domain.authority import Authority, AuthorityError

        try:
            Authority.parse(self.approval_limits)
        except AuthorityError as exc:
            raise SettingsError(f"CLAIMBOT_APPROVAL_LIMITS: {exc}") from exc
        from chalicelib.domain.claim_notice import parse_fields
        from chalicelib.domain.notice_fields import FieldError

        try:
            parse_fields(self.claim_notice_fields)
        except FieldError as exc:
            raise SettingsError(f"WECHAT_TEMPLATE_CLAIM_FIELDS: {exc}") from exc
        from chalicelib.domain.renewal import parse_fields as renewal_fields

        try:
            renewal_fields(self.renewal_notice_fields)
        except FieldError as exc:
            raise SettingsError(f"WECHAT_TEMPLATE_RENEWAL_FIELDS: {exc}") from exc
        if self.renewal_url and not self.renewal_url.startswith("https://"):
            raise SettingsError("WECHAT_TEMPLATE_RENEWAL_URL must be an https:// address")
        if self.claim_progress_url and not self.claim_progress_url.startswith("https://"):
            raise SettingsError("CLAIMBOT_CLAIM_PROGRESS_URL must be an https:// address")
        self.clock_rules()
        self.push_rules()
        from chalicelib.domain.hours import BusinessHours, HoursError

        try:
            BusinessHours.parse(self.business_hours)
        except HoursError as exc:
            raise SettingsError(f"CLAIMBOT_BUSINESS_HOURS: {exc}") from exc
        if min(self.handoff_first_response_s, self.handoff_resolution_s) < 1:
            raise SettingsError("HANDOFF_FIRST_RESPONSE_S and HANDOFF_RESOLUTION_S must be >= 1")
        if self.console_presence_s < 10:
            raise SettingsError("CONSOLE_PRESENCE_S must be at least 10 (inbox polls every 3 s)")
        if self.handoff_in_hours not in ("console", "wechat_kf", "wecom"):
            raise SettingsError("HANDOFF_IN_HOURS must be console, wechat_kf or wecom")
        if self.console_dev_login and self.stage not in ("local", "dev", "test"):
            raise SettingsError(f"CONSOLE_DEV_LOGIN must not be on in stage {self.stage!r}")
        if self.console_sign_in not in ("", "wecom", "cognito", "oidc"):
            raise SettingsError("CONSOLE_SIGN_IN must be wecom, cognito or oidc")
        if self.console_session_ttl_s < 60:
            raise SettingsError("CONSOLE_SESSION_TTL_S must be at least 60")
        if self.console_assets_url and not self.console_assets_url.startswith("https://"):
            raise SettingsError("CONSOLE_ASSETS_URL must be an https:// address (or empty)")
        from chalicelib.domain.quotes import VALID_DAYS
        from chalicelib.domain.retention import RetentionError

        try:
            self.retention().check(quote_valid_days=VALID_DAYS)
        except RetentionError as exc:
            raise SettingsError(str(exc)) from exc
        return self


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be an integer, got {raw!r}") from exc


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        value = float(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from exc
    if not 0 <= value <= 10:
        raise SettingsError(f"{name} must be between 0 and 10, got {raw!r}")
    return value


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{name} must be true or false, got {raw!r}")


def settings_from_env(env: Mapping[str, str] | None = None) -> Settings:
    """Build settings from an environment mapping (defaults to os.environ)."""
    env = os.environ if env is None else env
    stage = env.get("CLAIMBOT_STAGE", "local")
    return Settings(
        stage=stage,
        resource_prefix=env.get("CLAIMBOT_RESOURCE_PREFIX", f"claimbot-{stage}-"),
        region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "ap-east-1",
        wechat_token=env.get("WECHAT_TOKEN", ""),
        wechat_app_id=env.get("WECHAT_APP_ID", ""),
        wechat_app_secret=env.get("WECHAT_APP_SECRET", ""),
        wechat_encoding_aes_key=env.get("WECHAT_ENCODING_AES_KEY", ""),
        wechat_api_base=env.get("WECHAT_API_BASE", "https://api.weixin.qq.com").rstrip("/"),
        wechat_max_clock_skew_s=_int(env, "WECHAT_MAX_CLOCK_SKEW_S", 300),
        wechat_accept_plaintext=_flag(env, "WECHAT_ACCEPT_PLAINTEXT", default=False),
        wechat_max_body_bytes=_int(env, "WECHAT_MAX_BODY_BYTES", 64 * 1024),
        wechat_ssm_path=env.get("WECHAT_SSM_PATH", ""),
        photos_bucket_name=env.get("PHOTOS_BUCKET", ""),
        hotline=env.get("CLAIMBOT_HOTLINE", "95500"),
        bind_failures_per_minute=_int(env, "CLAIMBOT_BIND_FAILURES_PER_MINUTE", 30),
        approval_limits=env.get("CLAIMBOT_APPROVAL_LIMITS", ""),
        privacy_url=env.get("CLAIMBOT_PRIVACY_URL", ""),
        id_pepper=env.get("CLAIMBOT_ID_PEPPER", ""),
        claims_stream_arn=env.get("CLAIMS_STREAM_ARN", ""),
        conversations_stream_arn=env.get("CONVERSATIONS_STREAM_ARN", ""),
        handoffs_stream_arn=env.get("HANDOFFS_STREAM_ARN", ""),
        surveys_stream_arn=env.get("SURVEYS_STREAM_ARN", ""),
        lockouts_stream_arn=env.get("LOCKOUTS_STREAM_ARN", ""),
        kb_misses_stream_arn=env.get("KB_MISSES_STREAM_ARN", ""),
        ratings_stream_arn=env.get("RATINGS_STREAM_ARN", ""),
        quotes_stream_arn=env.get("QUOTES_STREAM_ARN", ""),
        claim_status_template_id=env.get("WECHAT_TEMPLATE_CLAIM_STATUS", ""),
        claim_notice_fields=env.get("WECHAT_TEMPLATE_CLAIM_FIELDS", ""),
        claim_progress_url=env.get("CLAIMBOT_CLAIM_PROGRESS_URL", ""),
        renewal_template_id=env.get("WECHAT_TEMPLATE_RENEWAL", ""),
        renewal_notice_fields=env.get("WECHAT_TEMPLATE_RENEWAL_FIELDS", ""),
        renewal_url=env.get("WECHAT_TEMPLATE_RENEWAL_URL", ""),
        claim_decide_days=_int(env, "CLAIM_DECIDE_DAYS", 30),
        claim_pay_days=_int(env, "CLAIM_PAY_DAYS", 10),
        claim_refusal_notice_days=_int(env, "CLAIM_REFUSAL_NOTICE_DAYS", 3),
        claim_decide_warn_hours=_int(env, "CLAIM_DECIDE_WARN_HOURS", 72),
        claim_pay_warn_hours=_int(env, "CLAIM_PAY_WARN_HOURS", 48),
        claim_refusal_warn_hours=_int(env, "CLAIM_REFUSAL_WARN_HOURS", 24),
        public_url=env.get("CLAIMBOT_PUBLIC_URL", "").rstrip("/"),
        photo_qc=tuple(
            sorted(
                (name.removeprefix(PHOTO_QC_PREFIX).lower(), value)
                for name, value in env.items()
                if name.startswith(PHOTO_QC_PREFIX) and value != ""
            )
        ),
        cjk_font=env.get("CLAIMBOT_CJK_FONT", ""),
        console_dev_login=_flag(env, "CONSOLE_DEV_LOGIN", default=stage == "local"),
        console_dev_secret=env.get("CONSOLE_DEV_SECRET", ""),
        console_jwks_url=env.get("CONSOLE_JWKS_URL", ""),
        console_jwt_issuer=env.get("CONSOLE_JWT_ISSUER", ""),
        console_jwt_audience=env.get("CONSOLE_JWT_AUDIENCE", ""),
        console_login_url=env.get("CONSOLE_LOGIN_URL", ""),
        console_sign_in=env.get("CONSOLE_SIGN_IN", "").strip().lower(),
        console_session_secret=env.get("CONSOLE_SESSION_SECRET", ""),
        console_session_ttl_s=_int(env, "CONSOLE_SESSION_TTL_S", 8 * 3600),
        console_assets_url=env.get("CONSOLE_ASSETS_URL", "").strip().rstrip("/"),
        business_hours=env.get("CLAIMBOT_BUSINESS_HOURS", "09:00-18:00"),
        handoff_in_hours=env.get("HANDOFF_IN_HOURS", "console"),
        handoff_escalate_after_s=_int(env, "HANDOFF_ESCALATE_AFTER_S", 600),
        handoff_first_response_s=_int(env, "HANDOFF_FIRST_RESPONSE_S", 120),
        handoff_resolution_s=_int(env, "HANDOFF_RESOLUTION_S", 1800),
        console_presence_s=_int(env, "CONSOLE_PRESENCE_S", 120),
        ticket_alert_before_h=_int(env, "TICKET_ALERT_BEFORE_H", 24),
        push_budget_per_week=_int(env, "PUSH_BUDGET_PER_WEEK", 4),
        push_campaigns_per_week=_int(env, "PUSH_CAMPAIGNS_PER_WEEK", 1),
        push_reminders_per_week=_int(env, "PUSH_REMINDERS_PER_WEEK", 1),
        retention_chat_days=_int(env, "RETENTION_CHAT_DAYS", 730),
        retention_after_contract_days=_int(env, "RETENTION_AFTER_CONTRACT_DAYS", 1827),
        retention_quote_photo_days=_int(env, "RETENTION_QUOTE_PHOTO_DAYS", 30),
        kb_semantic_weight=_float(env, "KB_SEMANTIC_WEIGHT", 1.0),
        wecom_corp_id=env.get("WECOM_CORP_ID", ""),
        wecom_corp_secret=env.get("WECOM_CORP_SECRET", ""),
        wecom_agent_id=env.get("WECOM_AGENT_ID", ""),
        wecom_callback_token=env.get("WECOM_CALLBACK_TOKEN", ""),
        wecom_callback_aes_key=env.get("WECOM_CALLBACK_AES_KEY", ""),
        wecom_api_base=env.get("WECOM_API_BASE", "https://qyapi.weixin.qq.com").rstrip("/"),
        wecom_login_base=env.get(
            "WECOM_LOGIN_BASE", "https://login.work.weixin.qq.com"
        ).rstrip("/"),
    )


def load_secrets_from_ssm(path: str, ssm_client: Any) -> dict[str, str]:
    """Read WECHAT_* secrets stored as SecureString parameters under `path`.

    Parameter names are the environment names, e.g. /claimbot/prod/WECHAT_TOKEN.
    """
    names = [f"{path.rstrip('/')}/{name}" for name in SECRET_NAMES]
    found = ssm_client.get_parameters(Names=names, WithDecryption=True)
    return {p["Name"].rsplit("/", 1)[-1]: p["Value"] for p in found["Parameters"]}


@lru_cache(maxsize=1)
def current_settings() -> Settings:
    """Settings for this process; SSM is read once per Lambda container."""
    settings = settings_from_env()
    if settings.wechat_ssm_path:
        import boto3

        ssm = boto3.client("ssm", region_name=settings.region)
        settings = settings.with_secrets(load_secrets_from_ssm(settings.wechat_ssm_path, ssm))
    return settings.validate()
