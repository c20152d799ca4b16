"""Text in a request that nothing of the portal takes: control characters (U+0000–U+001F except
tab, line feed and carriage return, and U+007F). NUL above all: PostgreSQL's text columns
cannot hold it, so a `%00` that reaches a query is a server error there (psycopg: "PostgreSQL
text fields cannot contain NUL") while SQLite answers. No address, search, number or key of
the portal has any reason to carry one, so the request is refused before any view sees it.

Tab and line breaks are allowed: a search pasted from a spreadsheet brings a tab, and neither
harms a query. What the request's body holds (form fields) is for the forms: Django's
CharField refuses NUL there, in lib/forms.py's words.

The rule lives here; the answer is the caller's: `portal.middleware.RequestTextMiddleware` (the
400 page, or the API's JSON refusal under /api/)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.http import HttpRequest

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def has_control_characters(text: str) -> bool:
    return CONTROL.search(text) is not None


def control_characters_escaped(text: str) -> str:
    """`text` with each control character written as `\\xNN`: for what is stored or shown
    (an audit row, a log line), never the raw character."""
    return CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def request_text_refusal(request: HttpRequest, *, headers: Iterable[str] = ()) -> str | None:
    """Where `request` carries a control character, in Chinese (「地址」, 「查询参数」, or the
    header's name), or None. The path and the query are read as the views read them: decoded."""
    if has_control_characters(request.path_info) or has_control_characters(request.path):
        return "地址"
    for name, values in request.GET.lists():
        if has_control_characters(name) or any(has_control_characters(v) for v in values):
            return "查询参数"
    for header in headers:
        if has_control_characters(request.headers.get(header, "")):
            return f"请求头“{header}”"
    return None
