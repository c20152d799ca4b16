"""单位确认 and 解聘确认 (ADR 19): which enterprises a case asks when it is submitted, when
their time runs out, and what an online confirmation changes (the signed-and-sealed form).
The one home of these rules; the writes are in `cases.services`, the daily job in
`cases.jobs`, the enterprise's reads in `cases.selectors`.

- The employer the form names (`Case.employer_uscc`) is asked for 「单位确认」 when it has a
  verified 法人 account, unless the applicant switched this case to paper for it.
- On a change of employer (the type's `leaves_employer`), the employer the register holds is
  asked for 「解聘确认」 when it has a verified account, unless it has answered for this case
  already (an answer stands when the case comes back after a 退回).
- An employer without such an account: the manual's print-sign-seal-upload path, as before."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from accounts.models import Enterprise
from cases.models import (
    RELEASE_SETTLED,
    Case,
    CaseStatus,
    ConfirmationKind,
    ConfirmationStatus,
    EmployerConfirmation,
)
from cases.register import register_record_for
from cases.types import type_for_item
from catalog.calendar import workday_add
from catalog.models import Matter

# What the sealed form's row says instead of asking for an upload.
WAIVED_CONFIRMED = "单位已在线确认，无需上传"
WAIVED_WAITING = "等待聘用单位在线确认，无需上传"
WAIVED_ON_SUBMIT = "聘用单位已开通在线确认：提交后由单位在线确认，无需上传"


@dataclass(frozen=True)
class Question:
    """One enterprise to ask when a case is submitted."""

    kind: ConfirmationKind
    enterprise: Enterprise


def verified_enterprise(uscc: str) -> Enterprise | None:
    """The enterprise with a verified, open 法人 account for this 统一社会信用代码, if any: an
    unverified account could belong to anyone who typed the code."""
    if not uscc:
        return None
    return (
        Enterprise.objects.select_related("user")
        .filter(
            uscc=uscc.strip().upper(),
            verified_at__isnull=False,
            user__is_active=True,
            user__closed_at__isnull=True,
        )
        .first()
    )


def former_employer_uscc(case: Case) -> str:
    """The employer the applicant leaves (执业企业变更): the register's, if it is not the one
    the form names; "" for every other application."""
    app_type = type_for_item(case.item)
    if app_type is None or not app_type.is_leaving_employer(case.form_data):
        return ""
    record = register_record_for(case.applicant)
    if record is None or not record.employer_uscc or record.employer_uscc == case.employer_uscc:
        return ""
    return record.employer_uscc


def _asked(case: Case, **lookups: object) -> bool:
    """Whether a question of `case` matching `lookups` was asked. Questions are asked only by
    a submission, which numbers the case: a case never submitted has none, and is not read."""
    return bool(case.number) and case.confirmations.filter(**lookups).exists()


def questions_for(case: Case) -> list[Question]:
    """The enterprises a submission of `case` from 草稿 asks now, 单位确认 first."""
    questions: list[Question] = []
    employer = verified_enterprise(case.employer_uscc)
    if employer is not None and not _asked(
        case, kind=ConfirmationKind.EMPLOYMENT, uscc=employer.uscc, status=ConfirmationStatus.PAPER
    ):
        questions.append(Question(ConfirmationKind.EMPLOYMENT, employer))
    former = verified_enterprise(former_employer_uscc(case))
    if former is not None and not _asked(
        case,
        kind=ConfirmationKind.RELEASE,
        uscc=former.uscc,
        status__in=[*RELEASE_SETTLED, ConfirmationStatus.PAPER],
    ):
        questions.append(Question(ConfirmationKind.RELEASE, former))
    return questions


def answer_due(*, kind: str, matter: Matter, asked_on: date) -> date:
    """The last day of the enterprise's time: 单位确认 `employer_confirm_days`, after which the
    applicant may switch to paper; 解聘确认 `release_silence_days`, after which silence counts
    as agreement. Working days from the day after `asked_on`."""
    days = (
        matter.employer_confirm_days if kind == ConfirmationKind.EMPLOYMENT else matter.release_silence_days
    )
    return workday_add(start=asked_on, days=days)


def is_overdue(confirmation: EmployerConfirmation, *, today: date) -> bool:
    return confirmation.status == ConfirmationStatus.WAITING and today > confirmation.due


def employer_confirmed_online(case: Case) -> EmployerConfirmation | None:
    """The 单位确认 of the employer the form names now, if it confirmed online."""
    if not case.number:
        return None  # never submitted: nobody was asked (`_asked`)
    return (
        case.confirmations.filter(
            kind=ConfirmationKind.EMPLOYMENT, uscc=case.employer_uscc, status=ConfirmationStatus.CONFIRMED
        )
        .order_by("-answered_at", "-id")
        .first()
    )


def sealed_form_waiver(case: Case, *, questions: list[Question] | None = None) -> str:
    """Why the signed-and-sealed form need not be uploaded for `case` now, or "" when it must:
    the employer confirmed online, is being asked, or will be asked at submission. After a
    switch to paper, and for an employer without an account, it must. `questions`: what
    `questions_for(case)` answered already in this request, if it was asked."""
    if employer_confirmed_online(case) is not None:
        return WAIVED_CONFIRMED
    if (
        case.status == CaseStatus.CONFIRMING
        and case.confirmations.filter(
            kind=ConfirmationKind.EMPLOYMENT, status=ConfirmationStatus.WAITING
        ).exists()
    ):
        return WAIVED_WAITING
    if case.status == CaseStatus.DRAFT and any(
        q.kind == ConfirmationKind.EMPLOYMENT
        for q in (questions if questions is not None else questions_for(case))
    ):
        return WAIVED_ON_SUBMIT
    return ""


def paper_path_open(case: Case, *, today: date) -> bool:
    """Whether the applicant may switch to paper: the employer's 单位确认 is overdue."""
    if case.status != CaseStatus.CONFIRMING:
        return False
    return case.confirmations.overdue(kind=ConfirmationKind.EMPLOYMENT, today=today).exists()
