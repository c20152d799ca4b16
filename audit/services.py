"""The one way rows enter the audit trail."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from django.db import models, transaction
from django.http import HttpRequest

from audit.chain import GENESIS, audit_keyring, row_mac
from audit.models import AuditAction, AuditEvent, AuditHead, AuditResult
from lib.logs import request_id_get
from lib.ratelimit import client_ip


def _actor_fields(actor: Any) -> dict[str, Any]:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return {"actor_id": 0, "actor_name": "", "actor_kind": "", "actor_role": "", "department": ""}
    department = getattr(actor, "department", None)
    return {
        "actor_id": int(actor.pk),
        "actor_name": str(getattr(actor, "name", "") or actor.get_username())[:100],
        "actor_kind": str(getattr(actor, "kind", ""))[:10],
        "actor_role": str(getattr(actor, "staff_role", ""))[:16],
        "department": str(department.name)[:100] if department is not None else "",
    }


def audit_record(
    *,
    action: AuditAction,
    request: HttpRequest | None = None,
    actor: Any = None,
    obj: models.Model | None = None,
    label: str = "",
    subject_id: int | None = None,
    result: AuditResult = AuditResult.SUCCESS,
    detail: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Record that `actor` (by default the request's user) did `action` to `obj`, whose
    personal data belongs to the account `subject_id`, with `result`.

    Call it inside the action's own transaction, as its last write: the row commits or rolls
    back with the action, and the chain's end stays locked for as short a time as possible.
    `label` and `detail` are shown to auditors and to the person: never a full ID number,
    mobile or code in them."""
    if actor is None and request is not None:
        actor = getattr(request, "user", None)
    keyring = audit_keyring()
    with transaction.atomic():
        # The chain's end, locked: writers join the chain one at a time, in id order.
        head = AuditHead.objects.select_for_update().filter(pk=1).first()
        if head is None:
            head = AuditHead.objects.create(pk=1, last_mac=GENESIS)
        event = AuditEvent(
            action=action,
            result=result,
            client_address=client_ip(request)[:45] if request is not None else "",
            request_id=(request_id_get() or "")[:32],
            object_type=obj._meta.label if obj is not None else "",
            object_id=str(obj.pk) if obj is not None else "",
            object_label=label[:100],
            subject_id=subject_id,
            # Stored as it reads back from JSON, so that the MAC covers what verification sees.
            detail=_json_normal(detail or {}),
            key_id=keyring.current_id,
            prev_mac=head.last_mac,
            **_actor_fields(actor),
        )
        event.mac = row_mac(_row(event), keyring=keyring)
        event.save(force_insert=True)
        AuditHead.objects.filter(pk=1).update(
            last_id=event.pk, last_mac=event.mac, count=models.F("count") + 1
        )
    return event


def _row(event: AuditEvent) -> dict[str, Any]:
    return {field.attname: getattr(event, field.attname) for field in AuditEvent._meta.concrete_fields}


def _json_normal(detail: Mapping[str, Any]) -> dict[str, Any]:
    normal: dict[str, Any] = json.loads(json.dumps(dict(detail), ensure_ascii=False))
    return normal
