"""办件: an application from its first 保存信息 to 办结, with its materials, events and notices.

A case's status is written by `cases.services.case_transition` only, which checks the table in
`cases/transitions.py`, locks the row and writes a CaseEvent."""

from __future__ import annotations

import uuid
from datetime import date

from django.conf import settings
from django.db import models

from catalog.models import Department, Matter, ServiceItem
from lib.encrypted import EncryptedCharField, EncryptedJSONField
from lib.uploads import extension_for


class CaseStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    # Submitted, waiting for the employer's online answer (单位确认, and on a change of
    # employer the former one's 解聘确认) before it reaches the department (ADR 19).
    CONFIRMING = "confirming", "待单位确认"
    PENDING = "pending", "待受理"
    CORRECTION = "correction", "待补正"
    REVIEWING = "reviewing", "审查中"
    DECIDING = "deciding", "待决定"
    APPROVED = "approved", "办结（准予许可）"
    DENIED = "denied", "办结（不予许可）"
    REJECTED = "rejected", "办结（不予受理）"
    WITHDRAWN = "withdrawn", "已撤回"
    # The authority's own proceedings on a registration (撤销注册, 强制注销; ADR 27): started by
    # staff, the holder heard (陈述申辩), the 科室负责人 decides.
    STATEMENT = "statement", "陈述申辩期"
    STATED = "stated", "待决定（已陈述申辩）"
    REVOKED = "revoked", "办结（撤销注册）"
    FORCE_CANCELLED = "f_cancelled", "办结（注销注册）"
    NOT_REVOKED = "not_revoked", "办结（不予撤销）"
    NOT_CANCELLED = "not_cancel", "办结（不予注销）"


class CaseAction(models.TextChoices):
    SUBMIT = "submit", "保存并提交"
    SUBMIT_TO_EMPLOYER = "submit_employer", "保存并提交（待单位确认）"
    RESUBMIT = "resubmit", "补正后提交"
    WITHDRAW = "withdraw", "撤回"
    # 单位确认 and 解聘确认 (ADR 19): the enterprises' answers, the silence the daily job records,
    # the hand-over to the department once nothing waits, and the applicant's switch to paper.
    EMPLOYER_CONFIRM = "employer_confirm", "单位确认"
    EMPLOYER_RETURN = "employer_return", "单位退回"
    RELEASE_AGREE = "release_agree", "原单位同意解聘"
    RELEASE_OBJECT = "release_object", "原单位对解聘有异议"
    RELEASE_DEEMED = "release_deemed", "原单位逾期未答复，视为同意解聘"
    FORWARD = "forward", "送交受理部门"
    PAPER_PATH = "paper_path", "改为纸质确认"
    ACCEPT = "accept", "受理"
    REQUEST_CORRECTION = "request_correction", "一次性告知补正"
    REJECT = "reject", "不予受理"
    REVIEW = "review", "审查通过"
    APPROVE = "approve", "准予许可"
    DENY = "deny", "不予许可"
    # 督办 (ADR 25): steps that leave the status as it is. The 科室负责人 grants an extension of
    # the decision period (《行政许可法》 Art 42); a 特别程序 stops the clock (Art 45) until its
    # handler ends it, or the daily job does when the stated days have passed.
    EXTEND = "extend", "延期"
    PAUSE = "pause", "特别程序（暂停计时）"
    RESUME = "resume", "特别程序结束（恢复计时）"
    RESUME_DUE = "resume_due", "特别程序期满（恢复计时）"
    # The authority's own proceedings (ADR 27).
    INITIATE = "initiate", "启动程序并告知陈述申辩"
    STATE = "state", "陈述申辩"
    REVOKE = "revoke", "撤销注册"
    FORCE_CANCEL = "force_cancel", "强制注销"
    NOT_REVOKE = "not_revoke", "不予撤销"
    NOT_CANCEL = "not_cancel", "不予注销"


