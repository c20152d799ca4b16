"""Users of the portal: 自然人 and 法人 applicants, and the department's staff."""

from __future__ import annotations

import secrets
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils import timezone

from lib.encrypted import BlindIndexed, BlindIndexField, EncryptedCharField, IndexKind


class UserKind(models.TextChoices):
    PERSON = "person", "个人"
    LEGAL = "legal", "法人"
    STAFF = "staff", "工作人员"


class IdType(models.TextChoices):
    RESIDENT = "resident", "居民身份证"
    HK_MACAO = "hk_macao", "港澳居民来往内地通行证"
    TAIWAN = "taiwan", "台湾居民来往大陆通行证"
    PASSPORT = "passport", "护照"
    FOREIGN_PR = "foreign_pr", "外国人永久居留身份证"


class Sex(models.TextChoices):
    """性别 as the register and the certificate print it. The values are the printed words
    themselves: the register (`registry.Person.sex`) has always kept 男/女, the words
    `lib.idcard.id_number_sex` reads from a 居民身份证 number."""

    MALE = "男", "男"
    FEMALE = "女", "女"


class StaffRole(models.TextChoices):
    ACCEPTOR = "acceptor", "受理人员"
    REVIEWER = "reviewer", "审查人员"
    DECIDER = "decider", "审批人员"
    # 科室负责人 (issue 17): watches the department's deadlines (督办), approves extensions,
    # publishes the 注册公告, decides the authority's own 撤销 and 强制注销, reads the figures.
    LEADER = "leader", "科室负责人"
    ADMIN = "admin", "系统管理员"
    # 三员分立: the 系统管理员 keeps reference data and staff accounts, the 安全管理员 the
    # security settings, locked accounts and keys, the 审计管理员 only reads the audit trail.
    SECURITY = "security", "安全管理员"
    AUDITOR = "auditor", "审计管理员"


# The roles whose work is the 审批工作台.
CASE_WORK_ROLES = frozenset({StaffRole.ACCEPTOR, StaffRole.REVIEWER, StaffRole.DECIDER, StaffRole.LEADER})
# The three administrators (三员): none of them works on cases.
ADMINISTRATOR_ROLES = frozenset({StaffRole.ADMIN, StaffRole.SECURITY, StaffRole.AUDITOR})


def person_username_new() -> str:
    """The login name Django keeps for a person: random and opaque. A person never types it
    (they log in by 证件号码 or mobile), and it must not be their 证件号码, which is stored
    only encrypted."""
    return f"p{secrets.token_hex(8)}"


class UserManager(BaseUserManager["User"]):
    def create_user(self, username: str, password: str | None = None, **fields: Any) -> User:
        user = self.model(username=username, **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, username: str, password: str | None = None, **fields: Any) -> User:
        """`manage.py createsuperuser`: the first 系统管理员 of a new installation, a staff
        account like those the admin makes (no 证件类型). Not a Django superuser, whatever the
        command's name says: no account has every permission (三员分立, accounts/roles.py)."""
        fields.update(
            kind=UserKind.STAFF, staff_role=StaffRole.ADMIN, id_type="", is_staff=True, is_superuser=False
        )
        fields.setdefault("name", username)
        return self.create_user(username, password, **fields)


