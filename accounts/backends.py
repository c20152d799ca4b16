from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from accounts.models import User, UserKind
from accounts.services import user_authenticate
from lib.errors import ApplicationError


class PortalBackend(ModelBackend):
    """Every password check goes through the throttled service, whoever calls
    `authenticate` (a form, a test client). Staff never log in by password alone: their
    login goes through the login page's second step, so here a staff password is refused."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        kind: str = "staff",
        **kwargs: Any,
    ) -> User | None:
        if not username or password is None or kind == UserKind.STAFF:
            return None
        try:
            return user_authenticate(kind=kind, identifier=username, password=password)
        except ApplicationError:
            return None
