"""注册公告 rows in tests: the register's history rows a batch is composed from, written
directly (the kind is what matters, not the case that caused it), and batches published by
the services themselves."""

from __future__ import annotations

from typing import Any

from accounts.models import StaffRole, User
from bulletins.models import Bulletin
from bulletins.services import bulletin_draft_prepare, bulletin_publish
from catalog.models import Department
from catalog.registration_types import ChangeKind
from portal.test import staff_make
from registry.models import Registration, RegistrationChange


def change_add(
    registration: Registration, kind: ChangeKind, *, department: Department | None = None
) -> RegistrationChange:
    """A history row of `kind` for `registration`, caused by no case (as the daily 失效 and the
    authority's own actions are): it belongs to the department that keeps the registration,
    or to `department` through a case of that department."""
    case = None
    if department is not None:
        case = registration.created_by_case
        case.department = department
        case.save(update_fields=["department"])
    return RegistrationChange.objects.create(
        registration=registration, case=case, kind=kind, summary=str(kind.label), data={}
    )


def other_leader(testcase: Any) -> User:
    """The 科室负责人 of the other department."""
    return staff_make(
        username="waibu-kezhang",
        name="外厅科室负责人",
        role=StaffRole.LEADER,
        department=testcase.other_department,
    )


def bulletin_published(testcase: Any, *, leader: User | None = None) -> Bulletin:
    """Every pending decision of the leader's department, published as one batch."""
    leader = leader or testcase.leader
    return bulletin_publish(user=leader, bulletin=bulletin_draft_prepare(user=leader))