class User(BlindIndexed, AbstractBaseUser, PermissionsMixin):
    # Django's login key: the 统一社会信用代码 of an enterprise, the chosen login name of a staff
    # member, and for a person an opaque random name (never the 证件号码, which is stored
    # encrypted): people log in with their 证件号码 or mobile, found by the blind indexes.
    username = models.CharField("登录名", max_length=64, unique=True)
    kind = models.CharField("用户类型", max_length=10, choices=UserKind.choices)
    name = models.CharField("姓名/单位名称", max_length=100)
    id_type = models.CharField(
        "证件类型", max_length=12, choices=IdType.choices, default=IdType.RESIDENT, blank=True
    )
    id_number = EncryptedCharField("证件号码", max_length=32, blank=True)
    id_index = BlindIndexField(kind=IndexKind.IDENTITY, sources=["id_type", "id_number"])
    mobile = EncryptedCharField("手机号", max_length=11, blank=True)
    mobile_index = BlindIndexField(kind=IndexKind.MOBILE, sources=["mobile"])
    # 性别 and 出生日期 of a person whose document is not a 居民身份证 (ADR 0038): given at 注册
    # (or later in 个人中心) because no other document's number carries them, and copied to
    # the register at 准予. Blank for a 居民身份证: read from its number
    # (`accounts.selectors.person_particulars`), never kept twice. Not encrypted: neither
    # identifies anyone or is looked up, and the register keeps both in clear for everyone.
    sex = models.CharField("性别", max_length=2, choices=Sex.choices, blank=True)
    birth_date = models.DateField("出生日期", null=True, blank=True)
    staff_role = models.CharField("岗位", max_length=10, choices=StaffRole.choices, blank=True)
    department = models.ForeignKey(
        "catalog.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name="所属部门",
    )
    real_name_verified_at = models.DateTimeField("实名认证时间", null=True, blank=True)
    is_active = models.BooleanField("有效", default=True)
    is_staff = models.BooleanField("可进入管理后台", default=False)
    date_joined = models.DateTimeField("注册时间", default=timezone.now)
    # 注销账号 (accounts closed by their owner, privacy.services.account_close): the row stays
    # for the records that name it, without its mobile, password or login name; the 证件号码
    # stays too, and may open a new account (the uniqueness below leaves closed ones out).
    closed_at = models.DateTimeField("注销时间", null=True, blank=True)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "username"
    # Asked by `createsuperuser`: a staff login ends with an SMS code to this mobile (or an
    # authenticator, set up only after a first login), so an administrator without one could
    # never log in.
    REQUIRED_FIELDS: ClassVar[list[str]] = ["name", "mobile"]

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"
        constraints = [
            # The blind index covers (证件类型, 证件号码) together.
            models.UniqueConstraint(
                fields=["id_index"],
                condition=Q(kind="person", closed_at__isnull=True),
                name="accounts_person_id_unique",
            ),
            models.UniqueConstraint(
                fields=["kind", "mobile_index"],
                # A closed account has no mobile; several may be closed.
                condition=Q(kind__in=["person", "legal"]) & ~Q(mobile_index=""),
                name="accounts_mobile_unique_per_kind",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["person", "legal", "staff"]), name="accounts_kind_valid"
            ),
            models.CheckConstraint(condition=Q(sex__in=["", *Sex.values]), name="accounts_sex_valid"),
            # 三员分立: no account holds every permission (accounts/roles.py).
            models.CheckConstraint(condition=Q(is_superuser=False), name="accounts_no_superuser"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_person(self) -> bool:
        return self.kind == UserKind.PERSON

    @property
    def is_legal(self) -> bool:
        return self.kind == UserKind.LEGAL

    @property
    def is_department_staff(self) -> bool:
        return self.kind == UserKind.STAFF

    @property
    def is_department_leader(self) -> bool:
        """The 科室负责人 of a department (issue 17): his 督办 list, extensions, 注册公告, the
        decisions of the authority's proceedings and the figures are his, each for his own
        department only."""
        return (
            self.is_active
            and self.is_department_staff
            and self.staff_role == StaffRole.LEADER
            and self.department_id is not None
        )

    @property
    def works_on_cases(self) -> bool:
        """Staff who 受理, 审查 or 审批 (the 审批工作台's users), not the 系统管理员."""
        return self.is_department_staff and self.staff_role in CASE_WORK_ROLES

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    @property
    def is_auditor(self) -> bool:
        """The 审计管理员, who reads the audit trail and nothing else."""
        return self.is_department_staff and self.staff_role == StaffRole.AUDITOR


class Enterprise(models.Model):
    """The 法人 side of an enterprise account. The account's `name` is the 单位名称 and its
    `mobile` the 经办人's, who receives the SMS codes."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="enterprise")
    uscc = models.CharField("统一社会信用代码", max_length=18, unique=True)
    legal_representative = models.CharField("法定代表人", max_length=50)
    agent_name = models.CharField("经办人姓名", max_length=50)
    agent_id_number = EncryptedCharField("经办人身份证号码", max_length=18)
    # 未认证 until the enterprise register (or an administrator, by hand) confirmed 统一社会信用代码,
    # 单位名称 and 法定代表人 together; until then the account sees nothing of its people.
    verified_at = models.DateTimeField("认证时间", null=True, blank=True)

    class Meta:
        verbose_name = "法人信息"
        verbose_name_plural = "法人信息"

    def __str__(self) -> str:
        return self.user.name

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None


class IdentityVerdict(models.TextChoices):
    """What an identity source answered: the same three words for persons and enterprises."""

    MATCH = "match", "一致"
    MISMATCH = "mismatch", "不一致"
    UNAVAILABLE = "unavailable", "核验服务暂不可用"


class KnownIdentity(BlindIndexed, models.Model):
    """An identity the built-in real-name directory knows. In production the province's
    统一身份认证 / 公安 service answers instead (`REALNAME_PROVIDER`); this table lets the demo
    and a test site behave like it: only a listed (姓名, 证件类型, 证件号码) is confirmed."""

    name = models.CharField("姓名", max_length=100)
    id_type = models.CharField("证件类型", max_length=12, choices=IdType.choices, default=IdType.RESIDENT)
    id_number = EncryptedCharField("证件号码", max_length=32)
    id_index = BlindIndexField(kind=IndexKind.IDENTITY, sources=["id_type", "id_number"])
    note = models.CharField("备注", max_length=200, blank=True)
    created_at = models.DateTimeField("加入时间", default=timezone.now)

    class Meta:
        verbose_name = "实名目录"
        verbose_name_plural = "实名目录"
        constraints = [models.UniqueConstraint(fields=["id_index"], name="accounts_known_identity_unique")]

    def __str__(self) -> str:
        return self.name


class KnownEnterprise(models.Model):
    """An enterprise the built-in enterprise-registry directory knows (市场监管 / 电子营业执照
    data in production, `ENTERPRISE_REGISTRY_PROVIDER`)."""

    uscc = models.CharField("统一社会信用代码", max_length=18, unique=True)
    name = models.CharField("单位名称", max_length=100)
    legal_representative = models.CharField("法定代表人", max_length=50)
    created_at = models.DateTimeField("加入时间", default=timezone.now)

    class Meta:
        verbose_name = "企业登记目录"
        verbose_name_plural = "企业登记目录"

    def __str__(self) -> str:
        return self.name


class IdentityCheckMethod(models.TextChoices):
    SOURCE = "source", "核验服务"
    MANUAL = "manual", "人工核验"
    # The province's 统一身份认证 asserted the identity at a sign-in (accounts/unified.py).
    UNIFIED = "unified", "统一身份认证"


class IdentityCheck(models.Model):
    """Every check of an account's identity, by the source or by an administrator's hand: the
    record behind each 已实名 / 已认证."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="identity_checks")
    method = models.CharField("方式", max_length=10, choices=IdentityCheckMethod.choices)
    verdict = models.CharField("结果", max_length=12, choices=IdentityVerdict.choices)
    checked_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="核验人"
    )
    note = models.CharField("说明", max_length=200, blank=True)
    at = models.DateTimeField("时间", default=timezone.now)

    class Meta:
        verbose_name = "身份核验记录"
        verbose_name_plural = "身份核验记录"
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.user} {self.get_verdict_display()}"


