"""Read-only view of the outbound records for the 系统管理员: "did the 电子证照库 get it?".
The one thing to do here is to send a record that failed for good again, through the same
service a script would use."""

from __future__ import annotations

import json

from django.contrib import admin
from django.utils.html import format_html

from exchange.gateways import masked
from exchange.models import OutboundRecord
from exchange.services import outbound_retry
from notifications.outbox_admin import OutboxAdmin


@admin.register(OutboundRecord)
class OutboundRecordAdmin(OutboxAdmin[OutboundRecord]):
    # A licence record names its holder: opening one is a read of personal data.
    audit_reads = True
    resend_permission = "exchange.change_outboundrecord"
    resent_message = "已重新排队发送{count}条记录。"
    skipped_message = "{count}条记录不是“{failed}”状态，未重新发送。"

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

    def retry(self, obj: OutboundRecord) -> None:
        outbound_retry(record=obj)

    @admin.display(description="内容")
    def shown_payload(self, obj: OutboundRecord) -> str:
        # The ID number masked here too: staff check what was sent, not whose number it is.
        text = json.dumps(masked(obj.payload), ensure_ascii=False, indent=2, sort_keys=True)
        return format_html("<pre>{}</pre>", text)
