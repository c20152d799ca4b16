"""Writes of the open API: relying parties registered, their secrets reset, and suspended or
resumed by the 系统管理员 (the admin calls these). Each is audited in its own transaction."""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import User
from api.models import ApiScope, RelyingParty
from audit.models import AuditAction
from audit.services import audit_record

APP_KEY_BYTES = 12  # 24 hex digits: names the party, is no secret
SECRET_BYTES = 32  # 43 characters of base64url: typed into a config file, never by hand


def _secret_new() -> str:
    return secrets.token_urlsafe(SECRET_BYTES)


def relying_party_create(
    *,
    name: str,
    contact: str,
    scopes: Iterable[ApiScope],
    per_minute: int,
    per_day: int,
    actor: User,
    request: HttpRequest | None = None,
) -> tuple[RelyingParty, str]:
    """Register a relying party with a new app key and secret; return it and the secret,
    which is shown to the administrator once and never again."""
    secret = _secret_new()
    with transaction.atomic():
        party = RelyingParty.objects.create(
            name=name,
            contact=contact,
            app_key=secrets.token_hex(APP_KEY_BYTES),
            secret=secret,
            scopes=sorted({ApiScope(s).value for s in scopes}),
            per_minute=per_minute,
            per_day=per_day,
        )
        audit_record(
            action=AuditAction.API_CLIENT_CHANGE,
            request=request,
            actor=actor,
            obj=party,
            label=party.name,
            detail={"操作": "登记", "权限范围": party.scopes},
        )
    return party, secret


def relying_party_secret_reset(
    *, party: RelyingParty, actor: User, request: HttpRequest | None = None
) -> str:
    """Give the party a new secret (the old one stops working at once); return it."""
    secret = _secret_new()
    with transaction.atomic():
        locked = RelyingParty.objects.select_for_update().get(pk=party.pk)
        locked.secret = secret
        locked.secret_set_at = timezone.now()
        locked.save(update_fields=["secret", "secret_set_at"])
        audit_record(
            action=AuditAction.API_CLIENT_CHANGE,
            request=request,
            actor=actor,
            obj=locked,
            label=locked.name,
            detail={"操作": "重置密钥"},
        )
    return secret


def relying_party_suspend(
    *, party: RelyingParty, suspended: bool, actor: User, request: HttpRequest | None = None
) -> RelyingParty:
    """Suspend (or resume) the party. Every request reads the row, so its next call is
    refused: nothing caches a party."""
    with transaction.atomic():
        locked = RelyingParty.objects.select_for_update().get(pk=party.pk)
        locked.suspended = suspended
        locked.save(update_fields=["suspended"])
        audit_record(
            action=AuditAction.API_CLIENT_CHANGE,
            request=request,
            actor=actor,
            obj=locked,
            label=locked.name,
            detail={"操作": "暂停" if suspended else "恢复"},
        )
    return locked
