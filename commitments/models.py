"""告知承诺制 after the grant (国办发〔2020〕42号, ADR 20): the verification task (核查) of each
commitment an applicant gave instead of a material, and, when one is found untrue, the
proposal to revoke (撤销) the registration it obtained.

The commitment itself belongs to the application (`cases.Commitment`); this app sits above
`registry` on the arrows (it names the registration the case granted) and below `review`,
whose approval opens the tasks and whose workbench lists them."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class CheckStatus(models.TextChoices):
    OPEN = "open", "待核查"
    CONFIRMED = "confirmed", "核查属实"
    UNTRUE = "untrue", "承诺不实"


class CommitmentCheck(models.Model):
    """「核查」: one granted commitment to verify by `due` (the material's 核查期限, working
    days from the grant). Its status changes only through
    `commitments.services.commitment_check_close`, by the table in `commitments/transitions.py`."""

    commitment = models.OneToOneField(
        "cases.Commitment", on_delete=models.PROTECT, related_name="verification", verbose_name="告知承诺"
    )
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+", verbose_name="办件")
    department = models.ForeignKey(
        "catalog.Department", on_delete=models.PROTECT, related_name="+", verbose_name="核查部门"
    )
    # The registration the grant made or changed: what a false commitment puts at risk.
    registration = models.ForeignKey(
        "registry.Registration",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="注册信息",
    )
    status = models.CharField("状态", max_length=10, choices=CheckStatus.choices, default=CheckStatus.OPEN)
    opened_on = models.DateField("准予日期")
    due = models.DateField("核查期限")
    finding = models.TextField("核查情况", max_length=1000, blank=True)
    closed_at = models.DateTimeField("核查时间", null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="核查人",
    )

    class Meta:
        verbose_name = "告知承诺核查"
        verbose_name_plural = "告知承诺核查"
        ordering = ["due", "id"]
        indexes = [models.Index(fields=["department", "status", "due"], name="commitments_check_queue")]

    def __str__(self) -> str:
        return f"{self.case} {self.commitment.material_name} {self.get_status_display()}"


class RevocationProposal(models.Model):
    """「提请撤销」: a commitment found untrue puts the registration up for 撤销 (《行政许可法》
    第六十九条). The supervision issue's 撤销 procedure does not exist yet (ADR 20): the
    decider sees these on the workbench and the case page, with the notice the holder got, and
    that procedure will take them over."""

    check_task = models.OneToOneField(
        CommitmentCheck, on_delete=models.PROTECT, related_name="proposal", verbose_name="核查"
    )
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+", verbose_name="办件")
    department = models.ForeignKey(
        "catalog.Department", on_delete=models.PROTECT, related_name="+", verbose_name="部门"
    )
    registration = models.ForeignKey(
        "registry.Registration",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="注册信息",
    )
    reason = models.TextField("撤销理由", max_length=1000)
    notice = models.ForeignKey(
        "cases.Notice", on_delete=models.PROTECT, related_name="+", verbose_name="告知书"
    )
    statement_due = models.DateField("陈述申辩期限")
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="提请人"
    )
    proposed_at = models.DateTimeField("提请时间")

    class Meta:
        verbose_name = "撤销建议"
        verbose_name_plural = "撤销建议"
        ordering = ["-proposed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.case} 提请撤销"
