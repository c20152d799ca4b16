"""The one way rows enter the audit trail (`audit_record`), and the one way they leave it
(`audit_rows_archive`, after the retention period, into a checked archive file)."""

from __future__ import annotations

import json
import logging
import tempfile
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.files import File
from django.core.files.storage import Storage, default_storage
from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone

from audit.chain import ARCHIVE_FIELDS, GENESIS, archive_mac, audit_keyring, head_mac, row_mac
from audit.models import AuditAction, AuditArchive, AuditEvent, AuditHead, AuditResult
from audit.verify import archive_line, archive_verify
from lib.logs import request_id_get
from lib.ratelimit import client_ip
from lib.requesttext import control_characters_escaped
from lib.sm3 import sm3_chunks
from lib.storage import orphans_delete

logger = logging.getLogger(__name__)


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
            object_label=control_characters_escaped(label)[:100],
            subject_id=subject_id,
            # Stored as it reads back from JSON, so that the MAC covers what verification sees.
            detail=_json_normal(detail or {}),
            key_id=keyring.current_id,
            prev_mac=head.last_mac,
            **_actor_fields(actor),
        )
        event.mac = row_mac(_row(event), keyring=keyring)
        event.save(force_insert=True)
        count = head.count + 1  # the head is locked: nobody else counts meanwhile
        AuditHead.objects.filter(pk=1).update(
            last_id=event.pk,
            last_mac=event.mac,
            count=count,
            key_id=keyring.current_id,
            mac=head_mac(
                last_id=event.pk, last_mac=event.mac, count=count, key_id=keyring.current_id, keyring=keyring
            ),
        )
    return event


def _row(event: AuditEvent) -> dict[str, Any]:
    return {field.attname: getattr(event, field.attname) for field in AuditEvent._meta.concrete_fields}


def _json_normal(detail: Mapping[str, Any]) -> dict[str, Any]:
    normal: dict[str, Any] = json.loads(json.dumps(_escaped(dict(detail)), ensure_ascii=False))
    return normal


