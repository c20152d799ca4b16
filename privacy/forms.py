"""Forms of 我的信息: they check what was typed; privacy.services decides and writes."""

from __future__ import annotations

from typing import Any

from django import forms

from lib.forms import PortalForm
from lib.names import FreeTextValidator
from privacy.models import CorrectionStatus
from privacy.services import DESCRIPTION_MAX
from privacy.transitions import OUTCOMES


class CorrectionForm(PortalForm):
    description = forms.CharField(
        label="需要更正的内容",
        max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="请写明哪项信息有误、正确的内容是什么，例如：注册信息中的聘用企业名称应为“……”。"
        "受理人员核实后答复，答复会显示在本页并发送站内消息。",
        validators=[FreeTextValidator("需要更正的内容")],
    )


class CorrectionCloseForm(PortalForm):
    outcome = forms.ChoiceField(
        label="办理结果",
        choices=[(s.value, s.label) for s in OUTCOMES],
        widget=forms.RadioSelect,
    )
    reply = forms.CharField(
        label="答复",
        max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="申请人可以看到。更正完成的写明更正了什么；不予更正的写明理由和依据。",
        validators=[FreeTextValidator("答复")],
    )

    def clean_outcome(self) -> CorrectionStatus:
        return CorrectionStatus(self.cleaned_data["outcome"])


class AccountCloseForm(PortalForm):
    password = forms.CharField(label="登录密码", strip=False, widget=forms.PasswordInput)
    understood = forms.BooleanField(label="我已了解上述说明，确认注销账号")

    def __init__(self, *args: Any, with_password: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not with_password:
            # An account made by 统一身份认证 has no password: a recent login proves its holder
            # instead (privacy.services.account_close).
            del self.fields["password"]
