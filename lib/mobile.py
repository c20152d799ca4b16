"""Mainland China mobile phone number normalization and validation."""

from __future__ import annotations

import re

from lib.errors import ApplicationError

# Separators users commonly type; only ASCII ones, so Unicode lookalikes
# (full-width digits, U+2010 hyphen) are left in place and rejected.
_SEPARATORS_RE = re.compile(r"[ \t\n\r\f\v-]", re.ASCII)
# The country code is dropped only when exactly 11 digits follow, so a bare
# 11-digit number starting with "86" is never truncated.
_PREFIX_RE = re.compile(r"(?:\+86|86)([0-9]{11})", re.ASCII)
_MOBILE_RE = re.compile(r"1[3-9]\d{9}", re.ASCII)
_ELEVEN_DIGITS_RE = re.compile(r"[0-9]{11}", re.ASCII)

MSG_LENGTH = "请输入11位手机号码"
MSG_FORMAT = "手机号码格式不正确，请核对后重新输入"


class MobileError(ApplicationError, ValueError):
    """Invalid mobile number; `message` is a user-facing Chinese sentence. A ValueError too, so
    parsers may treat it as one; forms catch it apart to show it under the field."""


def normalize_mobile(raw: str) -> str:
    """Remove spaces/dashes and a '+86'/'86' prefix before 11 digits."""
    value = _SEPARATORS_RE.sub("", raw)
    match = _PREFIX_RE.fullmatch(value)
    return match.group(1) if match else value


def validate_mobile(raw: str) -> str:
    """Return the normalized 11-digit number or raise MobileError."""
    number = normalize_mobile(raw)
    if _MOBILE_RE.fullmatch(number):
        return number
    # 11 ASCII digits with a bad prefix deserve a different hint than
    # "enter 11 digits", which the user already did.
    if _ELEVEN_DIGITS_RE.fullmatch(number):
        raise MobileError(MSG_FORMAT)
    raise MobileError(MSG_LENGTH)
