"""The wording of the legal notices and of the register's history, in one place: templates in
`templates/cases/notices/`, rendered here, as the SMS texts are rendered from theirs.

    data = {**notice_text(NoticeKind.REJECTION, matter=..., item=..., reason=...), "remedies": True}
    summary = change_summary(ChangeKind.ADDITION, specialties="公路工程", valid_to=date(...))

A notice is kept as what it said when it was issued (`Notice.data`), so the text is rendered
once, by the service that issues it, and a later change of a template changes no issued
notice. Each `{% paragraph %}` block of a template is one paragraph (see
`cases/templatetags/notice_tags.py`), so a multi-line reason stays one paragraph.

Dates in the wording are the Asia/Shanghai calendar date: a `datetime` given in the context
is turned into its local date here, never formatted in UTC."""

from __future__ import annotations

import datetime as dt
from typing import NotRequired, TypedDict

from django.template import Context
from django.template.engine import Engine
from django.utils import timezone

from cases.models import NoticeKind
from cases.templatetags.notice_tags import SECTIONS_KEY
from catalog.registration_types import ChangeKind

TEMPLATE_DIR = "cases/notices"


class NoticeBody(TypedDict):
    """The wording part of `Notice.data`; the issuing service adds `items` and `remedies`."""

    paragraphs: list[str]
    closing_paragraphs: NotRequired[list[str]]


def notice_template(kind: NoticeKind) -> str:
    return f"{TEMPLATE_DIR}/{kind.value}.txt"


def change_template(kind: ChangeKind) -> str:
    return f"{TEMPLATE_DIR}/changes/{kind.value}.txt"


def _local(value: object) -> object:
    # Every date a notice prints is the day it was in Liaoning (a case submitted at 07:30 is
    # 23:30 UTC the day before); `date` values are already calendar dates.
    if isinstance(value, dt.datetime):
        return timezone.localdate(value)
    return value


def _sections(template_name: str, context: dict[str, object]) -> dict[str, list[str]]:
    sections: dict[str, list[str]] = {}
    values = {name: _local(value) for name, value in context.items()}
    compiled = Engine.get_default().get_template(template_name)
    # Plain text: the PDF template escapes the paragraphs when it prints them.
    rest = compiled.render(Context({**values, SECTIONS_KEY: sections}, autoescape=False))
    if rest.strip():
        raise ValueError(f"{template_name}: text outside {{% paragraph %}}: {rest.strip()[:40]!r}")
    return sections


def notice_text(kind: NoticeKind, **context: object) -> NoticeBody:
    """The paragraphs of the notice `kind` (templates/cases/notices/<kind>.txt) for `context`."""
    sections = _sections(notice_template(kind), context)
    body: NoticeBody = {"paragraphs": sections.get("paragraphs", [])}
    if sections.get("closing_paragraphs"):
        body["closing_paragraphs"] = sections["closing_paragraphs"]
    return body


def change_summary(kind: ChangeKind, **context: object) -> str:
    """The one-line summary of a register history row (`RegistrationChange.summary`), which the
    准予行政许可决定书 also prints (templates/cases/notices/changes/<kind>.txt)."""
    paragraphs = _sections(change_template(kind), context).get("paragraphs", [])
    if len(paragraphs) != 1:
        raise ValueError(f"{change_template(kind)}: a summary is one paragraph, not {len(paragraphs)}")
    return paragraphs[0]
