"""居民身份证号码 (GB 11643-1999) normalization and validation."""

from __future__ import annotations

import re
from datetime import date

from lib.errors import ApplicationError

# ISO 7064 MOD 11-2 weights for the 17 body digits (2**(17-i) mod 11).
_WEIGHTS: tuple[int, ...] = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
# Check character indexed by (weighted sum mod 11).
_CHECK_CHARS = "10X98765432"

# Province-level codes from GB/T 2260 (71 台湾, 81 香港, 82 澳门).
PROVINCE_CODES: frozenset[str] = frozenset(
    {
        "11", "12", "13", "14", "15",
        "21", "22", "23",
        "31", "32", "33", "34", "35", "36", "37",
        "41", "42", "43", "44", "45", "46",
        "50", "51", "52", "53", "54",
        "61", "62", "63", "64", "65",
        "71", "81", "82",
    }
)  # fmt: skip

# 港澳台居民居住证 numbers (issued since 2018) follow GB 11643 but use these
# province-only address codes, so they must pass despite the "0000" rule.
# 83 is not a GB/T 2260 province; it exists only as 830000 for Taiwan residents.
RESIDENCE_PERMIT_REGION_CODES: frozenset[str] = frozenset({"810000", "820000", "830000"})

# Explicit [0-9] plus re.ASCII: str.isdigit()/\d would accept '０' or '١',
# which int() silently converts and which we must reject instead.
_SHAPE_RE = re.compile(r"[0-9]{17}[0-9X]", re.ASCII)
_BODY_RE = re.compile(r"[0-9]{17}", re.ASCII)

# Only ASCII whitespace is stripped so odd Unicode spaces still surface as errors.
_ASCII_WHITESPACE = " \t\n\r\f\v"

MSG_LENGTH = "身份证号码应为18位"
MSG_CHARS = "身份证号码只能包含数字，最后一位可以是X"
MSG_REGION = "身份证号码中的地区代码无效"
MSG_BIRTH_DATE = "身份证号码中的出生日期无效"
MSG_CHECK = "身份证号码校验位错误，请核对后重新输入"

_MIN_BIRTH_YEAR = 1900


class IdNumberError(ApplicationError, ValueError):
    """Invalid ID number; `message` is a user-facing Chinese sentence. A ValueError too, so
    parsers may treat it as one; forms catch it apart to show it under the field."""


def normalize_id_number(raw: str) -> str:
    """Strip ASCII whitespace and uppercase a trailing 'x'; nothing else."""
    value = raw.strip(_ASCII_WHITESPACE)
    # Only the check position may be a letter; touching other chars
    # (e.g. str.upper() or NFKC) could turn invalid input into valid input.
    if value.endswith("x"):
        value = value[:-1] + "X"
    return value


def id_number_check_char(first17: str) -> str:
    """Return the MOD 11-2 check character for 17 ASCII digits."""
    if not _BODY_RE.fullmatch(first17):
        raise IdNumberError(MSG_CHARS)
    total = sum(int(ch) * w for ch, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def _region_is_valid(code: str) -> bool:
    if code in RESIDENCE_PERMIT_REGION_CODES:
        return True
    return code[:2] in PROVINCE_CODES and code[2:] != "0000"


def _parse_birth_date(digits: str) -> date | None:
    # digits is already known to be ASCII, so int() cannot see Unicode digits.
    try:
        born = date(int(digits[0:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return None
    return born


def birth_date_plausible(born: date, *, today: date) -> bool:
    """A birth date a living person can have: not after `today`, not before 1900. The one
    rule for a date read from a 居民身份证 number and one typed for another document."""
    return born.year >= _MIN_BIRTH_YEAR and born <= today


def validate_id_number(raw: str, *, today: date | None = None) -> str:
    """Return the normalized number or raise IdNumberError."""
    number = normalize_id_number(raw)
    if len(number) != 18:
        raise IdNumberError(MSG_LENGTH)
    if not _SHAPE_RE.fullmatch(number):
        raise IdNumberError(MSG_CHARS)
    if not _region_is_valid(number[:6]):
        raise IdNumberError(MSG_REGION)
    born = _parse_birth_date(number[6:14])
    reference = today if today is not None else date.today()
    if born is None or not birth_date_plausible(born, today=reference):
        raise IdNumberError(MSG_BIRTH_DATE)
    if id_number_check_char(number[:17]) != number[17]:
        raise IdNumberError(MSG_CHECK)
    return number


def id_number_birth_date(number: str) -> date:
    """Birth date encoded in a valid ID number (validates it first)."""
    valid = validate_id_number(number)
    born = _parse_birth_date(valid[6:14])
    # validate_id_number guarantees a real date; the assert documents that.
    assert born is not None
    return born


def id_number_sex(number: str) -> str:
    """'男' if the 17th digit is odd, else '女' (validates the number first)."""
    valid = validate_id_number(number)
    return "男" if int(valid[16]) % 2 == 1 else "女"
