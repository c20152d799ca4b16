"""Read-only view of the 好差评 pushes for the 系统管理员: "did the provincial system get this
rating?". The one thing to do here is to push a rating that failed for good again, through
the same service a script would use (as for the SMS and the data-sharing records)."""

from __future__ import annotations

import json

from django.contrib import admin
from django.utils.html import format_html

from notifications.outbox_admin import OutboxAdmin
from ratings.models import RatingPush
from ratings.services import rating_payload, rating_push_retry


@admin.register(RatingPush)
class RatingPushAdmin(OutboxAdmin[RatingPush]):
    resend_permission = "ratings.change_ratingpush"
    resent_message = "已重新排队推送{count}条评价。"
    skipped_message = "{count}条评价不是“{failed}”状态，未重新发送。"
    # What is pushed names a case, never a person (`rating_payload`): a read is not audited,
    # as the data-sharing records of cases are not.
    list_display = [
        "case_number",
        "level",
        "status",
        "attempts",
        "created_at",
        "sent_at",
        "receipt",
        "last_error",
    ]
    list_filter = ["status"]
    list_select_related = ["rating__case"]
    # Exact: the 办件编号 is what the province and the department ask about.
    search_fields = ["=rating__case__number"]
    search_help_text = "输入完整的办件编号查询"
    fields = readonly_fields = (
        "case_number",
        "level",
        "rating_uuid",
        "shown_payload",
        "status",
        "attempts",
        "next_attempt_at",
        "claimed_at",
        "receipt",
        "last_error",
        "created_at",
        "sent_at",
    )

    def retry(self, obj: RatingPush) -> None:
        rating_push_retry(push=obj)

    @admin.display(description="办件编号", ordering="rating__case__number")
    def case_number(self, obj: RatingPush) -> str:
        return obj.rating.case.number or "—"

    @admin.display(description="评价等级")
    def level(self, obj: RatingPush) -> str:
        return str(obj.rating.get_level_display())

    @admin.display(description="评价编号（幂等键）")
    def rating_uuid(self, obj: RatingPush) -> str:
        return str(obj.rating.uuid)

    @admin.display(description="推送内容")
    def shown_payload(self, obj: RatingPush) -> str:
        # What the worker sends on the next try, built as it builds it.
        text = json.dumps(rating_payload(obj.rating), ensure_ascii=False, indent=2, sort_keys=True)
        return format_html("<pre>{}</pre>", text)
