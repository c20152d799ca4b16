"""The register (注册信息库): who is registered, with which employer, under which 注册编号, in
which specialties until when, and the history of every change with the case that caused it."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Upper

from accounts.models import IdType, Sex
from cases.models import Case
from catalog.registration_types import ChangeKind
from catalog.specialties import Specialty
from lib.encrypted import BlindIndexed, BlindIndexField, EncryptedCharField, IndexKind


class RegistrationStatus(models.TextChoices):
    VALID = "valid", "有效"
    CANCELLED = "cancelled", "注销"
    LAPSED = "lapsed", "失效"
    # 撤销注册 (ADR 27): the grant itself undone; no 重新注册 revives it.
    REVOKED = "revoked", "撤销"


class RegistrationAction(models.TextChoices):
    """What changes a registration's status, by the table in `registry/transitions.py`."""

    LAPSE = "record_lapse", "记录失效"
    DEREGISTER = "deregister", "注销注册"
    REVIVE = "revive", "重新注册"
    # The authority's own acts (ADR 27).
    REVOKE = "revoke", "撤销注册"
    FORCE_CANCEL = "force_cancel", "强制注销"


class Person(BlindIndexed, models.Model):
    """A registered person, known by (证件类型, 证件号码) together: two people may share the
    digits of a number under different kinds of ID, and the number alone finds nobody."""

    id_type = models.CharField("证件类型", max_length=12, choices=IdType.choices, default=IdType.RESIDENT)
    id_number = EncryptedCharField("身份证件号码", max_length=32)
    # The same index as the account's (accounts.User.id_index): a person and their account
    # are matched on it.
    id_index = BlindIndexField(kind=IndexKind.IDENTITY, sources=["id_type", "id_number"])
    name = models.CharField("姓名", max_length=100)
    sex = models.CharField("性别", max_length=2, choices=Sex.choices)
    birth_date = models.DateField("出生日期")
    mobile = EncryptedCharField("手机号", max_length=11, blank=True)

    class Meta:
        verbose_name = "注册人员"
        verbose_name_plural = "注册人员"
        constraints = [models.UniqueConstraint(fields=["id_index"], name="registry_person_identity_unique")]

    def __str__(self) -> str:
        return self.name


class Registration(models.Model):
    """One person's registration; a person has one at most (one employer only)."""

    person = models.OneToOneField(Person, on_delete=models.PROTECT, related_name="registration")
    number = models.CharField("注册编号", max_length=40, unique=True)
    status = models.CharField(
        "状态", max_length=10, choices=RegistrationStatus.choices, default=RegistrationStatus.VALID
    )
    qualification_number = models.CharField("资格证书管理号", max_length=50)
    qualification_year = models.PositiveIntegerField("取得资格年份")
    employer_name = models.CharField("聘用企业", max_length=200)
    employer_uscc = models.CharField("聘用企业统一社会信用代码", max_length=18, db_index=True)
    first_registered_on = models.DateField("首次注册日期")
    issued_on = models.DateField("签发日期")
    created_by_case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+", verbose_name="办件")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "注册信息"
        verbose_name_plural = "注册信息"
        # 注册人员查询 matches the number with its letters in any case: an index on the
        # upper-cased number keeps that a lookup, where `number__iexact` would read every row.
        indexes = [models.Index(Upper("number"), name="registry_number_upper")]

    def __str__(self) -> str:
        return self.number

    def status_on(self, today: date) -> RegistrationStatus:
        """The status the register means on `today` (`registry.transitions`, beside the table
        of its changes, holds the rule)."""
        # Imported here: the transitions module reads this model.
        from registry.transitions import registration_status_on

        return registration_status_on(self, today)


class RegisteredSpecialty(models.Model):
    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="specialties")
    specialty = models.CharField("注册专业", max_length=10, choices=Specialty.choices)
    valid_from = models.DateField("有效期起")
    valid_to = models.DateField("有效期至")

    class Meta:
        verbose_name = "注册专业"
        verbose_name_plural = "注册专业"
        ordering = ["specialty"]
        constraints = [
            models.UniqueConstraint(fields=["registration", "specialty"], name="registry_specialty_once")
        ]

    def __str__(self) -> str:
        return self.get_specialty_display()


class RegistrationChange(models.Model):
    """The history: every change of the register, with the case that caused it."""

    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="changes")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    kind = models.CharField("变更类型", max_length=20, choices=ChangeKind.choices)
    summary = models.CharField("说明", max_length=300)
    data = models.JSONField("变更内容", default=dict)
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "注册变更记录"
        verbose_name_plural = "注册变更记录"
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.summary


# The one row of each policy table: read through `current()`, edited in the admin.
POLICY_PK = 1


