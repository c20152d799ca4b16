"""好差评 (国办发〔2019〕51号): the applicant's rating of a case that ended (一事一评), the
rectification a bad one starts in the department (整改, 回访), a staff member's appeal (申诉)
and its decision, and the row that pushes each rating to the provincial 好差评 system.

Statuses change only through `ratings.services`, which checks the tables in
`ratings/transitions.py`."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from cases.models import Case
from catalog.models import Department, Matter
from notifications.outbox import OutboxRow


class RatingLevel(models.TextChoices):
    # The value is the national five-level score: 5 非常满意 … 1 非常不满意.
    VERY_SATISFIED = "5", "非常满意"
    SATISFIED = "4", "满意"
    BASIC = "3", "基本满意"
    DISSATISFIED = "2", "不满意"
    VERY_DISSATISFIED = "1", "非常不满意"


# 好评 and 差评 in the national rules: the first three levels count as satisfied; the last two
# start a rectification.
SATISFIED_LEVELS = frozenset({RatingLevel.VERY_SATISFIED, RatingLevel.SATISFIED, RatingLevel.BASIC})
BAD_LEVELS = frozenset({RatingLevel.DISSATISFIED, RatingLevel.VERY_DISSATISFIED})


class RatingIndicator(models.TextChoices):
    """The national online indicators (政务服务“好差评”评价指标, 网上办事), offered with
    every level: what the applicant was pleased or displeased with."""

    OVERALL = "overall", "整体满意度"
    EFFICIENCY = "efficiency", "办事效率"
    GUIDE = "guide", "办事指南精确度"
    CONVENIENCE = "convenience", "办事便捷度"
    PLATFORM = "platform", "平台操作性"


class Rating(models.Model):
    """One rating of one case by its applicant: the case's one-to-one key makes it once."""

    # The key the provincial system knows the rating by, and dedupes a repeated push with.
    uuid = models.UUIDField("评价编号", default=uuid.uuid4, unique=True, editable=False)
    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="rating", verbose_name="办件")
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="评价人"
    )
    level = models.CharField("评价等级", max_length=1, choices=RatingLevel.choices)
    indicators = models.JSONField("评价指标", default=list, blank=True)
    text = models.TextField("评价内容", max_length=500, blank=True)
    created_at = models.DateTimeField("评价时间", default=timezone.now)

    class Meta:
        verbose_name = "评价"
        verbose_name_plural = "评价"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.case} {self.get_level_display()}"

    @property
    def is_bad(self) -> bool:
        return self.level in BAD_LEVELS

    @property
    def indicator_labels(self) -> list[str]:
        return [RatingIndicator(code).label for code in self.indicators if code in RatingIndicator.values]


class RectificationStatus(models.TextChoices):
    OPEN = "open", "待整改"
    REPLIED = "replied", "待回访"
    CLOSED = "closed", "已办结"
    VOIDED = "voided", "申诉成立，免于整改"


class RectificationAction(models.TextChoices):
    REPLY = "reply", "答复"
    FOLLOW_UP = "follow_up", "回访办结"
    VOID = "void", "申诉成立"


class Rectification(models.Model):
    """The department's answer to a 差评: a reply the applicant reads, then a 回访 (a call to
    the applicant) recorded, within `ratings.deadlines.RECTIFICATION_WORKDAYS` of the rating."""

    rating = models.OneToOneField(
        Rating, on_delete=models.PROTECT, related_name="rectification", verbose_name="评价"
    )
    status = models.CharField(
        "状态", max_length=10, choices=RectificationStatus.choices, default=RectificationStatus.OPEN
    )
    due = models.DateField("整改期限")
    reply = models.TextField("整改答复", max_length=1000, blank=True)
    replied_at = models.DateTimeField("答复时间", null=True, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    follow_up = models.TextField("回访情况", max_length=1000, blank=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Set once, by the daily job, when the task passed its due day unfinished: the
    # department's 审批人员 were told (the escalation is never sent twice).
    escalated_at = models.DateTimeField("超期督办时间", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now)

    class Meta:
        verbose_name = "差评整改"
        verbose_name_plural = "差评整改"
        ordering = ["due", "id"]
        indexes = [models.Index(fields=["status", "due"], name="ratings_rectification_due")]

    def __str__(self) -> str:
        return f"{self.rating.case} {self.get_status_display()}"


class AppealStatus(models.TextChoices):
    PENDING = "pending", "待审核"
    UPHELD = "upheld", "申诉成立"
    DISMISSED = "dismissed", "申诉不成立"


class RatingAppeal(models.Model):
    """A staff member's 申诉 against a 差评 they think unfair, decided by a 系统管理员 (ADR
    0021). Upheld, the rating is left out of the figures and the rectification is void."""

    rating = models.OneToOneField(
        Rating, on_delete=models.PROTECT, related_name="appeal", verbose_name="评价"
    )
    status = models.CharField(
        "状态", max_length=10, choices=AppealStatus.choices, default=AppealStatus.PENDING
    )
    reason = models.TextField("申诉理由", max_length=1000)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="申诉人"
    )
    filed_at = models.DateTimeField("申诉时间", default=timezone.now)
    decision = models.TextField("审核意见", max_length=1000, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField("审核时间", null=True, blank=True)

    class Meta:
        verbose_name = "差评申诉"
        verbose_name_plural = "差评申诉"
        ordering = ["filed_at", "id"]

    def __str__(self) -> str:
        return f"{self.rating.case} {self.get_status_display()}"


class RatingTally(models.Model):
    """A department's 好差评 figures of all time for one matter (`ratings.figures`), which the
    workbench shows on every view: kept by each service of `ratings.services` that changes
    them, in its own transaction, so that reading them is one small query however many ratings
    there are (ADR 0034). `rating_tallies_rebuild` counts them again from the rows."""

    department = models.ForeignKey(
        Department, on_delete=models.CASCADE, related_name="+", verbose_name="部门"
    )
    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="+", verbose_name="事项")
    ratings = models.PositiveIntegerField("评价数（申诉成立的不计）", default=0)
    satisfied = models.PositiveIntegerField("满意数", default=0)
    open_rectifications = models.PositiveIntegerField("未办结的整改数", default=0)

    class Meta:
        verbose_name = "好差评统计"
        verbose_name_plural = "好差评统计"
        constraints = [
            models.UniqueConstraint(fields=["department", "matter"], name="ratings_tally_department_matter")
        ]

    def __str__(self) -> str:
        return f"{self.department_id}/{self.matter_id}: {self.satisfied}/{self.ratings}"


class RatingPush(OutboxRow):
    """The rating's delivery to the provincial 好差评 system (notifications/outbox.py)."""

    rating = models.OneToOneField(Rating, on_delete=models.PROTECT, related_name="push", verbose_name="评价")
    receipt = models.CharField("省平台回执编号", max_length=100, blank=True)

    class Meta:
        verbose_name = "好差评推送"
        verbose_name_plural = "好差评推送"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="ratings_push_status_next_idx")]

    def __str__(self) -> str:
        return f"{self.rating} → 省好差评系统（{self.get_status_display()}）"
