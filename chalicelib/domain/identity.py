"""Keyed hashes that let the bot recognise a customer without keeping their ID number.

The key (CLAIMBOT_ID_PEPPER) is a secret from SSM: without it, a leaked table does not allow
guessing the ID numbers or their last six characters offline.
"""

from __future__ import annotations

import hashlib
import hmac

from chalicelib.domain.text import remove_whitespace


def _keyed(key: bytes, purpose: str, value: str) -> str:
    message = f"{purpose}:{remove_whitespace(value).upper()}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def customer_id_for(id_number: str, key: bytes) -> str:
    """The same holder (ID number) always gets the same customer id."""
    return "c_" + _keyed(key, "customer", id_number)[:32]


def id_check_for(id_last6: str, key: bytes) -> str:
    """What a customer's answer (the ID's last 6 characters) is compared against."""
    return _keyed(key, "id-last6", id_last6)


def phone_check_for(phone: str, key: bytes) -> str:
    """What a phone number typed by staff is matched against (policies keep it only masked):
    digits only, without China's country code, so "+86 138-0013-8000" finds 13800138000."""
    digits = "".join(c for c in phone if c.isdigit())
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    return _keyed(key, "phone", digits)


def vin_check_for(vin: str, key: bytes) -> str:
    """What a VIN read from a survey photo is compared against (the policy keeps no VIN)."""
    return _keyed(key, "vin", vin)


def matches(answer: str, check: str, key: bytes) -> bool:
    return hmac.compare_digest(id_check_for(answer, key), check)
