"""What 我的信息 shows: everything the portal holds about the signed-in person, read through
each app's own scoped reads, and who in the department looked at it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet
from django.http import Http404

from accounts.models import Enterprise, StaffRole, User
from accounts.selectors import PersonParticulars, enterprise_for_user, person_particulars, verified_identity
from audit.models import AuditEvent, AuditResult
from audit.selectors import audit_accesses_to_person
from cases.models import Case
from cases.selectors import case_list_for_applicant
from certificates.models import Certificate, CertificateLog, LogAction
from certificates.selectors import certificates_for_user, logs_for_user
from privacy.models import CorrectionRequest, CorrectionStatus
from registry.models import Registration
from registry.selectors import RegisterEntry, register_entry

# How many of each list 我的信息 shows before pointing to the page that lists them all.
CASES_SHOWN = 20
DOWNLOADS_SHOWN = 20


@dataclass(frozen=True)
class PersonalInfo:
    account: User
    enterprise: Enterprise | None
    # 性别 and 出生日期 (ADR 0038): read from a 居民身份证 number, or as the holder gave them.
    particulars: PersonParticulars | None
    register: RegisterEntry | None
    cases: list[Case]
    case_count: int
    certificates: list[Certificate]
    downloads: list[CertificateLog]
    corrections: list[CorrectionRequest]


def registration_for_user(*, user: User) -> Registration | None:
    """The register's record of the account's verified identity, if there is one."""
    identity = verified_identity(user)
    if identity is None:
        return None
    return (
        Registration.objects.filter(**identity.person_filter("person__"))
        .select_related("person")
        .prefetch_related("specialties")
        .first()
    )


def personal_info(*, user: User, today: date) -> PersonalInfo:
    registration = registration_for_user(user=user)
    cases = case_list_for_applicant(user=user) if user.is_person else Case.objects.none()
    return PersonalInfo(
        account=user,
        enterprise=enterprise_for_user(user=user),
        particulars=person_particulars(user) if user.is_person else None,
        register=register_entry(registration=registration, today=today) if registration else None,
        cases=list(cases[:CASES_SHOWN]),
        case_count=cases.count(),
        certificates=list(certificates_for_user(user=user)),
        downloads=list(logs_for_user(user=user).filter(action=LogAction.DOWNLOAD)[:DOWNLOADS_SHOWN]),
        corrections=list(CorrectionRequest.objects.filter(user=user).select_related("department")),
    )


@dataclass(frozen=True)
class AccessRow:
    """One line of 「谁查看了我的信息」: when, which department, which role, what, and whether it
    was allowed. The staff member's name is not shown (ADR 0016): the department is the
    handler the law names, and its 审计管理员 can tell who it was."""

    event: AuditEvent

    @property
    def refused(self) -> bool:
        return self.event.result == AuditResult.DENIED

    @property
    def role_label(self) -> str:
        role = self.event.actor_role
        return str(StaffRole(role).label) if role in StaffRole.values else "工作人员"


def accesses_to_person(*, user: User) -> QuerySet[AuditEvent]:
    """Who else read the account's personal data, newest first (the audit trail's selector)."""
    return audit_accesses_to_person(subject_id=user.pk)


def correction_list_for_staff(*, user: User, status: str = "") -> QuerySet[CorrectionRequest]:
    """The correction requests a department's staff answer; open ones, oldest first, by default."""
    if not user.works_on_cases or user.department_id is None:
        return CorrectionRequest.objects.none()
    found = CorrectionRequest.objects.filter(department_id=user.department_id).select_related("user")
    wanted = status or CorrectionStatus.OPEN
    if wanted in CorrectionStatus.values:
        found = found.filter(status=wanted)
    return found.order_by("created_at", "id") if wanted == CorrectionStatus.OPEN else found


def correction_get_for_staff(*, user: User, pk: int) -> CorrectionRequest:
    try:
        return correction_list_for_staff(user=user, status="all").get(pk=pk)
    except CorrectionRequest.DoesNotExist:
        raise Http404("没有这个更正申请") from None