class ActorRole(models.TextChoices):
    APPLICANT = "applicant", "申请人"
    ACCEPTOR = "acceptor", "受理人员"
    REVIEWER = "reviewer", "审查人员"
    DECIDER = "decider", "审批人员"
    LEADER = "leader", "科室负责人"
    EMPLOYER = "employer", "聘用单位"
    FORMER_EMPLOYER = "old_employer", "原聘用单位"
    # Steps nobody takes by hand: the daily job's silence rule, the hand-over to the department.
    SYSTEM = "system", "系统"


class PauseKind(models.TextChoices):
    """特别程序 whose time does not count towards the decision period (《行政许可法》 Art 45)."""

    EXPERT = "expert", "专家评审"
    HEARING = "hearing", "听证"
    TESTING = "testing", "检验检测"


class SubmitMethod(models.TextChoices):
    ONLINE = "online", "网上提交"
    WINDOW = "window", "窗口提交"
    POST = "post", "邮寄"


class Case(models.Model):
    # Used in storage paths, so a file's path never reveals a case number or a name.
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    number = models.CharField("办件编号", max_length=32, unique=True, null=True, blank=True)
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="cases", verbose_name="申请人"
    )
    applicant_name = models.CharField("申请人姓名", max_length=100)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, verbose_name="受理部门")
    matter = models.ForeignKey(Matter, on_delete=models.PROTECT, verbose_name="事项")
    item = models.ForeignKey(ServiceItem, on_delete=models.PROTECT, verbose_name="办理项")
    status = models.CharField("状态", max_length=12, choices=CaseStatus.choices, default=CaseStatus.DRAFT)
    submit_method = models.CharField("提交方式", max_length=10, choices=SubmitMethod.choices, blank=True)
    # What the applicant typed, as typed: a draft keeps even values that do not validate yet.
    # Encrypted at rest (personal data: names, numbers, addresses), so the database cannot
    # look inside it; what must be queried has its own column (employer_uscc).
    form_data = EncryptedJSONField("申请表数据", default=dict, blank=True)
    # The employer named in the form, so the enterprise account can find its people's cases.
    employer_uscc = models.CharField("聘用企业统一社会信用代码", max_length=18, blank=True, db_index=True)
    # Sent with the first 保存信息 of a new form: a double click or a replayed POST finds the
    # draft the first request made instead of making a second one.
    client_token = models.UUIDField(unique=True, null=True, blank=True, editable=False)
    # Raised by every save of the form (保存信息 and the autosave). A page sends back the
    # version it was loaded with, so a save from a second tab or device that did not see the
    # other's changes is refused instead of silently overwriting them.
    version = models.PositiveIntegerField("草稿版本", default=0, editable=False)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    accept_due = models.DateField("受理期限", null=True, blank=True)
    accepted_at = models.DateTimeField("受理时间", null=True, blank=True)
    decision_due = models.DateField("办结期限", null=True, blank=True)
    decided_at = models.DateTimeField("办结时间", null=True, blank=True)
    # 审查通过: once a case (the table has no way back to 审查中); the statistics' 审查 step
    # ends and 审批 step starts here.
    reviewed_at = models.DateTimeField("审查通过时间", null=True, blank=True)
    # The days of the four times above in the portal's time zone, written with the times
    # (`cases.services.case_days_fill`): the statistics (ADR 0028) group 100,000 cases by day
    # from an index in the order of the GROUP BY, without computing a day for every row.
    submitted_on = models.DateField("提交日", null=True, blank=True, editable=False)
    accepted_on = models.DateField("受理日", null=True, blank=True, editable=False)
    reviewed_on = models.DateField("审查通过日", null=True, blank=True, editable=False)
    decided_on = models.DateField("办结日", null=True, blank=True, editable=False)
    # The 特别程序 that stops the decision clock now ("" while it runs): written with the
    # PAUSE and RESUME events by `supervision.services`; the details are its ClockPause row.
    clock_paused = models.CharField(
        "暂停计时（特别程序）",
        max_length=10,
        choices=PauseKind.choices,
        blank=True,
        default="",
        db_default="",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "办件"
        verbose_name_plural = "办件"
        ordering = ["-created_at", "-id"]
        indexes = [
            # The workbench (review.selectors.case_queue, issue 14): each tab's page is read in
            # its order from an index, LIMIT 25 without sorting the department's cases, and the
            # tab counts are counted from the first of them alone (an index-only scan). Its
            # prefix (department, status) serves what the former index of those two did.
            models.Index(
                fields=["department", "status", "accept_due", "submitted_at", "id"],
                name="cases_case_queue_accept_idx",
            ),
            models.Index(
                fields=["department", "status", "decision_due", "submitted_at", "id"],
                name="cases_case_queue_decision_idx",
            ),
            # The tab counts (review.selectors.queue_counts) each time a status change has
            # replaced the kept ones: narrow, so that PostgreSQL counts 100,000 cases from the
            # index alone (about 12 ms) rather than scanning the table (about 40 ms).
            models.Index(
                fields=["department", "status"],
                condition=models.Q(submitted_at__isnull=False),
                name="cases_case_counts_idx",
            ),
            models.Index(fields=["department", "decided_at", "id"], name="cases_case_queue_finished_idx"),
            models.Index(fields=["department", "submitted_at", "id"], name="cases_case_queue_all_idx"),
            # 我的办件 (cases.selectors.case_list_for_applicant): a page of the newest.
            models.Index(fields=["applicant", "updated_at", "id"], name="cases_case_mine_idx"),
            # The statistics (figures.selectors, ADR 0028) read a department's cases by the day
            # they arrived, were accepted, reviewed or decided: covering indexes whose order is
            # the queries' GROUP BY, so that 100,000 cases are counted from the index alone, in
            # one pass and without sorting.
            models.Index(
                fields=["department", "submitted_on", "item", "status"], name="cases_case_received_idx"
            ),
            models.Index(
                fields=["department", "decided_on", "status", "decision_due"], name="cases_case_decided_idx"
            ),
            models.Index(
                fields=["department", "accepted_on", "submitted_on"], name="cases_case_accepted_idx"
            ),
            models.Index(fields=["department", "reviewed_on", "accepted_on"], name="cases_case_reviewed_idx"),
            models.Index(
                fields=["department", "decided_on", "reviewed_on"], name="cases_case_decide_step_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.number or f"草稿 {self.pk}"

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED_STATUSES


FINISHED_STATUSES = frozenset(
    {
        CaseStatus.APPROVED,
        CaseStatus.DENIED,
        CaseStatus.REJECTED,
        CaseStatus.WITHDRAWN,
        CaseStatus.REVOKED,
        CaseStatus.FORCE_CANCELLED,
        CaseStatus.NOT_REVOKED,
        CaseStatus.NOT_CANCELLED,
    }
)
# The applicant may change the form and the materials only while the case is in their hands.
EDITABLE_STATUSES = frozenset({CaseStatus.DRAFT, CaseStatus.CORRECTION})
# Not yet at the department: staff neither see nor count these (the legal clock has not started).
BEFORE_DEPARTMENT_STATUSES = frozenset({CaseStatus.DRAFT, CaseStatus.CONFIRMING})


class CaseEvent(models.Model):
    """One step of a case: who did what, when, from which status to which, and why."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    action = models.CharField("操作", max_length=20, choices=CaseAction.choices)
    from_status = models.CharField("原状态", max_length=12, choices=CaseStatus.choices)
    to_status = models.CharField("新状态", max_length=12, choices=CaseStatus.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    actor_role = models.CharField("角色", max_length=12, choices=ActorRole.choices)
    actor_name = models.CharField("办理人", max_length=100)
    opinion = models.TextField("意见", blank=True)
    data = models.JSONField("附加信息", default=dict, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "办理记录"
        verbose_name_plural = "办理记录"
        ordering = ["created_at", "id"]
        indexes = [
            # The statistics (ADR 0028): a kind of step in a period (审查通过, 不予 with its
            # reason), and whether a case had a step (补正).
            models.Index(fields=["action", "created_at", "case"], name="cases_event_action_time_idx"),
            models.Index(fields=["action", "case"], name="cases_event_action_case_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.case} {self.get_action_display()}"


def attachment_path(instance: Attachment, filename: str) -> str:
    # Never a path built from the user's file name, not even its extension: the extension
    # follows the sniffed type (a PNG named "x.html" is stored as .png).
    return f"cases/{instance.case.uuid}/{uuid.uuid4().hex}.{extension_for(instance.content_type)}"


class Attachment(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    material_code = models.SlugField("材料编码", max_length=40)
    file = models.FileField("文件", upload_to=attachment_path, max_length=200)
    # The name the applicant's file had: encrypted at rest (ADR 0014, 0015), since people name
    # their scans after themselves (「张伟身份证210102….jpg」). Shown and offered as the
    # download's name only; nothing looks a file up or orders files by it.
    display_name = EncryptedCharField("原文件名", max_length=120)
    content_type = models.CharField("类型", max_length=50)
    size = models.PositiveIntegerField("大小")
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)
    # A file offered again from one of the applicant's earlier applications.
    reused_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="沿用自"
    )
    # Replaced or removed files are kept (the case history refers to them) but no longer count.
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "附件"
        verbose_name_plural = "附件"
        ordering = ["uploaded_at", "id"]
        indexes = [models.Index(fields=["case", "material_code"])]

    def __str__(self) -> str:
        return str(self.display_name)

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class Commitment(models.Model):
    """「告知承诺」: the applicant's written commitment in place of one material (告知承诺制,
    ADR 20), kept with the exact text and its version as accepted, so that what was promised
    is provable whatever the catalogue says later. Withdrawn (撤回承诺) while the case is in the
    applicant's hands, it no longer counts; the row stays."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="commitments")
    material_code = models.SlugField("材料编码", max_length=40)
    material_name = models.CharField("材料名称", max_length=200)
    text = models.TextField("承诺内容")
    version = models.CharField("承诺书版本", max_length=16)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="承诺人"
    )
    accepted_at = models.DateTimeField("承诺时间")
    withdrawn_at = models.DateTimeField("撤回时间", null=True, blank=True)

    class Meta:
        verbose_name = "告知承诺"
        verbose_name_plural = "告知承诺"
        ordering = ["accepted_at", "id"]
        constraints = [
            # One commitment in force per material of a case; withdrawn ones are kept.
            models.UniqueConstraint(
                fields=["case", "material_code"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="cases_commitment_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case} {self.material_name}（告知承诺）"


class ConfirmationKind(models.TextChoices):
    EMPLOYMENT = "employment", "单位确认"
    RELEASE = "release", "解聘确认"


class ConfirmationStatus(models.TextChoices):
    WAITING = "waiting", "待确认"
    CONFIRMED = "confirmed", "已确认"
    RETURNED = "returned", "已退回"
    AGREED = "agreed", "同意解聘"
    OBJECTED = "objected", "有异议"
    DEEMED = "deemed", "逾期未答复，视为同意"
    PAPER = "paper", "申请人改为纸质确认"
    CANCELLED = "cancelled", "已撤销"


class ConfirmationAnswer(models.TextChoices):
    """What an enterprise may answer: 确认/退回 to a 单位确认, 同意解聘/有异议 to a 解聘确认."""

    CONFIRM = "confirm", "确认"
    RETURN = "return", "退回"
    AGREE = "agree", "同意解聘"
    OBJECT = "object", "有异议"


# The answers that settle a 解聘确认: a later submission of the same case does not ask again.
RELEASE_SETTLED = frozenset(
    {ConfirmationStatus.AGREED, ConfirmationStatus.OBJECTED, ConfirmationStatus.DEEMED}
)


class EmployerConfirmationQuerySet(models.QuerySet["EmployerConfirmation"]):
    def overdue(self, *, kind: str, today: date) -> EmployerConfirmationQuerySet:
        """Questions of `kind` still waiting after their last day (`due`): the one rule for
        「逾期」 of 单位确认 (the applicant may switch to paper) and of 解聘确认 (silence counts
        as agreement), whoever asks."""
        return self.filter(kind=kind, status=ConfirmationStatus.WAITING, due__lt=today)


class EmployerConfirmation(models.Model):
    """One question to one enterprise about one case (ADR 19): the named employer's 单位确认
    of the application, or the former employer's 解聘确认 on a change of employer. A row is
    WAITING only while its case is 待单位确认; `cases.services` writes it, with the event."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="confirmations")
    kind = models.CharField("类型", max_length=12, choices=ConfirmationKind.choices)
    uscc = models.CharField("统一社会信用代码", max_length=18, db_index=True)
    enterprise_name = models.CharField("单位名称", max_length=100)
    status = models.CharField(
        "状态", max_length=12, choices=ConfirmationStatus.choices, default=ConfirmationStatus.WAITING
    )
    requested_at = models.DateTimeField("发送时间", auto_now_add=True)
    # The last day of the employer's time (catalog.Matter: employer_confirm_days for 单位确认,
    # release_silence_days for 解聘确认), in working days from the day after the request.
    due = models.DateField("答复期限")
    answered_at = models.DateTimeField("答复时间", null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Who answered, as they were then: the account's 单位名称 and its 经办人.
    answered_by_name = models.CharField("答复单位", max_length=100, blank=True)
    agent_name = models.CharField("经办人", max_length=50, blank=True)
    reason = models.TextField("退回或异议理由", blank=True)
    # The applicant was told the employer is late (once per question).
    overdue_notified_at = models.DateTimeField("逾期告知时间", null=True, blank=True)

    objects = EmployerConfirmationQuerySet.as_manager()

    class Meta:
        verbose_name = "单位确认"
        verbose_name_plural = "单位确认"
        ordering = ["requested_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "kind"],
                condition=models.Q(status=ConfirmationStatus.WAITING),
                name="cases_confirmation_one_waiting",
            )
        ]
        indexes = [models.Index(fields=["uscc", "status"], name="cases_confirmation_uscc_idx")]

    def __str__(self) -> str:
        return f"{self.case} {self.get_kind_display()} {self.enterprise_name}"


class CorrectionReminder(models.Model):
    """The one reminder sent for a 补正 request left unanswered: unique per request."""

    event = models.OneToOneField(CaseEvent, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField("提醒时间", auto_now_add=True)

    class Meta:
        verbose_name = "补正提醒"
        verbose_name_plural = "补正提醒"

    def __str__(self) -> str:
        return f"{self.event.case} 补正提醒"


class NoticeKind(models.TextChoices):
    RECEIPT = "receipt", "材料接收告知单"
    ACCEPTANCE = "acceptance", "受理通知书"
    CORRECTION = "correction", "一次性补正告知书"
    REJECTION = "rejection", "不予受理决定书"
    APPROVAL = "approval", "准予行政许可决定书"
    DENIAL = "denial", "不予行政许可决定书"
    # After the grant: a commitment found untrue (ADR 20), the first step towards 撤销.
    FALSE_PLEDGE = "false_pledge", "告知承诺核查不实告知书"
    # 督办 (ADR 25): the extension of the decision period, and a 特别程序 with how long it takes.
    EXTENSION = "extension", "延期告知书"
    PAUSE = "pause", "特别程序告知书"
    # The authority's own proceedings (ADR 27): the 陈述申辩 notice, then the decision.
    STATEMENT = "statement", "陈述申辩告知书"
    REVOCATION = "revocation", "撤销注册决定书"
    FORCED_CANCEL = "f_cancel", "注销注册决定书"
    NOT_REVOKED = "not_revoked", "不予撤销注册决定书"
    NOT_CANCELLED = "not_cancel", "不予注销注册决定书"


class Notice(models.Model):
    """A document issued to the applicant. `data` is the exact content at issue time; the PDF
    is drawn from it on request, so it reads the same however often it is downloaded."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField("文书类型", max_length=12, choices=NoticeKind.choices)
    number = models.CharField("文书编号", max_length=40, unique=True)
    data = models.JSONField("内容")
    event = models.ForeignKey(CaseEvent, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField("出具时间", auto_now_add=True)

    class Meta:
        verbose_name = "文书"
        verbose_name_plural = "文书"
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"


class Sequence(models.Model):
    """The project's counters, one row per key (办件编号, 文书编号, 注册编号, 证照流水号),
    incremented only by `cases.counters.counter_next`."""

    key = models.CharField(max_length=40, unique=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.key}={self.last}"
