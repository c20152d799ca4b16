"""The people every test talks about, made once per test class.

- applicant: 张伟, a 自然人 who applies for his own registration
- other_applicant: 李娜, another 自然人, who must never see 张伟's things
- enterprise: 辽宁宏建建设集团有限公司, a 法人 account (张伟's employer)
- acceptor / reviewer / decider: staff of 辽宁省住房和城乡建设厅
- outsider: a reviewer of another department
- admin, security_admin, auditor: the three administrators (系统管理员, 安全管理员,
  审计管理员), who never open an applicant's files
"""

from __future__ import annotations

import copy
from typing import Any, ClassVar

from django.apps import apps
from django.core.cache import cache, caches
from django.core.management.color import no_style
from django.db import connection, models
from django.test import TestCase
from django.utils import timezone

from accounts.models import (
    ADMINISTRATOR_ROLES,
    Enterprise,
    IdType,
    KnownEnterprise,
    KnownIdentity,
    StaffRole,
    User,
    UserKind,
    person_username_new,
)
from catalog.models import Department
from catalog.seed import seed_catalog
from lib.datacrypt import identity_index
from lib.idcard import id_number_check_char
from lib.uscc import uscc_check_char

PASSWORD = "Jianzao-2026"
STAFF_PASSWORD = "Shenpi#2026-ln"


def make_id_number(first17: str) -> str:
    return first17 + id_number_check_char(first17)


def make_uscc(first17: str) -> str:
    return first17 + uscc_check_char(first17)


def person_create(*, name: str, first17: str, mobile: str) -> User:
    """A 自然人 as after 注册: listed in the real-name directory, and verified against it."""
    number = make_id_number(first17)
    KnownIdentity.objects.create(name=name, id_type=IdType.RESIDENT, id_number=number)
    return User.objects.create_user(
        username=person_username_new(),
        password=PASSWORD,
        kind=UserKind.PERSON,
        name=name,
        id_type=IdType.RESIDENT,
        id_number=number,
        mobile=mobile,
        # As after 注册: the number was checked against the real-name source.
        real_name_verified_at=timezone.now(),
    )


def document_holder_create(*, name: str, id_type: IdType, id_number: str, mobile: str, **fields: Any) -> User:
    """A 自然人 who registered with a document other than the 居民身份证 (港澳、台湾通行证,
    护照, 外国人永久居留身份证): listed in the real-name directory and verified against it.
    `fields` are further account fields."""
    KnownIdentity.objects.create(name=name, id_type=id_type, id_number=id_number)
    return User.objects.create_user(
        username=person_username_new(),
        password=PASSWORD,
        kind=UserKind.PERSON,
        name=name,
        id_type=id_type,
        id_number=id_number,
        mobile=mobile,
        real_name_verified_at=timezone.now(),
        **fields,
    )


# The rows `seed_catalog` made the first time a test class asked for the catalogue in this run:
# (model, [field values of each row]). Later classes get the same rows by one bulk insert per
# table instead of running the seed again (about a quarter of a second each, a third of the
# suite's database time when every test class paid it).
_catalog_rows: list[tuple[type[models.Model], list[dict[str, Any]]]] | None = None


def _concrete_models() -> list[type[models.Model]]:
    return [
        m
        for m in apps.get_models(include_auto_created=True)
        if m._meta.managed and not m._meta.proxy and not m._meta.swapped
    ]


def catalog_seeded() -> None:
    """The seeded catalogue (`catalog.seed.seed_catalog`): departments, 事项, 办理项, materials
    and the working-day calendar, exactly as the seed writes them.

    The first call in a test run runs the seed and keeps the rows it created; later calls
    insert the same rows (same primary keys) directly. Where any catalogue is already there
    (a test that seeds again, or an earlier seed in the same transaction), this runs the seed
    itself, as an idempotent seed would meet it."""
    global _catalog_rows
    if Department.objects.exists():
        seed_catalog()
        return
    if _catalog_rows is not None:
        restored = []
        for model, rows in _catalog_rows:
            model._default_manager.bulk_create([model(**copy.deepcopy(row)) for row in rows])
            restored.append(model)
        # PostgreSQL's sequences do not follow explicit keys: move them past the inserted rows
        # (SQLite's AUTOINCREMENT does so by itself).
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), restored):
                cursor.execute(sql)
        return
    before = {model: set(model._default_manager.values_list("pk", flat=True)) for model in _concrete_models()}
    seed_catalog()
    captured = []
    for model, known in before.items():
        new = [row for row in model._default_manager.order_by("pk") if row.pk not in known]
        if new:
            fields = model._meta.concrete_fields
            captured.append((model, [{f.attname: getattr(row, f.attname) for f in fields} for row in new]))
    _catalog_rows = captured


