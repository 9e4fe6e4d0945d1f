"""E.164 phone numbers, validated with `phonenumbers`."""

from __future__ import annotations

from typing import Annotated

import phonenumbers
from pydantic import AfterValidator


class InvalidPhoneNumber(ValueError):
    pass


def to_e164(value: str, default_region: str | None = None) -> str:
    """Parse a phone number as written by a person and return it in E.164, or raise."""
    raw = value.strip()
    try:
        number = phonenumbers.parse(raw, default_region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhoneNumber(
            f"'{value}' is not a phone number; use the international form, e.g. +14155550123"
        ) from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhoneNumber(f"'{value}' is not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _validate(value: str) -> str:
    return to_e164(value)


PhoneNumber = Annotated[str, AfterValidator(_validate)]
