"""Read-only views of the outbox and the inbox for administrators.

Staff look here to answer "did the SMS go out?"; the one thing they may do is resend a
message that failed for good, through the same service a script would use."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from audit.adminhooks import AuditedAdmin
from lib.datacrypt import mobile_index
from lib.masking import mask_mobile
from notifications.models import InboxMessage, SmsMessage
from notifications.outbox_admin import OutboxAdmin
from notifications.services import sms_retry

# A verification code is a secret, even from administrators: these texts are never shown.
SECRET_TEMPLATES = frozenset({"verification_code"})


@admin.register(SmsMessage)
class SmsMessageAdmin(OutboxAdmin[SmsMessage]):
    audit_reads = True  # a text and its mobile
    resend_permission = "notifications.change_smsmessage"
    resent_message = "已重新排队发送{count}条短信。"
    skipped_message = "{count}条短信不是“{failed}”状态，未重新发送。"

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
    # Exact match only, by the blind index (the number is stored encrypted): a partial search
    # would let anyone list numbers digit by digit, and cannot work on ciphertext anyway.
    search_fields = ["=mobile_index"]
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
    list_select_related = False

    def retry(self, obj: SmsMessage) -> None:
        sms_retry(message=obj)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[SmsMessage], search_term: str
    ) -> tuple[QuerySet[SmsMessage], bool]:
        return super().get_search_results(request, queryset, mobile_index(search_term) if search_term else "")

    @admin.display(description="手机号")
    def masked_mobile(self, obj: SmsMessage) -> str:
        return mask_mobile(obj.mobile)

    @admin.display(description="短信内容")
    def shown_text(self, obj: SmsMessage) -> str:
        if obj.template in SECRET_TEMPLATES:
            return "（验证码短信，内容不予显示）"
        return str(obj.text)


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