class UnifiedIdentityLink(BlindIndexed):
    """A person account its holder linked to the province's 统一身份认证 after seeing what would
    be linked (docs/adr/0023-unified-identity-sign-in.md). The account is found by the
    (证件类型, 证件号码) the provider asserts, never by this row: it only records that the
    holder agreed, and which subject (`sub`) of which provider did. A later sign-in by the same
    subject goes straight in; a new subject asks again."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="unified_links")
    issuer = models.CharField("认证平台", max_length=200)
    # Some platforms give the person's 证件号码 as `sub`: encrypted at rest, found by its index.
    subject = EncryptedCharField("平台用户标识", max_length=255)
    subject_index = BlindIndexField(kind=IndexKind.PLATFORM_SUBJECT, sources=["issuer", "subject"])
    linked_at = models.DateTimeField("关联时间", default=timezone.now)

    class Meta:
        verbose_name = "统一身份认证关联"
        verbose_name_plural = "统一身份认证关联"
        constraints = [
            models.UniqueConstraint(fields=["subject_index"], name="accounts_unified_subject_unique"),
            models.UniqueConstraint(fields=["user", "issuer"], name="accounts_unified_user_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.issuer}"


class LoginThrottle(models.Model):
    """Failed logins counted per account (or per typed name when no account matches, so the
    answer is the same either way). In the database, so every process counts alike. A typed
    name is kept as its blind index: it may be someone's 证件号码 or mobile."""

    key = models.CharField(max_length=100, unique=True)
    failures = models.PositiveIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.key


class SmsPurpose(models.TextChoices):
    REGISTER = "register", "注册"
    LOGIN = "login", "登录"
    RESET = "reset", "找回密码"
    # The second step of a staff login. The value fits SmsCode.purpose (10 characters).
    STAFF_LOGIN = "staff", "工作人员登录"


class SecondFactor(models.TextChoices):
    """How a staff member finishes a login after the password."""

    SMS = "sms", "短信验证码"
    TOTP = "totp", "身份验证器动态码"


class SmsCode(models.Model):
    """A one-time code sent to a phone. Only an HMAC of the code is stored, and the phone only
    as its blind index (lib/datacrypt.mobile_index): the row is found by it and never shown."""

    mobile_index = models.CharField(max_length=64)
    purpose = models.CharField(max_length=10, choices=SmsPurpose.choices)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    tries = models.PositiveIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["mobile_index", "purpose", "-created_at"], name="accounts_smscode_mobile_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.purpose} {self.created_at:%Y-%m-%d %H:%M}"


class SmsQuota(models.Model):
    """How many codes a phone received on a day, and when the last one went out. Its row is
    the lock that keeps a double click from sending two codes. The phone is kept as its blind
    index only."""

    mobile_index = models.CharField(max_length=64)
    day = models.DateField()
    count = models.PositiveIntegerField(default=0)
    last_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["mobile_index", "day"], name="accounts_sms_quota_unique")
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.count}"


class KnownBrowser(models.Model):
    """A browser an account has logged in from, known by the random id in its long-lived
    signed cookie. A login from a browser not listed here sends the account an SMS notice;
    a cleared cookie gets a fresh id and so counts as a new browser, as it should."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="known_browsers")
    device_id = models.CharField(max_length=64)
    user_agent = models.CharField("浏览器", max_length=200, blank=True)
    first_seen_at = models.DateTimeField("首次登录")
    last_seen_at = models.DateTimeField("最近登录")

    class Meta:
        verbose_name = "已登录过的浏览器"
        verbose_name_plural = "已登录过的浏览器"
        constraints = [
            models.UniqueConstraint(fields=["user", "device_id"], name="accounts_known_browser_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.first_seen_at:%Y-%m-%d %H:%M}"