def staff_make(*, username: str, name: str, role: str, department: Department, mobile: str = "") -> User:
    return User.objects.create_user(
        username=username,
        password=STAFF_PASSWORD,
        kind=UserKind.STAFF,
        name=name,
        id_type="",
        staff_role=role,
        department=department,
        mobile=mobile,
        is_staff=role in ADMINISTRATOR_ROLES,
    )


class BaseTestCase(TestCase):
    # True where the seed itself is the subject: the class runs it rather than its copy.
    real_seed: ClassVar[bool] = False
    department: Department
    other_department: Department
    applicant: User
    other_applicant: User
    enterprise: User
    acceptor: User
    reviewer: User
    decider: User
    leader: User
    outsider: User
    admin: User
    security_admin: User
    auditor: User

    @classmethod
    def setUpTestData(cls) -> None:
        if cls.real_seed:
            seed_catalog()
        else:
            catalog_seeded()
        cls.department = Department.objects.get(code="lnszjt")
        cls.other_department = Department.objects.exclude(pk=cls.department.pk).first()  # type: ignore[assignment]

        cls.applicant = person_create(name="张伟", first17="21010219900307001", mobile="13800000001")
        cls.other_applicant = person_create(name="李娜", first17="21020319920815002", mobile="13900000002")

        uscc = make_uscc("91210100MA0QC0000")
        cls.enterprise = User.objects.create_user(
            username=uscc,
            password=PASSWORD,
            kind=UserKind.LEGAL,
            name="辽宁宏建建设集团有限公司",
            id_type="",
            mobile="13700000003",
        )
        Enterprise.objects.create(
            user=cls.enterprise,
            uscc=uscc,
            legal_representative="王建国",
            agent_name="赵敏",
            agent_id_number=make_id_number("21010319850101002"),
            verified_at=timezone.now(),
        )
        KnownEnterprise.objects.create(uscc=uscc, name=cls.enterprise.name, legal_representative="王建国")

        cls.acceptor = staff_make(
            username="shouli",
            name="受理员刘洋",
            role=StaffRole.ACCEPTOR,
            department=cls.department,
            mobile="13500000011",
        )
        cls.reviewer = staff_make(
            username="shencha",
            name="审查员陈静",
            role=StaffRole.REVIEWER,
            department=cls.department,
            mobile="13500000012",
        )
        cls.decider = staff_make(
            username="shenpi",
            name="审批员孙磊",
            role=StaffRole.DECIDER,
            department=cls.department,
            mobile="13500000013",
        )
        cls.leader = staff_make(
            username="kezhang",
            name="科室负责人马骏",
            role=StaffRole.LEADER,
            department=cls.department,
            mobile="13500000018",
        )
        cls.outsider = staff_make(
            username="waibu", name="外厅审查员", role=StaffRole.REVIEWER, department=cls.other_department
        )
        cls.admin = staff_make(
            username="admin",
            name="系统管理员",
            role=StaffRole.ADMIN,
            department=cls.department,
            mobile="13500000015",
        )
        cls.security_admin = staff_make(
            username="anquan",
            name="安全管理员周敏",
            role=StaffRole.SECURITY,
            department=cls.department,
            mobile="13500000016",
        )
        cls.auditor = staff_make(
            username="shenji",
            name="审计管理员吴昊",
            role=StaffRole.AUDITOR,
            department=cls.department,
            mobile="13500000017",
        )

    def setUp(self) -> None:
        super().setUp()
        # The rate limits count in the cache, which outlives a test's rolled-back database:
        # every test starts with no count, as it starts with no rows of its own. So do the
        # answers kept under versions (lib.publiccache): a department's counts, kept by the
        # test before, were of rows this one does not have.
        cache.clear()
        caches["public"].clear()


def id_index(number: str, id_type: str = IdType.RESIDENT) -> str:
    """The blind index a person's rows are found by (their number is stored encrypted)."""
    return identity_index(id_type=id_type, id_number=number)
