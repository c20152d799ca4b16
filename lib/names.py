"""What may be typed where a name is expected, and in free text.

A person's or an enterprise's name travels further than the page it was typed on: into
SMS texts, the printed application form, notices, the OFD certificate and staff exports,
some of which do not escape markup the way Django templates do. So a name holds no
markup characters and nothing invisible: control characters (a newline splits an SMS or
a CSV row), and format characters such as U+202E RIGHT-TO-LEFT OVERRIDE, which make
"王五" display as something else. Real names need neither: Chinese names, the middle dot
of minority names (买买提·艾力), letters, spaces, hyphens, apostrophes and brackets
(（辽宁）建设有限公司) all stay allowed.

Free text (opinions, reasons) is shown escaped and may quote "<" or "&"; only control
characters (other than line breaks and tabs) and the invisible direction overrides are
refused there.

``str(TextRefused)`` is a user-facing Simplified Chinese message.
"""

from __future__ import annotations

import unicodedata
from typing import Final

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible

# Characters with a meaning in HTML/XML markup or in quoting; "'" is left out on purpose:
# it is part of some foreign names (O'Neill) and harmless once escaped.
MARKUP_CHARS: Final = frozenset('<>&"`\\')
_MARKUP_SHOWN: Final = '< > & " ` \\'
# Line breaks and tabs belong in a paragraph of free text.
_TEXT_WHITESPACE: Final = frozenset("\n\r\t")
# Bidirectional embeddings, overrides and isolates: invisible, and they reorder what is shown.
_BIDI_CONTROLS: Final = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")


class TextRefused(ValueError):
    """Refused input; ``str(error)`` is a user-facing Chinese message."""


# Controls (Cc), format characters (Cf), lone surrogates (Cs) and the Unicode line and
# paragraph separators. Private-use (Co) and unassigned (Cn) code points stay allowed: rare
# characters of real names (生僻字) are still encoded in the private-use area by some
# registers, and the newest CJK extensions are unassigned to this Python's Unicode tables.
_INVISIBLE_CATEGORIES: Final = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def _invisible(ch: str) -> bool:
    return unicodedata.category(ch) in _INVISIBLE_CATEGORIES


def check_name(value: str, *, label: str) -> str:
    """A person's or an enterprise's name, composed (NFC); raises TextRefused."""
    value = unicodedata.normalize("NFC", value)
    if any(_invisible(ch) for ch in value):
        raise TextRefused(f"{label}中含有换行、制表符等控制字符或不可见字符，请重新输入")
    if any(ch in MARKUP_CHARS for ch in value):
        raise TextRefused(f"{label}不能包含 {_MARKUP_SHOWN} 等符号，请按证件上的名称填写")
    return value


def check_free_text(value: str, *, label: str) -> str:
    """Free text such as an opinion or a reason; raises TextRefused."""
    for ch in value:
        if ch in _TEXT_WHITESPACE:
            continue
        if unicodedata.category(ch) in ("Cc", "Cs") or ch in _BIDI_CONTROLS:
            raise TextRefused(f"{label}中含有控制字符或不可见的方向控制字符，请删除后重新输入")
    return value


@deconstructible
class NameValidator:
    """The form-field face of check_name: ``validators=[NameValidator("姓名")]``."""

    def __init__(self, label: str) -> None:
        self.label = label

    def __call__(self, value: str) -> None:
        try:
            check_name(value, label=self.label)
        except TextRefused as e:
            raise ValidationError(str(e), code="name") from None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NameValidator) and other.label == self.label

    def __hash__(self) -> int:
        return hash(self.label)


@deconstructible
class FreeTextValidator:
    """The form-field face of check_free_text."""

    def __init__(self, label: str) -> None:
        self.label = label

    def __call__(self, value: str) -> None:
        try:
            check_free_text(value, label=self.label)
        except TextRefused as e:
            raise ValidationError(str(e), code="text") from None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FreeTextValidator) and other.label == self.label

    def __hash__(self) -> int:
        return hash(self.label)
