"""Keyword search over the catalogue.

People type the full name (the manual's example), an abbreviation (二建), or pinyin
initials (ejjzs) on a phone keyboard that is still in full-width mode. So each 事项 keeps a
derived `search_text` holding, for its name and every alias, the characters, the full
pinyin and the pinyin initials; a query is normalised the same way and matched with one
case-insensitive LIKE per term."""

from __future__ import annotations

import re
import unicodedata

# Between the forms of one text, so a query cannot match across two of them by accident
# (the end of one alias's pinyin running into the start of the next).
SEPARATOR = "|"

# Administrators type aliases with whichever comma their input method gives them.
_ALIAS_SPLIT_RE = re.compile(r"[,，、;；\s]+")
_SPACES_RE = re.compile(r"\s+")


def split_aliases(aliases: str) -> list[str]:
    return [alias for alias in _ALIAS_SPLIT_RE.split(normalize_query(aliases)) if alias]


def text_forms(text: str) -> list[str]:
    """The text itself, its full pinyin and its pinyin initials, lowercased.

    Characters that are not Chinese pass through pypinyin unchanged, so 'SC证' gives
    'sc证', 'sczheng' and 'scz'. Spaces are dropped from the pinyin forms because people
    type pinyin without them."""
    # pypinyin's dictionaries take about 57 MB once imported: only what builds search text
    # (the catalogue's saves and its seed) pays for them, not every web worker.
    from pypinyin import Style, lazy_pinyin

    text = normalize_query(text)
    full = "".join(lazy_pinyin(text)).replace(" ", "")
    initials = "".join(lazy_pinyin(text, style=Style.FIRST_LETTER)).replace(" ", "")
    forms: list[str] = []
    for form in (text, full.lower(), initials.lower()):
        if form and form not in forms:
            forms.append(form)
    return forms


def matter_search_text(*, name: str, aliases: str) -> str:
    forms: list[str] = []
    for text in [name, *split_aliases(aliases)]:
        for form in text_forms(text):
            if form not in forms:
                forms.append(form)
    return SEPARATOR.join(forms)


def normalize_query(q: str) -> str:
    """NFKC first, so full-width letters and digits (ＥＪＪＺＳ) and the ideographic space
    become their ASCII twins; then lowercase and single spaces."""
    text = unicodedata.normalize("NFKC", q).lower()
    return _SPACES_RE.sub(" ", text).strip()


def query_terms(q: str) -> list[str]:
    """Whitespace-separated terms; the separator is never part of a term, so a query
    cannot match the joints of `search_text`."""
    return [term for term in normalize_query(q).replace(SEPARATOR, " ").split(" ") if term]
