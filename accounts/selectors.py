from __future__ import annotations

from accounts.models import Enterprise, User


def enterprise_for_user(*, user: User) -> Enterprise | None:
    return Enterprise.objects.filter(user=user).first()