class RegisterSettings(models.Model):
    """Province policy for the register, edited by administrators (one row)."""

    number_format = models.CharField(
        "注册编号格式",
        max_length=100,
        default="辽{grade}{region}{qualification_year}{registration_year}{serial:05d}",
        help_text="可用字段：{grade} 级别(2)、{region} 地区码、{qualification_year} 取得资格年份、"
        "{registration_year} 首次注册年份、{serial:05d} 流水号",
    )
    region_code = models.CharField("地区码", max_length=4, default="21")
    validity_years = models.PositiveSmallIntegerField("注册有效期（年）", default=3)
    renewal_opens_days = models.PositiveSmallIntegerField("延续注册开始受理（有效期届满前天数）", default=90)
    renewal_closes_days = models.PositiveSmallIntegerField("延续注册截止受理（有效期届满前天数）", default=30)
    reminder_days = models.CharField(
        "到期短信提醒（届满前天数）",
        max_length=40,
        default="90,60,30",
        help_text="用英文逗号分隔，如 90,60,30：每个专业在届满前这些天各提醒一次",
    )

    class Meta:
        verbose_name = "注册规则"
        verbose_name_plural = "注册规则"

    def __str__(self) -> str:
        return "注册规则"

    @classmethod
    def current(cls) -> RegisterSettings:
        """The rules in force: the row an administrator saved, else the defaults. A read never
        writes the row (two first requests at once would race to insert it)."""
        return cls.objects.filter(pk=POLICY_PK).first() or cls(pk=POLICY_PK)

    def format_number(self, *, qualification_year: int, registration_year: int, serial: int) -> str:
        """A 注册编号 in this format (checked by `clean` when an administrator edits it)."""
        return self.number_format.format(
            grade=2,
            region=self.region_code,
            qualification_year=qualification_year,
            registration_year=registration_year,
            serial=serial,
        )

    def reminder_parts(self) -> tuple[list[int], list[str]]:
        """`reminder_days` read: the whole days > 0, smallest first, and the entries that are
        not such a number (refused by `clean`; a row saved before that check may have some)."""
        days: set[int] = set()
        invalid: list[str] = []
        for part in self.reminder_days.replace("，", ",").split(","):
            part = part.strip()
            if not part:
                continue
            if part.isdigit() and int(part) > 0:
                days.add(int(part))
            else:
                invalid.append(part)
        return sorted(days), invalid

    def _number_format_problem(self) -> str | None:
        """Why `number_format` cannot make 注册编号, in Chinese, or None: it is formatted for a
        sample, as the approval would, and must give different numbers for two serials."""
        try:
            first, second = (
                self.format_number(qualification_year=2020, registration_year=2026, serial=serial)
                for serial in (1, 2)
            )
        except KeyError as e:
            return f"注册编号格式中的字段 {{{e.args[0]}}} 不存在，可用字段见下方说明"
        except (IndexError, ValueError, TypeError, AttributeError):
            return "注册编号格式写法有误（花括号须成对，字段名和格式须如说明所示，如 {serial:05d}）"
        if first == second:
            return "注册编号格式须包含流水号 {serial}，否则每个注册编号都相同"
        limit = Registration._meta.get_field("number").max_length or 0
        if len(first) > limit:
            return f"按此格式生成的注册编号（如 {first}）超过{limit}个字符"
        return None

    def clean(self) -> None:
        """What an administrator types is checked here, so that a typo is refused on the form
        instead of breaking every 初始注册 approval or the daily reminders."""
        errors: dict[str, str] = {}
        if problem := self._number_format_problem():
            errors["number_format"] = problem
        if self.validity_years < 1:
            errors["validity_years"] = "注册有效期至少为1年"
        if self.renewal_opens_days < self.renewal_closes_days:
            errors["renewal_opens_days"] = (
                "延续注册开始受理的天数不能小于截止受理的天数（开始受理须在截止受理之前）"
            )
        days, invalid = self.reminder_parts()
        if invalid:
            errors["reminder_days"] = (
                f"无法识别：{'、'.join(invalid)}。请填写正整数天数，用英文逗号分隔，如 90,60,30"
            )
        elif not days:
            errors["reminder_days"] = "请至少填写一个提醒天数，如 90,60,30"
        if errors:
            raise ValidationError(errors)


class ExpiryReminder(models.Model):
    """One SMS reminder sent for one specialty's expiry at one threshold: the unique key
    makes the daily job idempotent on any number of hosts."""

    specialty = models.ForeignKey(RegisteredSpecialty, on_delete=models.CASCADE, related_name="reminders")
    valid_to = models.DateField("有效期至")
    days_before = models.PositiveSmallIntegerField("届满前天数")
    created_at = models.DateTimeField("提醒时间", auto_now_add=True)

    class Meta:
        verbose_name = "到期提醒"
        verbose_name_plural = "到期提醒"
        constraints = [
            models.UniqueConstraint(
                fields=["specialty", "valid_to", "days_before"], name="registry_reminder_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.specialty} {self.valid_to} -{self.days_before}"


class RegisterLookup(models.Model):
    """Every 提取信息: who asked for which ID number, and whether it was allowed. Reading the
    register is personal data processing, so refusals are kept as well as successes."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    id_number_masked = models.CharField("查询的证件号码", max_length=32)
    allowed = models.BooleanField("是否允许")
    note = models.CharField("说明", max_length=200, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "提取信息记录"
        verbose_name_plural = "提取信息记录"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user} {self.id_number_masked}"
