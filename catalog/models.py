"""The service catalogue: 部门 → 事项 → 办理项, each 办理项 with its 申请材料.

Reference data that administrators edit in the admin; the seeded defaults come from
`catalog/seed.py`."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models

from lib.sm3 import sm3


class Department(models.Model):
    code = models.SlugField("编码", max_length=40, unique=True)
    name = models.CharField("部门名称", max_length=100, unique=True)
    short_name = models.CharField("简称", max_length=50, blank=True)
    uscc = models.CharField("统一社会信用代码", max_length=18, blank=True)
    address = models.CharField("地址", max_length=200, blank=True)
    phone = models.CharField("咨询电话", max_length=50, blank=True)
    order = models.PositiveIntegerField("排序", default=100)

    class Meta:
        verbose_name = "部门"
        verbose_name_plural = "部门"
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        return self.short_name or self.name


class Matter(models.Model):
    """A 事项 with its 办事指南."""

    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="matters", verbose_name="部门"
    )
    code = models.SlugField("编码", max_length=60, unique=True)
    name = models.CharField("事项名称", max_length=200)
    aliases = models.CharField(
        "别名与简称", max_length=300, blank=True, help_text="用逗号分隔，例如：二建，建造师注册"
    )
    # Derived from name and aliases (characters, full pinyin, pinyin initials) by
    # catalog.search.matter_search_text, so a keyword search is one indexed LIKE.
    search_text = models.TextField("检索词", blank=True, editable=False)
    summary = models.CharField("简介", max_length=300, blank=True)
    basis = models.TextField("设定依据", blank=True)
    conditions = models.TextField("受理条件", blank=True)
    process = models.TextField("办理流程", blank=True)
    legal_days = models.PositiveIntegerField("法定时限（工作日）", default=20)
    promised_days = models.PositiveIntegerField(
        "承诺时限（工作日）", default=10, validators=[MinValueValidator(1)], help_text="受理后作出决定的期限"
    )
    # 《行政许可法》 Art 32: 受理 or not within 5 working days; a province may promise less.
    accept_days = models.PositiveIntegerField(
        "受理时限（工作日）",
        default=5,
        db_default=5,
        validators=[MinValueValidator(1)],
        help_text="收到申请材料后作出是否受理决定的期限",
    )
    # 单位确认 (ADR 19): time limits of the employer's online answer, in working days. They
    # run before the case reaches the department, so they are not part of the legal clock.
    employer_confirm_days = models.PositiveIntegerField(
        "单位确认等待时限（工作日）",
        # A database default as well: rows written by code that predates the column (an older
        # release during a rolling deploy) still get the province's default.
        default=5,
        db_default=5,
        help_text="聘用单位超过此期限未在线确认的，告知申请人，申请人可改为纸质确认（签字盖章后上传申请表）",
    )
    release_silence_days = models.PositiveIntegerField(
        "解聘确认答复期限（工作日）",
        default=5,
        db_default=5,
        help_text="执业企业变更时，原聘用单位在此期限内未答复的，视为同意解聘",
    )
    fee = models.CharField("收费标准", max_length=100, default="不收费")
    phone = models.CharField("咨询电话", max_length=100, blank=True)
    result = models.CharField("办理结果", max_length=200, blank=True)
    delivery = models.CharField("送达方式", max_length=200, blank=True)
    location = models.CharField("办理地点", max_length=200, blank=True)
    online = models.BooleanField("可网上申请", default=True)
    order = models.PositiveIntegerField("排序", default=100)

    class Meta:
        verbose_name = "事项"
        verbose_name_plural = "事项"
        ordering = ["department__order", "order", "id"]

    def __str__(self) -> str:
        return self.name


class ServiceItem(models.Model):
    """A 办理项 of a 事项 (初始注册, 增项注册, …). `code` names the per-type definition
    that the application form and the register use."""

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="items", verbose_name="事项")
    code = models.SlugField("编码", max_length=40)
    name = models.CharField("办理项名称", max_length=100)
    description = models.TextField("说明", blank=True)
    # Per-办理项 time limits (issue 17); empty: the 事项's. `cases.deadlines` reads them.
    accept_days = models.PositiveIntegerField(
        "受理时限（工作日）",
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="留空则按事项的受理时限",
    )
    promised_days = models.PositiveIntegerField(
        "承诺时限（工作日）",
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="留空则按事项的承诺时限",
    )
    order = models.PositiveIntegerField("排序", default=100)

    class Meta:
        verbose_name = "办理项"
        verbose_name_plural = "办理项"
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["matter", "code"], name="catalog_item_code_unique")]

    def __str__(self) -> str:
        return f"{self.matter.name} · {self.name}"


class MaterialKind(models.TextChoices):
    IMAGE = "image", "图片（JPG/PNG）"
    DOCUMENT = "document", "PDF或图片"


class Material(models.Model):
    item = models.ForeignKey(
        ServiceItem, on_delete=models.CASCADE, related_name="materials", verbose_name="办理项"
    )
    code = models.SlugField("编码", max_length=40)
    name = models.CharField("材料名称", max_length=200)
    required = models.BooleanField("必传", default=True)
    kind = models.CharField(
        "格式", max_length=10, choices=MaterialKind.choices, default=MaterialKind.DOCUMENT
    )
    notes = models.CharField("说明", max_length=300, blank=True)
    # The printed form the employer's 负责人 signs and seals (DOMAIN.md, "Materials"): an
    # employer that confirms the application online (ADR 19) makes it unnecessary.
    sealed_by_employer = models.BooleanField(
        "须单位签字盖章",
        default=False,
        db_default=False,
        help_text="勾选的材料由聘用单位签字盖章；聘用单位已在线确认的申请无需上传",
    )
    order = models.PositiveIntegerField("排序", default=100)
    # 告知承诺制 (国办发〔2020〕42号): the province lists the materials an applicant may replace
    # by a written commitment; staff verify the commitment after the grant (ADR 20).
    commitment_allowed = models.BooleanField(
        "可告知承诺", default=False, help_text="勾选后，申请人可以选择“告知承诺”代替上传该材料"
    )
    commitment_text = models.TextField(
        "承诺书内容",
        blank=True,
        help_text="申请人须阅读并勾选同意的承诺内容。修改后即为新版本，已作出的承诺保留原文",
    )
    commitment_check_days = models.PositiveIntegerField(
        "核查期限（工作日）", default=20, help_text="准予许可后，工作人员核查承诺内容的期限"
    )

    class Meta:
        verbose_name = "申请材料"
        verbose_name_plural = "申请材料"
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["item", "code"], name="catalog_material_code_unique")]

    def __str__(self) -> str:
        return self.name

    @property
    def commitment_offered(self) -> bool:
        """Whether the application form offers 「告知承诺」 for this material."""
        return self.commitment_allowed and bool(self.commitment_text.strip())

    @property
    def commitment_version(self) -> str:
        """The version of the commitment text: its fingerprint (`commitment_text_version`)."""
        return commitment_text_version(self.commitment_text)

    def clean(self) -> None:
        if self.commitment_allowed and not self.commitment_text.strip():
            raise ValidationError({"commitment_text": "可告知承诺的材料须填写承诺书内容"})
        if self.commitment_allowed and self.commitment_check_days < 1:
            raise ValidationError({"commitment_check_days": "核查期限至少为1个工作日"})


def commitment_text_version(text: str) -> str:
    """The version of a commitment text: the first 12 hex digits of the SM3 digest of the text
    with its line ends and outer blanks normalised. An edit in the admin is a new version by
    itself, with no counter to keep; an applicant's acceptance records it with the text, so
    what they accepted is provable whatever the catalogue says later (ADR 20)."""
    normal = "\n".join(line.rstrip() for line in text.strip().splitlines())
    return sm3(normal.encode("utf-8")).hex()[:12].upper()


class CalendarDay(models.Model):
    """An exception to the Monday-to-Friday rule (lib/workdays.py): a statutory holiday on a
    weekday (not a workday) or a 调休 make-up workday on a weekend (a workday). Ordinary
    weekdays and weekends have no row."""

    day = models.DateField("日期", unique=True)
    is_workday = models.BooleanField("上班", help_text="勾选表示当天上班（调休），不勾选表示放假")
    note = models.CharField("说明", max_length=100, blank=True, help_text="例如：春节、国庆节调休上班")

    class Meta:
        verbose_name = "日历调整"
        verbose_name_plural = "节假日与调休"
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} {'上班' if self.is_workday else '放假'} {self.note}".rstrip()


class CalendarSource(models.TextChoices):
    PACKAGE = "chinesecalendar", "chinesecalendar数据"
    ADMIN = "admin", "管理员维护"


class CalendarYear(models.Model):
    """A year whose holidays and 调休 are maintained. A year without a row falls back to
    weekends only and the staff pages warn about it; a single day an administrator adds
    does not make its year known, this row does."""

    year = models.PositiveIntegerField("年份", unique=True)
    source = models.CharField(
        "来源", max_length=20, choices=CalendarSource.choices, default=CalendarSource.ADMIN
    )
    seeded_at = models.DateTimeField("维护时间", auto_now_add=True)

    class Meta:
        verbose_name = "已维护年份"
        verbose_name_plural = "已维护年份"
        ordering = ["year"]

    def __str__(self) -> str:
        return f"{self.year}年"