def _escaped(value: Any) -> Any:
    # A control character someone typed or sent (an address, a login name) is kept as "\x00"
    # text: PostgreSQL's jsonb refuses a NUL, and the row must be written whatever came in.
    if isinstance(value, str):
        return control_characters_escaped(value)
    if isinstance(value, Mapping):
        return {_escaped(k): _escaped(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_escaped(v) for v in value]
    return value


# --- retention --------------------------------------------------------------------------------

ARCHIVE_PREFIX = "audit-archive"
# Rows per archive file: a file of ~30 MB, written through a temporary file, never in memory.
ARCHIVE_MAX_ROWS = 50_000
ARCHIVE_READ_BATCH = 2000


class ArchiveError(Exception):
    """The archive file did not read back as written: nothing was removed."""


def _archive_range(*, cutoff: datetime, max_rows: int) -> tuple[int, int, int] | None:
    """(first id, last id, count) of the oldest rows to archive: the table's first rows, in id
    order, up to the first row not older than `cutoff`. A prefix, so that the table's chain
    goes on from the archive's last MAC."""
    young = AuditEvent.objects.filter(at__gte=cutoff).order_by("id").values_list("id", flat=True).first()
    old = AuditEvent.objects.order_by("id")
    if young is not None:
        old = old.filter(id__lt=young)
    ids = list(old.values_list("id", flat=True)[:max_rows])
    return (ids[0], ids[-1], len(ids)) if ids else None


def _archive_write(*, first_id: int, last_id: int, name: str, storage: Storage) -> str:
    """Write the rows to `name`, streamed through a temporary file; return its SM3."""
    with tempfile.TemporaryFile() as spool:
        last = first_id - 1
        while True:
            batch = list(
                AuditEvent.objects.filter(id__gt=last, id__lte=last_id)
                .order_by("id")
                .values()[:ARCHIVE_READ_BATCH]
            )
            if not batch:
                break
            for row in batch:
                spool.write(archive_line(row))
            last = int(batch[-1]["id"])
        spool.seek(0)
        digest = sm3_chunks(iter(lambda: spool.read(64 * 1024), b"")).hex()
        spool.seek(0)
        # A file of this name without its row was left by a run that died before the delete:
        # it is replaced, not kept beside a second copy.
        if storage.exists(name):
            storage.delete(name)
        saved = storage.save(name, File(spool))
    if saved != name:
        storage.delete(saved)
        raise ArchiveError(f"归档文件 {name} 已被占用，存成了 {saved}")
    return digest


def audit_rows_archive(
    *, now: datetime | None = None, storage: Storage | None = None, max_rows: int = ARCHIVE_MAX_ROWS
) -> AuditArchive | None:
    """Move the oldest rows older than AUDIT_RETENTION_DAYS (at most `max_rows`) to an archive
    file under `audit-archive/`; return its row, or None when nothing is due.

    The order is what makes a crash harmless: the file is written, read back and checked
    (SM3, chain, ends) first; only then, in one transaction, the AuditArchive row is created
    and the rows removed. A run that dies before that transaction has removed nothing; the
    next one writes the same rows again and replaces the file. Two hosts at once: the second
    finds the range archived under the head's lock and does nothing."""
    now = now or timezone.now()
    store = storage or default_storage
    # Files that a run which died long ago left without a row (a different range than today's).
    orphans_delete(
        prefix=ARCHIVE_PREFIX,
        referenced=lambda names: set(
            AuditArchive.objects.filter(name__in=names).values_list("name", flat=True)
        ),
        older_than=now - timedelta(seconds=settings.ORPHAN_GRACE_SECONDS),
        storage=store,
    )
    found = _archive_range(cutoff=now - timedelta(days=settings.AUDIT_RETENTION_DAYS), max_rows=max_rows)
    if found is None:
        return None
    first_id, last_id, count = found
    first = AuditEvent.objects.values("prev_mac").get(pk=first_id)
    last = AuditEvent.objects.values("mac").get(pk=last_id)
    name = f"{ARCHIVE_PREFIX}/audit-{first_id:012d}-{last_id:012d}.jsonl"
    archive = AuditArchive(
        name=name,
        first_id=first_id,
        last_id=last_id,
        first_prev_mac=first["prev_mac"],
        last_mac=last["mac"],
        count=count,
        sm3=_archive_write(first_id=first_id, last_id=last_id, name=name, storage=store),
        created_at=now,
        key_id=audit_keyring().current_id,
    )
    archive.mac = archive_mac(
        {name: getattr(archive, name) for name in ARCHIVE_FIELDS}, key_id=archive.key_id
    )
    report = archive_verify(archive=archive, storage=store)
    if not report.ok:
        raise ArchiveError(f"归档文件 {name} 校验未通过，未删除任何记录：{report.message()}")
    return _archive_commit(archive=archive)


def _archive_commit(*, archive: AuditArchive) -> AuditArchive | None:
    with transaction.atomic():
        # The head's lock: one archiver at a time, and the range is read again under it.
        AuditHead.objects.select_for_update().filter(pk=1).first()
        if AuditArchive.objects.filter(last_id__gte=archive.first_id).exists():
            logger.warning("audit rows %d–%d were archived by another run", archive.first_id, archive.last_id)
            return None
        archive.save(force_insert=True)
        deleted, _ = AuditEvent.objects.filter(id__gte=archive.first_id, id__lte=archive.last_id).delete()
        if deleted != archive.count:
            # Rows changed since the file was written: keep everything, try again tomorrow.
            raise ArchiveError(f"第 {archive.first_id}–{archive.last_id} 条记录在归档期间有变化，未删除")
        audit_record(
            action=AuditAction.AUDIT_ARCHIVE,
            obj=archive,
            label=archive.name.rsplit("/", 1)[-1][:100],
            detail={"条数": archive.count, "首条": archive.first_id, "末条": archive.last_id},
        )
    return archive
