"""The embedded AWS emulator: moto server on loopback, reached through AWS_ENDPOINT_URL."""

from __future__ import annotations

import logging
import os
from typing import Any

from devstack.infra import create_resources

LOCAL_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "local",
    "AWS_SECRET_ACCESS_KEY": "local",
}


class LocalAws:
    def __init__(self, host: str = "127.0.0.1", port: int = 0, region: str = "ap-east-1") -> None:
        self.host = host
        self.port = port
        self.region = region
        self._server: Any = None

    def start(self) -> str:
        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self._server = ThreadedMotoServer(ip_address=self.host, port=self.port, verbose=False)
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.port = port
        return self.url

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

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
        import boto3

        session = boto3.session.Session(
            aws_access_key_id="local", aws_secret_access_key="local", region_name=self.region
        )
        return create_resources(session, stage=stage, region=self.region)

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None
