"""Checking the whole trail: the table from the last archive's MAC to the chain's end
(`AuditHead`), the archives' links to one another, and an archive file against its row.

The table is read in id order, a batch at a time (keyset pages), so memory stays flat however
many rows there are. Only rows up to the head read at the start are checked: a row written
meanwhile joins the chain after that head (ids are taken under the head's lock) and waits for
the next run."""

from __future__ import annotations

import hmac
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import IO, Any

from django.core.files.storage import Storage, default_storage

from audit.chain import ARCHIVE_FIELDS, GENESIS, ChainFault, archive_mac, chain_check, head_mac, row_export
from audit.models import AuditArchive, AuditEvent, AuditHead
from lib.sm3 import sm3_chunks

VERIFY_BATCH = 2000
READ_CHUNK = 64 * 1024


@dataclass(frozen=True)
class VerifyReport:
    """What a check found: the first fault (None when whole) and how many rows it read."""

    fault: ChainFault | None
    count: int

    @property
    def ok(self) -> bool:
        return self.fault is None

    def message(self) -> str:
        if self.fault is None:
            return f"审计记录完整：{self.count} 条"
        return f"审计记录校验失败：{self.fault}"


class _Ends:
    """Passes rows through, noting the first and last id seen (the walk itself is one pass)."""

    def __init__(self, rows: Iterable[dict[str, Any]]) -> None:
        self._rows = rows
        self.first_id = 0
        self.last_id = 0

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for row in self._rows:
            self.last_id = int(row["id"])
            self.first_id = self.first_id or self.last_id
            yield row


def _table_rows(*, up_to: int, batch_size: int) -> Iterator[dict[str, Any]]:
    last = 0
    while True:
        batch: list[dict[str, Any]] = [
            dict(row)
            for row in AuditEvent.objects.filter(id__gt=last, id__lte=up_to)
            .order_by("id")
            .values()[:batch_size]
        ]
        if not batch:
            return
        yield from batch
        last = int(batch[-1]["id"])


def _head_sealed(head: AuditHead) -> bool:
    try:
        expected = head_mac(
            last_id=head.last_id, last_mac=head.last_mac, count=head.count, key_id=head.key_id
        )
    except KeyError:  # a key id this installation lacks, or none at all
        return False
    return hmac.compare_digest(expected, head.mac)


def _archive_sealed(archive: AuditArchive) -> bool:
    try:
        expected = archive_mac(
            {name: getattr(archive, name) for name in ARCHIVE_FIELDS}, key_id=archive.key_id
        )
    except KeyError:
        return False
    return hmac.compare_digest(expected, archive.mac)


def _archives_check() -> tuple[ChainFault | None, str, int, int]:
    """The archives, oldest first, each beginning where the one before ended. Returns the
    first fault, then the MAC and id the table goes on from and how many rows were archived."""
    mac, last_id, count = GENESIS, 0, 0
    for archive in AuditArchive.objects.order_by("first_id"):
        if not _archive_sealed(archive):
            fault = ChainFault(archive.first_id, f"归档 {archive.name} 的记录被改动（校验码不符）")
            return fault, mac, last_id, count
        if archive.first_prev_mac != mac or archive.first_id <= last_id:
            fault = ChainFault(archive.first_id, f"归档 {archive.name} 与前一段不相接（有归档被删除或替换）")
            return fault, mac, last_id, count
        mac, last_id, count = archive.last_mac, archive.last_id, count + archive.count
    return None, mac, last_id, count


def table_verify(*, batch_size: int = VERIFY_BATCH) -> VerifyReport:
    """Check the table's rows against the chain, from the last archive's MAC (or GENESIS) to
    the head: a changed, inserted or removed row, and rows cut off at the end, are found."""
    head = AuditHead.objects.filter(pk=1).first()
    head_id, head_mac, head_count = (head.last_id, head.last_mac, head.count) if head else (0, GENESIS, 0)
    if head is not None and (head.count or head.mac) and not _head_sealed(head):
        return VerifyReport(ChainFault(head_id, "审计链末端被改动（末端校验码不符）"), 0)
    fault, start_mac, archived_to, archived = _archives_check()
    if fault is not None:
        return VerifyReport(fault, 0)
    rows = _Ends(_table_rows(up_to=head_id, batch_size=batch_size))
    fault, mac, count = chain_check(rows, start_mac=start_mac)
    if fault is not None:
        return VerifyReport(fault, archived + count)
    total = archived + count
    if mac != head_mac or total != head_count:
        last_seen = rows.last_id or archived_to
        if total < head_count:
            reason = (
                f"末尾的记录被删除（审计链末端为第 {head_id} 条、共 {head_count} 条；"
                f"现存最后一条为第 {last_seen} 条、共 {total} 条）"
            )
        else:
            reason = f"审计链末端与记录不符（末端为第 {head_id} 条、共 {head_count} 条；读到 {total} 条）"
        return VerifyReport(ChainFault(head_id, reason), total)
    return VerifyReport(None, total)


# --- archive files ---------------------------------------------------------------------------


def archive_line(row: Mapping[str, Any]) -> bytes:
    """One row of an archive file: every field, as the MAC reads it, on one JSON line."""
    line = json.dumps(row_export(row), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return line.encode() + b"\n"


def _file_rows(handle: IO[bytes]) -> Iterator[dict[str, Any]]:
    for line in handle:
        if line.strip():
            row: dict[str, Any] = json.loads(line)
            yield row


def archive_find(name: str) -> AuditArchive | None:
    """The archive row of a file, named as stored (`audit-archive/…`) or by its base name."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return (
        AuditArchive.objects.filter(name=name).first()
        or AuditArchive.objects.filter(name__endswith=f"/{base}").first()
    )


def archive_verify(
    *,
    archive: AuditArchive,
    open_file: Callable[[], IO[bytes]] | None = None,
    storage: Storage | None = None,
) -> VerifyReport:
    """Check an archive file against its row: the file's SM3, the chain inside it from the
    row's first_prev_mac, and its ends (first and last id, last MAC, count). `open_file`
    opens the copy to check (a file copied out of storage); by default the stored one."""
    store = storage or default_storage

    def opened() -> IO[bytes]:
        if open_file is not None:
            return open_file()
        handle: IO[bytes] = store.open(archive.name, "rb")
        return handle

    with opened() as handle:
        digest = sm3_chunks(iter(lambda: handle.read(READ_CHUNK), b"")).hex()
    if digest != archive.sm3:
        return VerifyReport(ChainFault(archive.first_id, f"归档文件 {archive.name} 的 SM3 与登记不符"), 0)
    with opened() as handle:
        rows = _Ends(_file_rows(handle))
        fault, mac, count = chain_check(rows, start_mac=archive.first_prev_mac)
    if fault is not None:
        return VerifyReport(fault, count)
    found = (rows.first_id, rows.last_id, mac, count)
    if found != (archive.first_id, archive.last_id, archive.last_mac, archive.count):
        reason = (
            f"归档文件 {archive.name} 的首尾与登记不符（文件为第 {rows.first_id}–{rows.last_id} 条、"
            f"共 {count} 条；登记为第 {archive.first_id}–{archive.last_id} 条、共 {archive.count} 条）"
        )
        return VerifyReport(ChainFault(archive.first_id, reason), count)
    return VerifyReport(None, count)
