from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from accounts.models import User, UserKind
from accounts.roles import role_permissions
from accounts.services import user_authenticate
from lib.errors import ApplicationError


class PortalBackend(ModelBackend):
    """Every password check goes through the throttled service, whoever calls
    `authenticate` (a form, a test client). Staff never log in by password alone: their
    login goes through the login page's second step, so here a staff password is refused.

    Permissions come from the account's role alone (`accounts.roles`, 三员分立): permission
    rows given to a user or a group in the database grant nothing, so that nobody, not even
    a 系统管理员 who could edit such rows, adds a power the table does not give."""

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

    def get_user_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        return set(role_permissions(user_obj)) if obj is None else set()

    def get_group_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        return set()

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        return self.get_user_permissions(user_obj, obj)
