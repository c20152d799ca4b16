"""统一社会信用代码 (GB 32100-2015) normalization and validation."""

from __future__ import annotations

import re

from lib.errors import ApplicationError

# GB 32100 alphabet: I, O, Z, S, V are excluded to avoid confusion with digits.
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUES: dict[str, int] = {ch: i for i, ch in enumerate(ALPHABET)}
# Weights are 3**i mod 31; all non-zero mod the prime 31, so any single
# character substitution is guaranteed to change the check character.
_WEIGHTS: tuple[int, ...] = (
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
)  # fmt: skip

# Positions 1-2 accept any alphabet char so we never reject real registrars
# or categories; positions 3-8 are a GB/T 2260 division code, always digits.
_CLASS = "[0-9A-HJ-NPQRTUWXY]"
_SHAPE_RE = re.compile(rf"{_CLASS}{{2}}[0-9]{{6}}{_CLASS}{{10}}", re.ASCII)
_BODY_RE = re.compile(rf"{_CLASS}{{17}}", re.ASCII)

_ASCII_WHITESPACE = " \t\n\r\f\v"
# Uppercase ASCII only: str.upper() maps e.g. 'ß' to 'SS' or 'ａ' to 'Ａ'.
_ASCII_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")

MSG_LENGTH = "统一社会信用代码应为18位"
MSG_CHARS = "统一社会信用代码含有无效字符"
MSG_CHECK = "统一社会信用代码校验位错误，请核对后重新输入"


class UsccError(ApplicationError, ValueError):
    """Invalid USCC; `message` is a user-facing Chinese sentence. A ValueError too, so
    parsers may treat it as one; forms catch it apart to show it under the field."""


def normalize_uscc(raw: str) -> str:
    """Strip ASCII whitespace and uppercase ASCII letters only."""
    return raw.strip(_ASCII_WHITESPACE).translate(_ASCII_UPPER)


def uscc_check_char(first17: str) -> str:
    """Return the MOD 31 check character for the first 17 characters."""
    if not _BODY_RE.fullmatch(first17):
        raise UsccError(MSG_CHARS)
    total = sum(_VALUES[ch] * w for ch, w in zip(first17, _WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def validate_uscc(raw: str) -> str:
    """Return the normalized code or raise UsccError."""
    code = normalize_uscc(raw)
    if len(code) != 18:
        raise UsccError(MSG_LENGTH)
    if not _SHAPE_RE.fullmatch(code):
        raise UsccError(MSG_CHARS)
    if uscc_check_char(code[:17]) != code[17]:
        raise UsccError(MSG_CHECK)
    return code
