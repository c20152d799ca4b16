"""The public 注册人员查询 form: both 姓名 and 注册编号, normalised the way people type them."""

from __future__ import annotations

from django import forms

from lib.forms import PortalForm


class RegisterQueryForm(PortalForm):
    # CharField strips the ends (full-width spaces too) before checking `required`, so a field
    # of spaces alone is missing. Inner spaces of a name are kept: a foreign name has them.
    name = forms.CharField(
        label="姓名",
        max_length=100,
        error_messages={"required": "请输入姓名", "max_length": "姓名不能超过100个字"},
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "请输入注册人员姓名"}),
    )
    number = forms.CharField(
        label="注册编号",
        max_length=60,
        error_messages={"required": "请输入注册编号", "max_length": "注册编号过长，请核对"},
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "请输入证书上的注册编号"}),
    )

    def clean_number(self) -> str:
        # A number copied from a certificate may carry spaces between its groups.
        return "".join(str(self.cleaned_data["number"]).split())
