"""Verify, decrypt and encrypt WeChat pushes: plaintext, compatible and safe (AES) modes.

Signature rules (reference/wechat.md): plaintext mode signs token/timestamp/nonce in
`signature`; with encrypt_type=aes the one that matters is `msg_signature`, over the
ciphertext as well. wechatpy does the cryptography.

Plaintext's signature does not cover the body: anyone who saw one signed URL could post any
body with it. So once an EncodingAESKey is configured, plaintext posts are refused (a safe-mode
URL re-posted as plaintext was a way in); `accept_plaintext` allows them while an account
moves from plaintext to safe mode. A plaintext post that is accepted is `Decoded.signed_only`:
the webhook then refuses a second use of its signature with another body (replay).
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.utils import WeChatSigner

from chalicelib.wechat.inbound import BadMessage, screen_xml


class Rejected(Exception):
    """The request is refused; `status` and the short English `reason` go back to the caller."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class Decoded:
    xml: str
    encrypted: bool
    nonce: str
    timestamp: str
    signature: str = ""  # the query's `signature` (token/timestamp/nonce only)

    @property
    def signed_only(self) -> bool:
        """The body is not covered by any signature (plaintext mode)."""
        return not self.encrypted


def _sign(*parts: str) -> str:
    signer = WeChatSigner()
    signer.add_data(*parts)
    return signer.signature


class WeChatCodec:
    def __init__(
        self,
        token: str,
        app_id: str,
        encoding_aes_key: str = "",
        max_clock_skew_s: int = 300,
        max_body_bytes: int = 64 * 1024,
        clock: Callable[[], float] = time.time,
        accept_plaintext: bool = False,
    ) -> None:
        """accept_plaintext: with an EncodingAESKey, still accept plaintext posts (only while
        the account moves to safe mode; without a key plaintext is the only mode)."""
        self.token = token
        self.accept_plaintext = accept_plaintext
        self.max_clock_skew_s = max_clock_skew_s
        self.max_body_bytes = max_body_bytes
        self.clock = clock
        self._crypto = WeChatCrypto(token, encoding_aes_key, app_id) if encoding_aes_key else None

    def verify_url(self, query: Mapping[str, str]) -> str:
        """URL verification (GET): return echostr if the signature matches."""
        self._check_signature(query)
        echostr = query.get("echostr")
        if echostr is None:
            raise Rejected(400, "missing echostr")
        return echostr

    def decode(self, query: Mapping[str, str], body: bytes) -> Decoded:
        """Check a POST and return its plaintext XML."""
        if len(body) > self.max_body_bytes:
            raise Rejected(413, "body too large")
        timestamp = self._check_signature(query)
        text = _utf8(body)
        nonce = query.get("nonce", "")
        if query.get("encrypt_type", "raw").lower() != "aes":
            if self._crypto is not None and not self.accept_plaintext:
                raise Rejected(403, "plaintext refused: safe mode is configured")
            return Decoded(xml=text, encrypted=False, nonce=nonce, timestamp=timestamp,
                           signature=query.get("signature", ""))  # fmt: skip
        return Decoded(
            xml=self._decrypt(text, query, timestamp, nonce),
            encrypted=True,
            nonce=nonce,
            timestamp=timestamp,
        )

    def encode_reply(self, reply_xml: str, decoded: Decoded) -> str:
        """Encrypt a passive reply when the request was encrypted."""
        if not decoded.encrypted or self._crypto is None:
            return reply_xml
        return self._crypto.encrypt_message(reply_xml, decoded.nonce, str(int(self.clock())))

    def _check_signature(self, query: Mapping[str, str]) -> str:
        timestamp = query.get("timestamp", "")
        nonce = query.get("nonce", "")
        signature = query.get("signature", "")
        if not (timestamp and nonce and signature):
            raise Rejected(403, "missing signature")
        if not hmac.compare_digest(
            _sign(self.token, timestamp, nonce).encode(), signature.encode()
        ):
            raise Rejected(403, "bad signature")
        self._check_clock(timestamp)
        return timestamp

    def _check_clock(self, timestamp: str) -> None:
        if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
            raise Rejected(403, "bad timestamp")
        if self.max_clock_skew_s and abs(self.clock() - int(timestamp)) > self.max_clock_skew_s:
            raise Rejected(403, "timestamp outside allowed clock skew")

    def _decrypt(self, text: str, query: Mapping[str, str], timestamp: str, nonce: str) -> str:
        if self._crypto is None:
            raise Rejected(400, "encrypted message but no EncodingAESKey configured")
        msg_signature = query.get("msg_signature", "")
        if not msg_signature:
            raise Rejected(403, "missing msg_signature")
        try:
            screen_xml(text)
            return self._crypto.decrypt_message(text, msg_signature, timestamp, nonce)
        except BadMessage as exc:
            raise Rejected(400, str(exc)) from exc
        except InvalidSignatureException as exc:
            raise Rejected(403, "bad msg_signature") from exc
        except InvalidAppIdException as exc:
            raise Rejected(403, "message for another app id") from exc
        except Exception as exc:  # bad base64, padding or length inside the ciphertext
            raise Rejected(400, "cannot decrypt message") from exc


def _utf8(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Rejected(400, "body is not utf-8") from exc
