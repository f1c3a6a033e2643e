"""The embedded AWS emulator: moto server on loopback, reached through AWS_ENDPOINT_URL."""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
from typing import Any

from devstack.aws_faults import CONTROL_PATH
from devstack.infra import create_resources_with_attributes, local_region

LOCAL_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "local",
    "AWS_SECRET_ACCESS_KEY": "local",
}


def _serialized_moto_server(host: str, port: int) -> Any:
    """moto server applying one request at a time.

    DynamoDB makes each conditional write atomic; moto's backends take no locks, so two
    concurrent conditional writes could both pass their check. Serializing requests restores
    the semantics that dedupe, leases and quotas rely on (requests take ~1 ms each).
    """
    import threading

    from moto.moto_server.threaded_moto_server import ThreadedMotoServer
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import make_server

    from devstack.aws_faults import Faults, with_faults

    lock = threading.Lock()
    app = with_faults(DomainDispatcherApplication(create_backend_app), Faults())

    def one_at_a_time(environ: Any, start_response: Any) -> Any:
        with lock:
            return list(app(environ, start_response))

    class Server(ThreadedMotoServer):
        def _server_entry(self) -> None:
            self._server = make_server(
                self._ip_address,
                self._port,
                one_at_a_time,
                True,
                request_handler=MotoRequestHandler,
            )
            self._server_ready_event.set()
            self._server.serve_forever()

    return Server(ip_address=host, port=port, verbose=False)


class LocalAws:
    """moto server in a process of its own: its Python work does not compete with claimbot's
    for one interpreter lock (in the same process it capped the local stack near 20 messages a
    second; bench/RESULTS.md, load). It exits with its parent (its stdin closes)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, region: str | None = None) -> None:
        self.host = host
        self.port = port
        self.region = region or local_region()  # CLAIMBOT_REGION, else ap-east-1
        self._process: subprocess.Popen[str] | None = None

    def start(self) -> str:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "devstack.aws", "--host", self.host, "--port", str(self.port)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )  # fmt: skip
        assert self._process.stdout is not None
        line = self._process.stdout.readline().strip()
        if not line.startswith("listening "):
            self.stop()
            raise OSError(f"the AWS emulator did not start on {self.host}:{self.port}: {line!r}")
        self.port = int(line.split()[1])
        return self.url

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def add_fault(self, **spec: Any) -> None:
        """Fail matching requests on purpose (devstack/aws_faults.py)."""
        import requests

        answer = requests.post(f"{self.url}{CONTROL_PATH}", json=spec, timeout=5)
        if answer.status_code != 200:
            raise ValueError(answer.json()["error"])

    def clear_faults(self) -> list[dict[str, Any]]:
        """Clear the faults; what they were and how often each struck."""
        import requests

        struck = requests.get(f"{self.url}{CONTROL_PATH}", timeout=5).json()["faults"]
        requests.delete(f"{self.url}{CONTROL_PATH}", timeout=5)
        return list(struck)

    def environment(self) -> dict[str, str]:
        """What boto3 and PynamoDB need to talk to this emulator instead of AWS."""
        return {
            **LOCAL_CREDENTIALS,
            "AWS_ENDPOINT_URL": self.url,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_REGION": self.region,
        }

    def apply_environment(self) -> None:
        os.environ.update(self.environment())

    def create_resources(self, stage: str = "local") -> dict[str, str]:
        return self.create_resources_with_attributes(stage)[0]

    def create_resources_with_attributes(
        self, stage: str = "local"
    ) -> tuple[dict[str, str], dict[tuple[str, str], str]]:
        """{logical id: physical name} and what !GetAtt gives ({(logical, attribute): value})."""
        return create_resources_with_attributes(self.session(), stage=stage, region=self.region)

    def put_secrets(self, path: str, secrets: dict[str, str]) -> None:
        """SSM SecureString parameters `<path>/<NAME>`, as the functions read them in AWS."""
        ssm = self.session().client("ssm", endpoint_url=self.url)
        for name, value in secrets.items():
            ssm.put_parameter(
                Name=f"{path.rstrip('/')}/{name}", Value=value, Type="SecureString", Overwrite=True
            )

    def session(self) -> Any:
        import boto3

        return boto3.session.Session(
            aws_access_key_id="local", aws_secret_access_key="local", region_name=self.region
        )

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        for stream in (process.stdin, process.stdout):
            if stream is not None:
                stream.close()


def _cheap_transactions() -> None:
    """moto backs up every table a transaction touches (a deep copy) in case it must roll back:
    its cost grows with the tables, and under load the local stack slowed to a crawl as the
    conversations table grew. Requests here run one at a time (_serialized_moto_server), so
    when every condition of a transaction holds, nothing can fail it: it runs without the
    copies. When one fails, moto's own path (copies, rollback, reasons) runs, unchanged."""
    import types

    import moto.dynamodb.models as models

    original = models.DynamoDBBackend.transact_write_items

    def holds(backend: Any, transact_items: list[dict[str, Any]]) -> bool:
        for item in transact_items:
            _, op = next(iter(item.items()))
            if op.get("ConditionExpression") is None:
                continue
            table = backend.get_table(op["TableName"])
            if "Key" in op:
                key = op["Key"]
            else:
                key = {table.hash_key_attr: op["Item"][table.hash_key_attr]}
                if table.range_key_attr is not None:
                    key[table.range_key_attr] = op["Item"][table.range_key_attr]
            condition = models.get_filter_expression(
                op["ConditionExpression"], op.get("ExpressionAttributeNames"),
                op.get("ExpressionAttributeValues"),
            )  # fmt: skip
            if not condition.expr(backend.get_item(op["TableName"], key)):
                return False
        return True

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        if not holds(self, transact_items):
            return original(self, transact_items)
        real_copy = models.copy
        models.copy = types.SimpleNamespace(deepcopy=lambda value: value)
        try:
            return original(self, transact_items)
        finally:
            models.copy = real_copy

    models.DynamoDBBackend.transact_write_items = transact_write_items


def _serve(host: str, port: int) -> None:
    """The child: serve until terminated, or until the parent is gone (stdin closes)."""
    import signal
    import threading

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    _cheap_transactions()
    server = _serialized_moto_server(host, port)
    server.start()
    print(f"listening {server.get_host_and_port()[1]}", flush=True)

    def parent_gone() -> None:
        sys.stdin.read()
        os._exit(0)

    threading.Thread(target=parent_gone, daemon=True).start()
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    threading.Event().wait()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="moto server for the devstack (one process)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    _serve(args.host, args.port)


if __name__ == "__main__":
    main()
