"""Reads for notifications, scoped to the person asking."""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from notifications.models import InboxMessage


def inbox_list_for_user(*, user: AbstractBaseUser) -> QuerySet[InboxMessage]:
    """The user's 站内消息, newest first."""
    return InboxMessage.objects.filter(user_id=user.pk).order_by("-created_at", "-id")


def inbox_unread_count(*, user: AbstractBaseUser) -> int:
    return InboxMessage.objects.filter(user_id=user.pk, read_at__isnull=True).count()


def inbox_message_get_for_user(*, user: AbstractBaseUser, pk: int) -> InboxMessage:
    """One of the user's messages; someone else's message is a 404, as if it did not exist."""
    return get_object_or_404(InboxMessage, pk=pk, user_id=user.pk)
