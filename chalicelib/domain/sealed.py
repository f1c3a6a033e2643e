"""A small secret kept readable by claimbot only: a complaining customer's callback number on
their ticket. AES-GCM with a key derived from CLAIMBOT_ID_PEPPER (the secret the keyed hashes
use, from SSM) for this one purpose, so a leaked table or backup shows no number; the ticket's
number is bound in as associated data, so a sealed value copied to another ticket does not open.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

VERSION = "v1"


class Unreadable(ValueError):
    """Not sealed with this key for this ticket."""


def _key(pepper: bytes, purpose: str) -> bytes:
    return hmac.new(pepper, f"seal:{purpose}".encode(), hashlib.sha256).digest()


def seal(value: str, pepper: bytes, purpose: str, bound_to: str) -> str:
    nonce = os.urandom(12)
    data = AESGCM(_key(pepper, purpose)).encrypt(nonce, value.encode(), bound_to.encode())
    return f"{VERSION}:{base64.b64encode(nonce + data).decode()}"


def unseal(sealed: str, pepper: bytes, purpose: str, bound_to: str) -> str:
    version, _, body = sealed.partition(":")
    if version != VERSION:
        raise Unreadable(f"unknown sealing {version!r}")
    raw = base64.b64decode(body)
    try:
        plain = AESGCM(_key(pepper, purpose)).decrypt(raw[:12], raw[12:], bound_to.encode())
    except InvalidTag as exc:
        raise Unreadable("not sealed with this key for this value") from exc
    return plain.decode()
