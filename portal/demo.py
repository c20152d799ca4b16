"""Demo accounts for the single-host quick start (`make run`). Never run on a real install:
the passwords are printed and published in the README."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from accounts.models import Enterprise, IdType, StaffRole, User, UserKind
from accounts.services import staff_create
from catalog.models import Department
from lib.idcard import id_number_check_char
from lib.uscc import uscc_check_char

# Published demo passwords, printed by `make run`: not secrets.
APPLICANT_PASSWORD = "Jianzao-2026"  # noqa: S105
STAFF_PASSWORD = "Shenpi#2026-ln"  # noqa: S105


@dataclass(frozen=True)
class DemoLogin:
    role: str
    login_page: str
    account: str
    password: str


@transaction.atomic
def seed_demo() -> list[DemoLogin]:
    """Create or refresh the demo accounts; returns what to print."""
    department = Department.objects.get(code="lnszjt")
    now = timezone.now()

    person_id = "21010219850312001"
    person_id += id_number_check_char(person_id)
    person, _ = User.objects.update_or_create(
        username=person_id,
        defaults={
            "kind": UserKind.PERSON,
            "name": "张三",
            "id_type": IdType.RESIDENT,
            "id_number": person_id,
            "mobile": "13800138000",
            "real_name_verified_at": now,
        },
    )
    person.set_password(APPLICANT_PASSWORD)
    person.save()

    uscc = "91210100MA0DEMX10"
    uscc += uscc_check_char(uscc)
    company, _ = User.objects.update_or_create(
        username=uscc,
        defaults={
            "kind": UserKind.LEGAL,
            "name": "辽宁示范建设工程有限公司",
            "id_type": "",
            "mobile": "13800138001",
            "real_name_verified_at": now,
        },
    )
    company.set_password(APPLICANT_PASSWORD)
    company.save()
    agent_id = "21010319800101002"
    Enterprise.objects.update_or_create(
        user=company,
        defaults={
            "uscc": uscc,
            "legal_representative": "李四",
            "agent_name": "王五",
            "agent_id_number": agent_id + id_number_check_char(agent_id),
        },
    )

    staff = [
        ("shouli", "受理员刘洋", StaffRole.ACCEPTOR),
        ("shencha", "审查员陈静", StaffRole.REVIEWER),
        ("shenpi", "审批员孙磊", StaffRole.DECIDER),
        ("admin", "系统管理员", StaffRole.ADMIN),
    ]
    for username, name, role in staff:
        staff_create(username=username, name=name, role=role, department=department, password=STAFF_PASSWORD)

    return [
        DemoLogin(
            "申请人（个人，登录时选择“个人”）",
            "/accounts/login/?kind=person",
            f"{person_id} 或 13800138000",
            APPLICANT_PASSWORD,
        ),
        DemoLogin(
            "申请人（法人，登录时选择“法人”）",
            "/accounts/login/?kind=legal",
            f"{uscc} 或 13800138001",
            APPLICANT_PASSWORD,
        ),
        *[
            DemoLogin(
                f"{StaffRole(role).label}（{department.short_name}）",
                "/accounts/login/?kind=staff",
                username,
                STAFF_PASSWORD,
            )
            for username, _, role in staff
        ],
    ]
