"""The authority's own proceedings on a registration (ADR 27): 撤销注册 (《行政许可法》第六十九条)
and 强制注销 (第七十条, 《注册建造师管理规定》第十六条、第十八条).

A proceeding is a `cases.Case` (of the 办理项 whose code is its `ProceedingKind`), so that its
steps go through `cases.services.case_transition` and its timeline, notices and 我的办件 are
those of every case. What only a proceeding has lives here, one row per case: the ground and
its legal basis, the registration concerned, the 陈述申辩 period and the holder's answer, and
the 告知承诺 proposal it took over. This app sits above `certificates` and `commitments` and
below `review`, which links to its pages from the workbench."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from cases.models import CaseAction, CaseStatus
from catalog.registration_types import ChangeKind, ProceedingKind
from lib.encrypted import EncryptedCharField
from registry.models import RegistrationAction


class Ground(models.TextChoices):
    """Why the authority acts: each ground belongs to one kind and carries its legal basis
    (`GROUNDS`). Stored values: never change one."""

    # 撤销注册
    DECEPTION = "deception", "以欺骗、贿赂等不正当手段取得注册"
    FALSE_PLEDGE = "false_pledge", "告知承诺内容与实际情况不符"
    UNLAWFUL_GRANT = "unlawful_grant", "对不符合法定条件的申请人准予注册"
    # 强制注销
    DEATH = "death", "本人死亡或者丧失民事行为能力"
    EMPLOYER_ENDED = "employer_ended", "聘用单位破产、被吊销营业执照或者资质证书"
    CONTRACT_ENDED = "contract_ended", "已与聘用单位解除聘用合同关系，未申请注销"


# The kind each ground belongs to, and its legal basis (printed in the notices).
GROUNDS: dict[Ground, tuple[ProceedingKind, str]] = {
    Ground.DECEPTION: (
        ProceedingKind.REVOKE,
        "《中华人民共和国行政许可法》第六十九条第二款；《注册建造师管理规定》（建设部令第153号）第十七条",
    ),
    Ground.FALSE_PLEDGE: (
        ProceedingKind.REVOKE,
        "《中华人民共和国行政许可法》第六十九条第二款；"
        "《国务院办公厅关于全面推行证明事项告知承诺制的指导意见》（国办发〔2020〕42号）",
    ),
    Ground.UNLAWFUL_GRANT: (
        ProceedingKind.REVOKE,
        "《中华人民共和国行政许可法》第六十九条第一款；《注册建造师管理规定》（建设部令第153号）第十七条",
    ),
    Ground.DEATH: (
        ProceedingKind.FORCED_CANCEL,
        "《中华人民共和国行政许可法》第七十条第（二）项；"
        "《注册建造师管理规定》（建设部令第153号）第十六条、第十八条",
    ),
    Ground.EMPLOYER_ENDED: (
        ProceedingKind.FORCED_CANCEL,
        "《中华人民共和国行政许可法》第七十条第（六）项；"
        "《注册建造师管理规定》（建设部令第153号）第十六条、第十八条",
    ),
    Ground.CONTRACT_ENDED: (
        ProceedingKind.FORCED_CANCEL,
        "《中华人民共和国行政许可法》第七十条第（六）项；"
        "《注册建造师管理规定》（建设部令第153号）第十六条、第十八条",
    ),
}


def grounds_of(kind: ProceedingKind) -> list[Ground]:
    return [g for g, (k, _) in GROUNDS.items() if k == kind]


def legal_basis(ground: str) -> str:
    return GROUNDS[Ground(ground)][1]


# The 科室负责人's two answers to each kind: the act (with what it does to the register and the
# history row it leaves), or its refusal. The case's table (`cases/transitions.py`) holds them
# all; a proceeding offers only its kind's.
ACTS: dict[ProceedingKind, tuple[CaseAction, RegistrationAction, ChangeKind]] = {
    ProceedingKind.REVOKE: (CaseAction.REVOKE, RegistrationAction.REVOKE, ChangeKind.REVOKE),
    ProceedingKind.FORCED_CANCEL: (
        CaseAction.FORCE_CANCEL,
        RegistrationAction.FORCE_CANCEL,
        ChangeKind.FORCED_CANCEL,
    ),
}
REFUSALS: dict[ProceedingKind, CaseAction] = {
    ProceedingKind.REVOKE: CaseAction.NOT_REVOKE,
    ProceedingKind.FORCED_CANCEL: CaseAction.NOT_CANCEL,
}
OUTCOMES: dict[ProceedingKind, tuple[CaseAction, CaseAction]] = {
    kind: (ACTS[kind][0], REFUSALS[kind]) for kind in ProceedingKind
}
# The proceedings still running: the holder may answer in the first, the leader decides in both.
OPEN_STATUSES = (CaseStatus.STATEMENT, CaseStatus.STATED)


class Proceeding(models.Model):
    """One 撤销 or 强制注销 proceeding: its case, and what the case does not carry."""

    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT, related_name="proceeding")
    kind = models.CharField("程序", max_length=16, choices=ProceedingKind.choices)
    registration = models.ForeignKey(
        "registry.Registration", on_delete=models.PROTECT, related_name="+", verbose_name="注册信息"
    )
    ground = models.CharField("事由", max_length=20, choices=Ground.choices)
    legal_basis = models.CharField("法律依据", max_length=300)
    facts = models.TextField("事实和理由", max_length=1000)
    # The 告知承诺 proposal (ADR 20) this proceeding took over, if it came from one.
    proposal = models.OneToOneField(
        "commitments.RevocationProposal",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="proceeding",
        verbose_name="撤销建议",
    )
    statement_due = models.DateField("陈述申辩期限")
    statement = models.TextField("陈述申辩意见", max_length=2000, blank=True)
    # Stored by `revocation.services.proceeding_state` under the case's uuid, never under a
    # name the holder gave.
    statement_file = models.FileField("证明材料", upload_to="proceedings/", max_length=200, blank=True)
    # The name the holder's file had on their computer (often their own name in it): encrypted at
    # rest, as an application's attachment's is (cases.Attachment.display_name).
    statement_file_name = EncryptedCharField("原文件名", max_length=120, blank=True)
    statement_content_type = models.CharField("类型", max_length=50, blank=True)
    stated_at = models.DateTimeField("陈述申辩时间", null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="启动人"
    )
    started_at = models.DateTimeField("启动时间", auto_now_add=True)

    class Meta:
        verbose_name = "撤销注册与强制注销"
        verbose_name_plural = "撤销注册与强制注销"
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.registration}"

    @property
    def kind_enum(self) -> ProceedingKind:
        return ProceedingKind(self.kind)
