"""电子证照标识: `1.2.156.3005.2.<证照类型代码>.<发证机关统一社会信用代码>.<流水号>.<版本>.<校验位>`.

The check character is ISO/IEC 7064 MOD 37,36 (the hybrid system, M = 36) over the parts after
the root with the dots removed, using the 36 characters 0-9A-Z."""

from __future__ import annotations

import re

ROOT = "1.2.156.3005.2"
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_M = 36
_PART = re.compile(r"[0-9A-Z]+", re.ASCII)


class LicenseIdError(ValueError):
    pass


def mod37_36_check_char(body: str) -> str:
    """The check character for `body` (characters 0-9A-Z)."""
    product = _M
    for char in body:
        value = ALPHABET.find(char)
        if value < 0:
            raise LicenseIdError(f"电子证照标识含有无效字符：{char}")
        total = (product + value) % _M or _M
        product = (2 * total) % (_M + 1)
    return ALPHABET[(_M + 1 - product) % _M]


def mod37_36_valid(body_with_check: str) -> bool:
    """True when the last character is the right check character for the rest."""
    if len(body_with_check) < 2:
        return False
    try:
        return mod37_36_check_char(body_with_check[:-1]) == body_with_check[-1]
    except LicenseIdError:
        return False


def license_id_build(*, type_code: str, issuer_uscc: str, serial: str, version: int) -> str:
    parts = [type_code.upper(), issuer_uscc.upper(), serial.upper(), f"{version:03d}"]
    for part in parts:
        if not _PART.fullmatch(part):
            raise LicenseIdError(f"电子证照标识的组成部分只能包含数字和大写字母：{part!r}")
    if not 1 <= version <= 999:
        raise LicenseIdError("电子证照版本号应在001到999之间")
    return ".".join([ROOT, *parts, mod37_36_check_char("".join(parts))])


def license_id_valid(license_id: str) -> bool:
    if not license_id.startswith(ROOT + "."):
        return False
    parts = license_id[len(ROOT) + 1 :].split(".")
    if len(parts) != 5 or not all(_PART.fullmatch(p) for p in parts) or len(parts[4]) != 1:
        return False
    return mod37_36_valid("".join(parts))
