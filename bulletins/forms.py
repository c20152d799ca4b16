"""The public 注册公告 search: one text, matched against a batch's number and its entries'
注册编号 and 聘用企业 (never a name: they are published masked)."""

from __future__ import annotations

from django import forms

from bulletins.selectors import QUERY_MAX_LENGTH
from lib.forms import PortalForm


class BulletinSearchForm(PortalForm):
    q = forms.CharField(
        label="注册编号、企业名称或公告编号",
        max_length=QUERY_MAX_LENGTH,
        required=False,
        error_messages={"max_length": f"查询内容不能超过{QUERY_MAX_LENGTH}个字"},
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "如：辽221 或 建设工程有限公司"}),
    )
