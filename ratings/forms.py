"""Forms of 好差评: they check what was typed; ratings.services decides and writes."""

from __future__ import annotations

from typing import Any

from django import forms

from lib.forms import PortalForm
from lib.names import FreeTextValidator
from ratings.models import BAD_LEVELS, AppealStatus, RatingIndicator, RatingLevel
from ratings.services import REPLY_MAX, TEXT_MAX
from ratings.transitions import APPEAL_OUTCOMES


class RatingForm(PortalForm):
    level = forms.ChoiceField(label="评价等级", choices=RatingLevel.choices, widget=forms.RadioSelect)
    indicators = forms.MultipleChoiceField(
        label="评价指标",
        choices=RatingIndicator.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="选择您满意或不满意的方面，可多选；选择“不满意”或“非常不满意”时至少选择一项。",
    )
    text = forms.CharField(
        label="评价内容",
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=f"选填，{TEXT_MAX}字以内。请勿填写身份证号、手机号等个人信息。",
        validators=[FreeTextValidator("评价内容")],
    )

    def clean_level(self) -> RatingLevel:
        return RatingLevel(self.cleaned_data["level"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("level") in BAD_LEVELS and not cleaned.get("indicators"):
            self.add_error("indicators", "请选择不满意的方面（至少一项），以便部门有针对性地整改")
        return cleaned


class ReplyForm(PortalForm):
    reply = forms.CharField(
        label="整改答复",
        max_length=REPLY_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="申请人可以看到。写明核实的情况和整改措施。",
        validators=[FreeTextValidator("整改答复")],
    )


class FollowUpForm(PortalForm):
    note = forms.CharField(
        label="回访情况",
        max_length=REPLY_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="回访的时间、方式（电话、短信）和申请人的意见。保存后整改办结。",
        validators=[FreeTextValidator("回访情况")],
    )


class AppealForm(PortalForm):
    reason = forms.CharField(
        label="申诉理由",
        max_length=REPLY_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="评价明显不实、与本部门办理无关等情形，写明理由和依据。由系统管理员审核，每条评价只能申诉一次。",
        validators=[FreeTextValidator("申诉理由")],
    )


class AppealDecisionForm(PortalForm):
    outcome = forms.ChoiceField(
        label="审核结果", choices=[(s.value, s.label) for s in APPEAL_OUTCOMES], widget=forms.RadioSelect
    )
    decision = forms.CharField(
        label="审核意见",
        max_length=REPLY_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="申诉成立的，该评价不计入统计，整改任务撤销；不成立的，整改继续。",
        validators=[FreeTextValidator("审核意见")],
    )

    def clean_outcome(self) -> AppealStatus:
        return AppealStatus(self.cleaned_data["outcome"])
