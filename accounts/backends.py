from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from accounts.models import User
from accounts.services import AccountError, user_authenticate


class PortalBackend(ModelBackend):
    """Every password check goes through the throttled service, whoever calls
    `authenticate` (the login page, the admin, a test client)."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        kind: str = "staff",
        **kwargs: Any,
    ) -> User | None:
        if not username or password is None:
            return None
        try:
            return user_authenticate(kind=kind, identifier=username, password=password)
        except AccountError:
            return None
