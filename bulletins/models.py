"""注册公告 (《行政许可法》第四十条): the register's decisions made public in numbered, dated
batches. A batch is a draft while its department's 科室负责人 previews it, and once published
it is never edited: each entry keeps what it showed (the holder's masked 姓名, 注册编号, 专业,
聘用企业) as it was when the batch was composed, so later changes of the register do not
rewrite a published bulletin (ADR 26)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from catalog.models import Department
from catalog.registration_types import ChangeKind
from registry.models import RegistrationChange


class BulletinStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    PUBLISHED = "published", "已发布"


class BulletinAction(models.TextChoices):
    """What changes a batch's status, by the table in `bulletins/transitions.py`."""

    PUBLISH = "publish", "发布"


class Bulletin(models.Model):
    """One batch (公告批次). `number` and `published_at` are set when it is published."""

    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="bulletins", verbose_name="发布部门"
    )
    status = models.CharField(
        "状态", max_length=10, choices=BulletinStatus.choices, default=BulletinStatus.DRAFT
    )
    number = models.CharField("公告编号", max_length=40, blank=True)
    title = models.CharField("标题", max_length=200)
    # The decision dates the entries span (公告期间): the first and the last decision.
    period_start = models.DateField("决定日期自")
    period_end = models.DateField("决定日期至")
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="编制人"
    )
    prepared_at = models.DateTimeField("编制时间")
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="发布人",
    )
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    # The PDF, drawn once after publication and kept (`bulletins.services.bulletin_pdf`).
    file = models.FileField("PDF文件", upload_to="bulletins/", max_length=200, blank=True)

    class Meta:
        verbose_name = "注册公告"
        verbose_name_plural = "注册公告"
        ordering = ["-published_at", "-id"]
        constraints = [
            # One draft per department at a time: a second 「生成公告草稿」 refreshes it.
            models.UniqueConstraint(
                fields=["department"],
                condition=Q(status=BulletinStatus.DRAFT),
                name="bulletins_one_draft_per_department",
            ),
            models.UniqueConstraint(
                fields=["number"], condition=~Q(number=""), name="bulletins_number_unique"
            ),
            models.CheckConstraint(
                condition=Q(status=BulletinStatus.DRAFT, published_at__isnull=True, number="")
                | Q(status=BulletinStatus.PUBLISHED, published_at__isnull=False) & ~Q(number=""),
                name="bulletins_published_has_number_and_time",
            ),
        ]
        indexes = [models.Index(fields=["status", "-published_at"], name="bulletins_public_list")]

    def __str__(self) -> str:
        return self.number or f"{self.title}（草稿）"

    @property
    def is_published(self) -> bool:
        return self.status == BulletinStatus.PUBLISHED


class BulletinEntry(models.Model):
    """One decision in a batch, as it was shown. A history row is in one batch at most."""

    bulletin = models.ForeignKey(Bulletin, on_delete=models.CASCADE, related_name="entries")
    # PROTECT: a published decision's history row is never removed from under its bulletin.
    change = models.OneToOneField(
        RegistrationChange,
        on_delete=models.PROTECT,
        related_name="bulletin_entry",
        verbose_name="注册变更记录",
    )
    position = models.PositiveIntegerField("序号")
    kind = models.CharField("类别", max_length=20, choices=ChangeKind.choices)
    holder_name_masked = models.CharField("姓名", max_length=100)
    registration_number = models.CharField("注册编号", max_length=40, db_index=True)
    specialties = models.CharField("注册专业", max_length=200, blank=True)
    employer_name = models.CharField("聘用企业", max_length=200)
    decided_on = models.DateField("决定日期")

    class Meta:
        verbose_name = "公告条目"
        verbose_name_plural = "公告条目"
        ordering = ["bulletin", "position"]
        constraints = [
            models.UniqueConstraint(fields=["bulletin", "position"], name="bulletins_entry_position_once")
        ]

    def __str__(self) -> str:
        return f"{self.registration_number} {self.get_kind_display()}"
