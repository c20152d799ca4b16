"""The 系统管理员's page of relying parties (accounts/roles.py): register one (the app key and
secret are made by `api.services` and the secret is shown on the answer to that one request,
never stored anywhere readable, never shown again), change its name, contact, scopes and
limits, reset its secret, suspend or resume it. No deletion: the audit trail names it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from accounts.selectors import request_user
from api.models import ApiScope, RelyingParty
from api.services import relying_party_create, relying_party_secret_reset, relying_party_suspend
from audit.adminhooks import AuditedAdmin


class RelyingPartyForm(forms.ModelForm):  # type: ignore[type-arg]
    scopes = forms.MultipleChoiceField(
        label="权限范围",
        choices=ApiScope.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="只勾选调用方业务需要的接口",
    )

    class Meta:
        model = RelyingParty
        fields = ["name", "contact", "scopes", "per_minute", "per_day"]

    def clean_per_minute(self) -> int:
        value: int = self.cleaned_data["per_minute"]
        if value < 1:
            raise forms.ValidationError("每分钟调用上限至少为1")
        return value

    def clean_per_day(self) -> int:
        value: int = self.cleaned_data["per_day"]
        if value < 1:
            raise forms.ValidationError("每日调用上限至少为1")
        return value


@admin.register(RelyingParty)
class RelyingPartyAdmin(AuditedAdmin[RelyingParty]):
    audit_reads = True  # the contact is a person's name and telephone
    form = RelyingPartyForm
    list_display = ["name", "app_key", "scope_labels", "per_minute", "per_day", "suspended", "secret_set_at"]
    list_filter = ["suspended"]
    search_fields = ["name", "app_key"]
    readonly_fields = ["app_key", "suspended", "created_at", "secret_set_at"]
    actions = ["reset_secret", "suspend", "resume"]

    @admin.display(description="权限范围")
    def scope_labels(self, obj: RelyingParty) -> str:
        return "、".join(str(ApiScope(s).label) for s in obj.scopes if s in ApiScope.values)

    def has_manage_permission(self, request: HttpRequest) -> bool:
        # The actions (reset, suspend, resume) are changes to the party.
        return self.has_change_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: RelyingParty | None = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: RelyingParty, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        party, secret = relying_party_create(
            name=obj.name,
            contact=obj.contact,
            scopes=[ApiScope(s) for s in form.cleaned_data["scopes"]],
            per_minute=obj.per_minute,
            per_day=obj.per_day,
            actor=request_user(request),
            request=request,
        )
        # The admin goes on with `obj` (its log entry, the answer): the row the service made.
        obj.pk, obj.app_key, obj.secret = party.pk, party.app_key, party.secret
        obj._state.adding = False
        request._api_secret_shown = secret  # type: ignore[attr-defined]  # for response_add only

    def response_add(
        self, request: HttpRequest, obj: RelyingParty, post_url_continue: str | None = None
    ) -> HttpResponse:
        secret = getattr(request, "_api_secret_shown", None)
        if secret is None:
            return super().response_add(request, obj, post_url_continue)
        return self._secret_page(request, obj, secret, made="登记")

    def _secret_page(
        self, request: HttpRequest, party: RelyingParty, secret: str, *, made: str
    ) -> HttpResponse:
        # Rendered on the answer to the POST itself, not after a redirect: the secret is never
        # put in a message, a session or a cookie on its way to the page.
        context = {
            **self.admin_site.each_context(request),
            "title": f"接口调用方已{made}：{party.name}",
            "party": party,
            "secret": secret,
            "opts": self.model._meta,
        }
        response = TemplateResponse(request, "api/secret_shown.html", context)
        response["Cache-Control"] = "private, no-store"
        return response

    @admin.action(description="重置所选调用方的密钥（旧密钥立即失效）", permissions=["manage"])
    def reset_secret(self, request: HttpRequest, queryset: QuerySet[RelyingParty]) -> HttpResponse | None:
        if queryset.count() != 1:
            self.message_user(request, "一次只能重置一个调用方的密钥", messages.ERROR)
            return None
        party = queryset.get()
        secret = relying_party_secret_reset(party=party, actor=request_user(request), request=request)
        return self._secret_page(request, party, secret, made="重置密钥")

    @admin.action(description="暂停所选调用方（立即生效）", permissions=["manage"])
    def suspend(self, request: HttpRequest, queryset: QuerySet[RelyingParty]) -> None:
        for party in queryset:
            relying_party_suspend(party=party, suspended=True, actor=request_user(request), request=request)
        self.message_user(request, f"已暂停 {queryset.count()} 个调用方", messages.SUCCESS)

    @admin.action(description="恢复所选调用方", permissions=["manage"])
    def resume(self, request: HttpRequest, queryset: QuerySet[RelyingParty]) -> None:
        for party in queryset:
            relying_party_suspend(party=party, suspended=False, actor=request_user(request), request=request)
        self.message_user(request, f"已恢复 {queryset.count()} 个调用方", messages.SUCCESS)
