"""`claimbot dev`: the whole system on loopback, no Docker, no AWS account.

moto server (DynamoDB, streams, S3, SQS) <- boto3/PynamoDB via AWS_ENDPOINT_URL
the Chalice app, served over HTTP (the webhook) and fed by the event pump (SQS, streams)
the WeChat API emulator <- the app's API calls (WECHAT_API_BASE)
the chat simulator -> the webhook, signed and encrypted as WeChat does
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from devstack import defaults

STATE_FILE = Path(".devstack") / "stack.json"


@dataclass
class StackOptions:
    host: str = defaults.HOST
    ports: dict[str, int] = field(default_factory=lambda: dict(defaults.PORTS))
    mode: str = defaults.MODE
    token: str = defaults.WECHAT_TOKEN
    app_id: str = defaults.WECHAT_APP_ID
    app_secret: str = defaults.WECHAT_APP_SECRET
    aes_key: str = defaults.WECHAT_ENCODING_AES_KEY
    retry_visibility_s: int | None = 2
    push_menu: bool = True
    with_simulator: bool = True
    seed_demo: bool = True  # import the demo book (devstack/seed.py) at start


class DevStack:
    def __init__(self, options: StackOptions) -> None:
        self.options = options
        self.urls: dict[str, str] = {}
        self._aws: Any = None
        self._emulator: Any = None
        self._wecom: Any = None
        self._webhook: Any = None
        self._webhook_thread: Any = None
        self._pump: Any = None
        self._simulator: Any = None
        self.app_module: Any = None
        self.demo_logins: list[Any] = []

    def start(self, announce: Any = print) -> dict[str, str]:
        if os.environ.get("CLAIMBOT_IAM_AUDIT"):  # pytest -p infra.iam_audit (infra/iam.py)
            from infra.iam import audit_if_requested

            audit_if_requested()
        self._start_aws()
        self._start_emulator()
        self._start_wecom()
        self._configure_app_environment()
        self._put_secrets_in_ssm()
        if self.options.seed_demo:
            self._seed_demo()
        self._seed_roster()
        self._seed_staff()
        self._start_webhook()
        self._wecom.set_callback_url(self.urls["webhook"].rsplit("/wechat", 1)[0] + "/wecom")
        # The console signs staff in through the emulator's WeCom login page (可信域名).
        self._wecom.login.trust(urlsplit(self.urls["webhook"]).netloc)
        self._start_pump()
        if self.options.push_menu:
            self._push_menu()
        if self.options.with_simulator:
            self._start_simulator()
        self._write_state()
        for login in self.demo_logins:
            announce(f"demo login: {login}")
        for name in ("webhook", "wechat-emulator", "wecom-emulator", "simulator", "aws"):
            if name in self.urls:
                announce(f"{name}: {self.urls[name]}")
        announce("ready")
        sys.stdout.flush()
        return self.urls

    def _start_aws(self) -> None:
        from devstack.aws import LocalAws

        self._aws = LocalAws(self.options.host, self.options.ports["aws"])
        self.urls["aws"] = self._aws.start()
        self._aws.apply_environment()
        self.resources, self.resource_attributes = self._aws.create_resources_with_attributes(
            stage="local"
        )

    def _start_emulator(self) -> None:
        from devstack.wechat_emulator import WeChatEmulator

        o = self.options
        self._emulator = WeChatEmulator(o.app_id, o.app_secret, o.host, o.ports["emulator"])
        self._emulator.start()
        self.urls["wechat-emulator"] = self._emulator.url

    def _start_wecom(self) -> None:
        from devstack import wecom_defaults as wd
        from devstack.wecom_emulator import WeComEmulator

        o = self.options
        self._wecom = WeComEmulator(
            wd.secret("WECOM_CORP_ID"),
            wd.secret("WECOM_CORP_SECRET"),
            int(wd.secret("WECOM_AGENT_ID")),
            wd.secret("WECOM_CALLBACK_TOKEN"),
            wd.secret("WECOM_CALLBACK_AES_KEY"),
            o.host,
            o.ports.get("wecom", wd.port()),
        ).start()
        self.urls["wecom-emulator"] = self._wecom.url

    def _seed_roster(self) -> None:
        """Someone on call (primary, backup, supervisor) for the month, unless already set."""
        import time

        from chalicelib.domain.handoff import Role, Shift
        from chalicelib.settings import settings_from_env
        from chalicelib.store.handoffs import Roster
        from chalicelib.store.models import bind_tables
        from devstack import wecom_defaults as wd

        bind_tables(settings_from_env())
        roster = Roster()
        if roster.shifts():
            return
        now = time.time()
        for staff_id, name, userid, role in wd.DEMO_ROSTER:
            shift = Shift(f"demo-{userid}", staff_id, name, userid, now - 86400,
                          now + 30 * 86400, Role(role))  # fmt: skip
            roster.add(shift)

    def _seed_staff(self) -> None:
        """The demo roster may sign in to the console (WeCom), unless already staff."""
        from chalicelib.service.container import Container
        from chalicelib.settings import settings_from_env
        from devstack import wecom_defaults as wd

        directory = Container(settings_from_env()).staff_directory
        for userid, name, roles, team in wd.DEMO_STAFF:
            if directory.get(userid) is None:
                directory.add(userid, name, roles, by="claimbot dev", team=team)

    def _configure_app_environment(self) -> None:
        from devstack import wecom_defaults as wd

        o = self.options
        os.environ.update(
            {
                "CLAIMBOT_STAGE": "local",
                "CLAIMBOT_RESOURCE_PREFIX": "claimbot-local-",
                "WECHAT_TOKEN": o.token,
                "WECHAT_APP_ID": o.app_id,
                "WECHAT_APP_SECRET": o.app_secret,
                "WECHAT_ENCODING_AES_KEY": o.aes_key,
                # The account's key stays set in plaintext mode: plaintext is then accepted as
                # during a move to safe mode (refused otherwise, as in production).
                "WECHAT_ACCEPT_PLAINTEXT": "true" if o.mode == "plain" else "false",
                "WECHAT_API_BASE": self.urls["wechat-emulator"],
                "PHOTOS_BUCKET": self.resources["PhotosBucket"],
                "CLAIMBOT_ID_PEPPER": defaults.secret("CLAIMBOT_ID_PEPPER"),
                "CONSOLE_DEV_SECRET": defaults.secret("CONSOLE_DEV_SECRET"),
                "CONSOLE_SESSION_SECRET": defaults.secret("CONSOLE_SESSION_SECRET"),
                **{name: wd.secret(name) for name in wd.SECRET_NAMES},
                "WECOM_API_BASE": self.urls["wecom-emulator"],
                "WECOM_LOGIN_BASE": self.urls["wecom-emulator"],
                "WECHAT_TEMPLATE_CLAIM_STATUS": os.environ.get(
                    "WECHAT_TEMPLATE_CLAIM_STATUS", defaults.CLAIM_STATUS_TEMPLATE
                ),
                "WECHAT_TEMPLATE_RENEWAL": os.environ.get(
                    "WECHAT_TEMPLATE_RENEWAL", defaults.RENEWAL_TEMPLATE
                ),
            }
        )
        os.environ.pop("WECHAT_SSM_PATH", None)

    def _put_secrets_in_ssm(self) -> None:
        """The app's secrets also as SSM SecureStrings where the dev stage's functions read them
        (its WECHAT_SSM_PATH), so the packaged template runs against this stack:
        `python -m infra.invoke ... --devstack` (docs/deploy.md)."""
        from chalicelib.settings import SECRET_NAMES

        self._aws.put_secrets(defaults.SSM_PATH, {name: os.environ[name] for name in SECRET_NAMES})

    def _seed_demo(self) -> None:
        """The demo book, through the operator's import path, before the event pump starts
        (so importing it notifies nobody). Settings are read afresh, not through
        current_settings(), whose cache the app must fill once its environment is complete."""
        from chalicelib.service.container import Container
        from chalicelib.service.importer import writer_for
        from chalicelib.settings import settings_from_env
        from devstack.seed import seed_demo

        result = seed_demo(writer_for(Container(settings_from_env())))
        if not result.ok:
            raise RuntimeError(f"the demo book did not import cleanly:\n{result.summary()}")
        self.demo_logins = result.logins

    def _start_webhook(self) -> None:
        import functools
        import threading

        from chalice.config import Config
        from chalice.local import create_local_server

        self.app_module = importlib.import_module("app")
        config = Config(chalice_stage="local", config_from_disk={"app_name": "claimbot"})
        self._webhook = create_local_server(
            self.app_module.app, config, self.options.host, self.options.ports["webhook"]
        )
        self._webhook.server.RequestHandlerClass = functools.partial(
            _request_handler_without_query(), app_object=self.app_module.app, config=config
        )
        # WeChat delivers concurrently (five photos at once); socketserver's backlog is 5.
        self._webhook.server.socket.listen(128)
        port = self._webhook.server.server_address[1]
        self._webhook_thread = threading.Thread(
            target=self._webhook.server.serve_forever, name="webhook", daemon=True
        )
        self._webhook_thread.start()
        self.urls["webhook"] = f"http://{self.options.host}:{port}/wechat"
        os.environ.setdefault("CLAIMBOT_PRIVACY_URL", f"http://{self.options.host}:{port}/privacy")
        os.environ.setdefault("CLAIMBOT_PUBLIC_URL", f"http://{self.options.host}:{port}")

    def _start_pump(self) -> None:
        import boto3

        from devstack.pump import EventPump, bindings_from_app

        sqs, streams, schedules = bindings_from_app(self.app_module)
        every = os.environ.get("CLAIMBOT_SCHEDULE_EVERY_S")  # e.g. 2 for a quick demo or test
        if every:
            for binding in schedules:
                binding.every_s = float(every)
        self._pump = EventPump(
            boto3.session.Session(),
            sqs,
            streams,
            retry_visibility_s=self.options.retry_visibility_s,
            schedule_bindings=schedules,
            region=self._aws.region,
        )
        self._pump.start()

    def _push_menu(self) -> None:
        from chalicelib.dialog.menu import load_menu

        self.app_module.services().api.create_menu(load_menu())

    def _start_simulator(self) -> None:
        from devstack.simulator.server import SimulatorServer

        self._simulator = SimulatorServer(
            self.simulator_client(),
            self.urls["wechat-emulator"],
            self.options.host,
            self.options.ports["simulator"],
        )
        self._simulator.start()
        self.urls["simulator"] = self._simulator.url

    def simulator_client(self, **overrides: Any) -> Any:
        from devstack.simulator.client import WeChatSimulatorClient

        o = self.options
        return WeChatSimulatorClient(
            self.urls["webhook"],
            o.token,
            o.app_id,
            o.aes_key if o.mode != "plain" else None,
            mode=o.mode,
            **overrides,
        )

    @property
    def emulator(self) -> Any:
        return self._emulator

    def _write_state(self) -> None:
        STATE_FILE.parent.mkdir(exist_ok=True)
        o = self.options
        state = {
            "urls": self.urls,
            "mode": o.mode,
            "token": o.token,
            "app_id": o.app_id,
            # What `python -m infra.invoke --devstack` needs to run the packaged template here.
            "region": self._aws.region,
            "resource_prefix": os.environ["CLAIMBOT_RESOURCE_PREFIX"],
            "resources": self.resources,
            "attributes": {f"{k[0]}.{k[1]}": v for k, v in self.resource_attributes.items()},
            "ssm_path": defaults.SSM_PATH,
            "wecom_corp_id": os.environ["WECOM_CORP_ID"],
            "wecom_agent_id": os.environ["WECOM_AGENT_ID"],
            "claim_status_template": os.environ["WECHAT_TEMPLATE_CLAIM_STATUS"],
        }
        STATE_FILE.write_text(json.dumps(state, indent=2), encoding="utf-8")

    def stop(self) -> None:
        for part in (self._simulator, self._pump):
            if part is not None:
                part.stop()
        if self._webhook is not None:
            self._webhook.server.shutdown()
            self._webhook.server.server_close()
        if self._emulator is not None:
            self._emulator.stop()
        if self._wecom is not None:
            self._wecom.stop()
        if self._aws is not None:
            self._aws.stop()
        STATE_FILE.unlink(missing_ok=True)


def _request_handler_without_query() -> type:
    """Chalice's local request handler, whose access log leaves out the query string: WeChat's
    carries a replayable signature and the customer's openid."""
    from chalice.local import ChaliceRequestHandler

    class RequestHandler(ChaliceRequestHandler):
        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            path = self.path.split("?", 1)[0]
            self.log_message('"%s %s" %s %s', self.command, path, str(code), str(size))

    return RequestHandler


def read_state() -> dict[str, Any] | None:
    """What a running `claimbot dev` wrote about itself (URLs), for `claimbot chat`."""
    try:
        return json.loads(STATE_FILE.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
