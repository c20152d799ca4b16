"""督办 (ADR 25): the reminders and escalations sent for a case's running limit, the
extension of its decision period, and the 特别程序 that stop its clock.

The case's status and due days stay the case's (`cases`); these rows are what 督办 adds to
them: each written by `supervision.services` or `supervision.jobs`, with the case's event
where the case changes."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from cases.models import Case, PauseKind


class DeadlineStep(models.TextChoices):
    """The limit an alert is about (`cases.deadlines.case_deadline`; for a 撤销 or 强制注销
    proceeding, its 陈述申辩 period and its decision, ADR 27)."""

    ACCEPT = "accept", "受理"
    DECISION = "decision", "办结"
    STATEMENT = "statement", "陈述申辩"


class AlertKind(models.TextChoices):
    REMINDER = "reminder", "到期提醒"
    ESCALATION = "escalation", "超期督办"
    # A proceeding's 陈述申辩 period ended unanswered: the 科室负责人 is told he may decide.
    LAPSED = "lapsed", "期满待决定"


class DeadlineAlert(models.Model):
    """One reminder or escalation, sent once per case, step and due day: the unique key is
    the daily job's claim, and a due day moved (补正 resubmission, 延期, 特别程序) is a new key."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+", verbose_name="办件")
    step = models.CharField("环节", max_length=10, choices=DeadlineStep.choices)
    kind = models.CharField("类型", max_length=10, choices=AlertKind.choices)
    due = models.DateField("期限")
    created_at = models.DateTimeField("发送时间", auto_now_add=True)

    class Meta:
        verbose_name = "期限提醒"
        verbose_name_plural = "期限提醒"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "step", "kind", "due"], name="supervision_alert_once")
        ]

    def __str__(self) -> str:
        return f"{self.case} {self.get_step_display()}{self.get_kind_display()} {self.due:%Y-%m-%d}"


class ExtensionStatus(models.TextChoices):
    REQUESTED = "requested", "待审批"
    APPROVED = "approved", "已批准"
    REFUSED = "refused", "未批准"


# An extension waiting or granted: the case has had its one extension (a refused one does not
# count, and the handler may ask again).
EXTENSION_TAKEN = (ExtensionStatus.REQUESTED, ExtensionStatus.APPROVED)


class Extension(models.Model):
    """A handler's request to extend the decision period by 10 working days (《行政许可法》
    Art 42), and the 科室负责人's answer. Once per case: at most one request waiting or granted
    (a refused one may be followed by another)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="extensions", verbose_name="办件")
    status = models.CharField(
        "状态", max_length=10, choices=ExtensionStatus.choices, default=ExtensionStatus.REQUESTED
    )
    reason = models.TextField("延期理由")
    due_before = models.DateField("原办结期限")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="申请人员"
    )
    requested_by_name = models.CharField("申请人员姓名", max_length=100)
    requested_at = models.DateTimeField("申请时间", auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_by_name = models.CharField("审批人", max_length=100, blank=True)
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    opinion = models.TextField("审批意见", blank=True)
    new_due = models.DateField("延长后的办结期限", null=True, blank=True)

    class Meta:
        verbose_name = "延期申请"
        verbose_name_plural = "延期申请"
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(status__in=EXTENSION_TAKEN),
                name="supervision_extension_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case} 延期申请（{self.get_status_display()}）"


class ClockPause(models.Model):
    """A 特别程序 (专家评审, 听证, 检验检测) that stops the decision clock (Art 45) for the working
    days it states; ended by hand or by the daily job once they have passed. One open per case."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="pauses", verbose_name="办件")
    kind = models.CharField("特别程序", max_length=10, choices=PauseKind.choices)
    reason = models.TextField("事由")
    workdays = models.PositiveIntegerField("所需时间（工作日）")
    started_on = models.DateField("暂停计时日")
    # The last day the stated time stops the clock (`cases.deadlines.pause_ends_on`).
    ends_on = models.DateField("预计结束日")
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="登记人员"
    )
    started_by_name = models.CharField("登记人员姓名", max_length=100)
    ended_on = models.DateField("恢复计时日", null=True, blank=True)
    ended_by_name = models.CharField("结束人员", max_length=100, blank=True)
    paused_workdays = models.PositiveIntegerField("实际暂停（工作日）", null=True, blank=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "特别程序"
        verbose_name_plural = "特别程序"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=models.Q(ended_on__isnull=True), name="supervision_pause_one_open"
            )
        ]

    def __str__(self) -> str:
        return f"{self.case} {self.get_kind_display()}"

    @property
    def is_open(self) -> bool:
        return self.ended_on is None
