"""Forms of the staff workbench. They check what staff typed; the services in
`review.services` decide and write."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms

from cases.models import CaseStatus
from catalog.models import Material
from lib.forms import PortalForm
from lib.names import FreeTextValidator
from review.selectors import ALL, FINISHED
from review.services import CorrectionItem

OPINION_MAX = 1000

# The queue's tabs: a status, or a group of them (review.selectors.FINISHED, ALL).
QUEUE_TABS: list[tuple[str, str]] = [
    *(
        (status.value, str(status.label))
        for status in (CaseStatus.PENDING, CaseStatus.CORRECTION, CaseStatus.REVIEWING, CaseStatus.DECIDING)
    ),
    (FINISHED, "已办结"),
    (ALL, "全部"),
]


def _text(label: str, *, required: bool, rows: int = 3, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=OPINION_MAX,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
        validators=[FreeTextValidator(label)],
    )


class QueueFilterForm(PortalForm):
    status = forms.ChoiceField(label="状态", choices=QUEUE_TABS, required=False)
    q = forms.CharField(label="办件编号或申请人姓名", max_length=50, required=False)

    def clean_q(self) -> str:
        return str(self.cleaned_data["q"]).strip()


class AcceptForm(PortalForm):
    opinion = _text("受理意见", required=False, rows=2, help_text="选填，将记入办理记录")


class RejectForm(PortalForm):
    reason = _text("不予受理的理由", required=True, help_text="将写入不予受理决定书，申请人可见")


class ReviewForm(PortalForm):
    opinion = _text("审查意见", required=True, rows=4)


class ApproveForm(PortalForm):
    opinion = _text("审批意见", required=False, rows=2, help_text="选填，将记入办理记录")
    # Shown only when the applicant's verified name differs from the register's.
    name_confirmed = forms.BooleanField(
        label="已核实：申请人实名姓名与注册信息库中的姓名不一致的原因，确认为本人",
        required=False,
    )


class DenyForm(PortalForm):
    reason = _text("不予许可的理由", required=True, rows=4, help_text="将写入不予行政许可决定书，申请人可见")


class CorrectionForm(PortalForm):
    """一次性告知补正: a checkbox and a reason for each material of the case's 办理项. Every
    ticked material goes into one notice, so the applicant hears of everything at once."""

    opinion = _text("补充说明", required=False, rows=2, help_text="选填，将记入办理记录")

    def __init__(self, *args: Any, materials: Sequence[Material], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.materials = list(materials)
        for material in self.materials:
            self.fields[f"pick_{material.code}"] = forms.BooleanField(label=material.name, required=False)
            self.fields[f"reason_{material.code}"] = _text(
                f"{material.name}：需要补正的原因", required=False, rows=2
            )

    def rows(self) -> list[tuple[Material, forms.BoundField, forms.BoundField]]:
        return [(m, self[f"pick_{m.code}"], self[f"reason_{m.code}"]) for m in self.materials]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        picked = 0
        for material in self.materials:
            pick = bool(cleaned.get(f"pick_{material.code}"))
            reason = str(cleaned.get(f"reason_{material.code}") or "").strip()
            if pick:
                picked += 1
                if not reason:
                    self.add_error(f"reason_{material.code}", "请填写该材料需要补正的原因")
            elif reason:
                # A reason without the tick would silently drop out of a legal notice.
                self.add_error(f"pick_{material.code}", "已填写原因，请勾选该材料，或清空原因")
        if not picked and not self.errors:
            raise forms.ValidationError("请至少勾选一项需要补正的材料，并说明原因")
        return cleaned

    def correction_items(self) -> list[CorrectionItem]:
        return [
            CorrectionItem(material_code=m.code, reason=str(self.cleaned_data[f"reason_{m.code}"]).strip())
            for m in self.materials
            if self.cleaned_data.get(f"pick_{m.code}")
        ]
