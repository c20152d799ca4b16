"""What every outbox's admin page is (the SMS, the records for the province's systems, the
好差评 pushes): read-only, since a status typed in by hand would bypass the outbox's rules,
with one action, 「重新发送」 of rows that failed for good, through the same service a script
would use. Each page says what its rows are called and how one is sent again."""

from __future__ import annotations

from typing import ClassVar, TypeVar

from django.contrib import admin, messages
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from audit.adminhooks import AuditedAdmin
from lib.errors import ApplicationError
from notifications.outbox import OutboxStatus

_M = TypeVar("_M", bound=Model)


class OutboxAdmin(AuditedAdmin[_M]):
    actions = ["resend"]
    # The permission that allows 「重新发送」 ("app.change_model").
    resend_permission: ClassVar[str]
    # The messages after 「重新发送」, with {count} (and {failed}: the 失败 status's label).
    resent_message: ClassVar[str]
    skipped_message: ClassVar[str]

    def retry(self, obj: _M) -> None:
        """Send `obj` again; ApplicationError where it has not failed for good."""
        raise NotImplementedError

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: _M | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: _M | None = None) -> bool:
        return False

    def has_resend_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(self.resend_permission)

    @admin.action(description="重新发送", permissions=["resend"])
    def resend(self, request: HttpRequest, queryset: QuerySet[_M]) -> None:
        resent = skipped = 0
        for obj in queryset:
            try:
                self.retry(obj)
            except ApplicationError:
                skipped += 1
            else:
                resent += 1
        if resent:
            self.message_user(request, self.resent_message.format(count=resent), messages.SUCCESS)
        if skipped:
            text = self.skipped_message.format(count=skipped, failed=OutboxStatus.FAILED.label)
            self.message_user(request, text, messages.WARNING)
