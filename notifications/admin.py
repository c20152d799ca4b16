"""Read-only views of the outbox and the inbox for administrators.

Staff look here to answer "did the SMS go out?"; the one thing they may do is resend a
message that failed for good, through the same service a script would use."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from audit.adminhooks import AuditedAdmin
from lib.errors import ApplicationError
from lib.masking import mask_mobile
from notifications.models import InboxMessage, SmsMessage, SmsStatus
from notifications.services import sms_retry

# A verification code is a secret, even from administrators: these texts are never shown.
SECRET_TEMPLATES = frozenset({"verification_code"})


@admin.register(SmsMessage)
class SmsMessageAdmin(AuditedAdmin[SmsMessage]):
    audit_reads = True  # a text and its mobile

    def audit_subject(self, obj: SmsMessage) -> int | None:
        return obj.user_id

    list_display = [
        "masked_mobile",
        "status",
        "template",
        "attempts",
        "created_at",
        "sent_at",
        "last_error",
    ]
    list_filter = ["status", "template"]
    # Exact match only: a partial search would let anyone list numbers digit by digit.
    search_fields = ["=mobile"]
    search_help_text = "输入完整的11位手机号查询"
    fields = readonly_fields = (
        "masked_mobile",
        "user",
        "template",
        "shown_text",
        "status",
        "attempts",
        "next_attempt_at",
        "claimed_at",
        "provider_message_id",
        "last_error",
        "created_at",
        "sent_at",
    )
    actions = ["resend"]
    list_select_related = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: SmsMessage | None = None) -> bool:
        # Read-only: a status typed in by hand would bypass the outbox's rules.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: SmsMessage | None = None) -> bool:
        return False

    def has_resend_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("notifications.change_smsmessage")

    @admin.display(description="手机号", ordering="mobile")
    def masked_mobile(self, obj: SmsMessage) -> str:
        return mask_mobile(obj.mobile)

    @admin.display(description="短信内容")
    def shown_text(self, obj: SmsMessage) -> str:
        if obj.template in SECRET_TEMPLATES:
            return "（验证码短信，内容不予显示）"
        return obj.text

    @admin.action(description="重新发送", permissions=["resend"])
    def resend(self, request: HttpRequest, queryset: QuerySet[SmsMessage]) -> None:
        resent = skipped = 0
        for message in queryset:
            try:
                sms_retry(message=message)
            except ApplicationError:
                skipped += 1
            else:
                resent += 1
        if resent:
            self.message_user(request, f"已重新排队发送{resent}条短信。", messages.SUCCESS)
        if skipped:
            self.message_user(
                request, f"{skipped}条短信不是“{SmsStatus.FAILED.label}”状态，未重新发送。", messages.WARNING
            )


@admin.register(InboxMessage)
class InboxMessageAdmin(AuditedAdmin[InboxMessage]):
    audit_reads = True  # what a person was told about their case

    def audit_subject(self, obj: InboxMessage) -> int | None:
        return obj.user_id

    list_display = ["title", "user", "created_at", "read_at"]
    list_filter = ["created_at"]
    search_fields = ["title"]
    fields = readonly_fields = ("user", "title", "body", "link", "created_at", "read_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: InboxMessage | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: InboxMessage | None = None) -> bool:
        return False
