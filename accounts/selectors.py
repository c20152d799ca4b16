"""Reads of accounts. `verified_identity` is the one door from an account to everything that
belongs to a person (the register, certificates, 提取信息, reminders): it opens only for an
identity the real-name source confirmed, and it always carries the 证件类型 with the number."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Q
from django.http import HttpRequest

from accounts.models import Enterprise, IdType, Sex, StaffRole, User, UserKind
from accounts.services import user_find
from lib.datacrypt import identity_index
from lib.idcard import IdNumberError, id_number_birth_date, id_number_sex

UNVERIFIED_PERSON = (
    "您的账号尚未通过实名认证，暂不能提交申请、提取注册信息或查看证照。"
    "请在“个人中心”点击“实名认证”重新核验；仍未通过的，请携带本人证件到政务服务大厅办理"
)
UNVERIFIED_ENTERPRISE = (
    "本单位账号尚未通过企业认证（统一社会信用代码、单位名称和法定代表人须与市场监管部门的登记信息一致），"
    "暂不能查看本单位人员。请在“个人中心”点击“企业认证”重新核验，或携带营业执照到政务服务大厅办理"
)

PARTICULARS_MISSING = (
    "您的证件号码中没有性别和出生日期，注册证书和注册信息库需要这两项。"
    "请先在“个人中心”点击“补充性别和出生日期”按证件填写，再提交申请"
)


def request_user(request: HttpRequest) -> User:
    """The signed-in account of a view behind `login_required` (which runs first)."""
    user = request.user
    assert isinstance(user, User), "login_required runs first"
    return user


@dataclass(frozen=True)
class PersonIdentity:
    """A person as the register knows them: (证件类型, 证件号码) together, never the number alone."""

    name: str
    id_type: str
    id_number: str

    @property
    def is_resident(self) -> bool:
        return self.id_type == IdType.RESIDENT

    @property
    def index(self) -> str:
        """The blind index of (证件类型, 证件号码), by which rows of this person are found."""
        return identity_index(id_type=self.id_type, id_number=self.id_number)

    def person_filter(self, prefix: str = "") -> dict[str, Any]:
        """Keyword arguments that find this person's rows (`prefix` such as "person__"): by
        the blind index, since the number itself is stored encrypted."""
        return {f"{prefix}id_index": self.index}

    def person_fields(self) -> dict[str, str]:
        """The fields a new row of this person is made with (the index follows from them)."""
        return {"id_type": self.id_type, "id_number": self.id_number}


def verified_identity(user: User | Any) -> PersonIdentity | None:
    """The identity a signed-in person proved, or None (anonymous, not a person, not verified)."""
    if not getattr(user, "is_authenticated", False) or not user.is_person:
        return None
    if user.real_name_verified_at is None or not user.id_type or not user.id_number:
        return None
    return PersonIdentity(name=user.name, id_type=user.id_type, id_number=user.id_number)


@dataclass(frozen=True)
class PersonParticulars:
    """A person's 性别 and 出生日期, as the register, the certificate and the age rule need them."""

    sex: Sex
    birth_date: date
    # Read from a 居民身份证 number rather than given by the holder.
    read_from_number: bool = False


def person_particulars(user: User) -> PersonParticulars | None:
    """The 性别 and 出生日期 of a person account, or None when they are not known.

    The one home of where they come from: a 居民身份证 number carries both (GB 11643), and
    they are read from it, never stored a second time. The other documents (港澳、台湾通行证,
    护照, 外国人永久居留身份证) carry nothing readable: their holders give both at 注册, or in
    个人中心 when their account is older than that (`person_particulars_set`); None until then."""
    if user.id_type == IdType.RESIDENT:
        try:
            return PersonParticulars(
                sex=Sex(id_number_sex(user.id_number)),
                birth_date=id_number_birth_date(user.id_number),
                read_from_number=True,
            )
        except IdNumberError:
            return None
    if user.sex and user.birth_date:
        return PersonParticulars(sex=Sex(user.sex), birth_date=user.birth_date)
    return None


def particulars_needed(user: User | Any) -> bool:
    """A person whose 性别 and 出生日期 must still be given (their document does not carry them)."""
    return bool(getattr(user, "is_person", False)) and person_particulars(user) is None


def department_staff(*, department_id: int, role: StaffRole) -> list[User]:
    """The active staff of a department in a role: whom a reminder, an escalation or a
    request for a decision goes to."""
    return list(
        User.objects.filter(
            kind=UserKind.STAFF, staff_role=role, department_id=department_id, is_active=True
        ).order_by("pk")
    )


def account_of_identity(*, id_type: str, id_number: str) -> User | None:
    """The verified person account of this (证件类型, 证件号码), if any: an account whose number
    the real-name source has not confirmed is nobody's."""
    return User.objects.filter(
        kind=UserKind.PERSON,
        is_active=True,
        id_index=identity_index(id_type=id_type, id_number=id_number),
        real_name_verified_at__isnull=False,
    ).first()


def enterprise_for_user(*, user: User) -> Enterprise | None:
    return Enterprise.objects.filter(user=user).first()


def account_ids_for_audit(*, text: str) -> list[int]:
    """The applicant accounts (个人 or 法人) a search of the audit trail means by `text`: by
    证件号码, mobile or 统一社会信用代码 through the login lookup (the one place that knows how
    those are stored), else by exact name."""
    text = text.strip()
    if not text:
        return []
    found = [user_find(kind=kind, identifier=text) for kind in (UserKind.PERSON, UserKind.LEGAL)]
    ids = [user.pk for user in found if user is not None]
    if ids:
        return ids
    return list(User.objects.filter(name=text).exclude(kind=UserKind.STAFF).values_list("pk", flat=True)[:50])


def staff_ids_for_audit(*, text: str) -> list[int]:
    """The staff accounts a search of the audit trail means by `text`: login name or name."""
    text = text.strip()
    if not text:
        return []
    staff = User.objects.filter(kind=UserKind.STAFF)
    return list(staff.filter(Q(username=text) | Q(name=text)).values_list("pk", flat=True)[:50])
