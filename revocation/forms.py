"""Forms of the proceedings: they check what was typed; `revocation.services` decides and writes."""

from __future__ import annotations

from typing import Any

from django import forms

from catalog.registration_types import ProceedingKind
from lib.forms import PortalForm
from lib.names import FreeTextValidator
from revocation.models import OUTCOMES, grounds_of
from revocation.services import FACTS_MAX, REASON_MAX, STATEMENT_MAX


def _text(
    label: str, *, max_length: int, rows: int = 4, help_text: str = "", required: bool = True
) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
        validators=[FreeTextValidator(label)],
    )


class RegistrationFindForm(PortalForm):
    number = forms.CharField(label="注册编号", max_length=40)


class StartForm(PortalForm):
    """启动撤销注册 / 强制注销: the ground (its legal basis follows from it) and the facts."""

    kind = forms.ChoiceField(label="程序", choices=ProceedingKind.choices, widget=forms.RadioSelect)
    ground = forms.ChoiceField(label="事由", choices=[])
    facts = _text(
        "事实和理由",
        max_length=FACTS_MAX,
        help_text="写明查明的事实、证据和理由，将写入陈述申辩告知书，持证人可见。",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ground = self.fields["ground"]
        assert isinstance(ground, forms.ChoiceField)
        ground.choices = [
            (kind.label, [(g.value, g.label) for g in grounds_of(kind)]) for kind in ProceedingKind
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind, ground = data.get("kind"), data.get("ground")
        if kind and ground and ground not in grounds_of(ProceedingKind(kind)):
            self.add_error("ground", f"该事由不属于{ProceedingKind(kind).label}，请重新选择")
        return data


class StatementForm(PortalForm):
    text = _text(
        "陈述、申辩意见",
        max_length=STATEMENT_MAX,
        rows=6,
        help_text="请写明您对拟作出决定的事实、理由和依据的意见。只能提交一次，提交后不能修改。",
    )
    file = forms.FileField(
        label="证明材料（选填）",
        required=False,
        help_text="PDF或图片（JPEG/PNG），一个文件。",
    )


class DecideForm(PortalForm):
    outcome = forms.ChoiceField(label="决定", choices=[], widget=forms.RadioSelect)
    reason = _text(
        "决定理由（复核意见）",
        max_length=REASON_MAX,
        help_text="写明对持证人陈述、申辩意见的复核情况和决定的理由，将写入决定书，持证人可见。",
    )

    def __init__(self, *args: Any, kind: ProceedingKind, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        outcome = self.fields["outcome"]
        assert isinstance(outcome, forms.ChoiceField)
        outcome.choices = [(a.value, a.label) for a in OUTCOMES[kind]]
