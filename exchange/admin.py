"""Read-only view of the outbound records for the 系统管理员: "did the 电子证照库 get it?".
The one thing to do here is to send a record that failed for good again, through the same
service a script would use."""

from __future__ import annotations

import json

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from audit.adminhooks import AuditedAdmin
from exchange.gateways import masked
from exchange.models import OutboundRecord, OutboundStatus
from exchange.services import outbound_retry
from lib.errors import ApplicationError


@admin.register(OutboundRecord)
class OutboundRecordAdmin(AuditedAdmin[OutboundRecord]):
    # A licence record names its holder: opening one is a read of personal data.
    audit_reads = True

    list_display = [
        "subject",
        "channel",
        "event",
        "status",
        "attempts",
        "occurred_at",
        "sent_at",
        "last_error",
    ]
    list_filter = ["status", "channel", "event"]
    # Exact: 电子证照标识 and 办件编号 are what staff are asked about.
    search_fields = ["=subject"]
    search_help_text = "输入完整的电子证照标识或办件编号查询"
    fields = readonly_fields = (
        "channel",
        "event",
        "subject",
        "key",
        "shown_payload",
        "occurred_at",
        "status",
        "attempts",
        "next_attempt_at",
        "claimed_at",
        "receipt",
        "last_error",
        "created_at",
        "sent_at",
    )
    actions = ["resend"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: OutboundRecord | None = None) -> bool:
        # Read-only: a status typed in by hand would bypass the outbox's rules.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: OutboundRecord | None = None) -> bool:
        return False

    def has_resend_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("exchange.change_outboundrecord")

    @admin.display(description="内容")
    def shown_payload(self, obj: OutboundRecord) -> str:
        # The ID number masked here too: staff check what was sent, not whose number it is.
        text = json.dumps(masked(obj.payload), ensure_ascii=False, indent=2, sort_keys=True)
        return format_html("<pre>{}</pre>", text)

    @admin.action(description="重新发送", permissions=["resend"])
    def resend(self, request: HttpRequest, queryset: QuerySet[OutboundRecord]) -> None:
        resent = skipped = 0
        for record in queryset:
            try:
                outbound_retry(record=record)
            except ApplicationError:
                skipped += 1
            else:
                resent += 1
        if resent:
            self.message_user(request, f"已重新排队发送{resent}条记录。", messages.SUCCESS)
        if skipped:
            self.message_user(
                request,
                f"{skipped}条记录不是“{OutboundStatus.FAILED.label}”状态，未重新发送。",
                messages.WARNING,
            )
