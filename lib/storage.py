"""Writing files (attachments, certificate copies) to the default storage, and sweeping it.

- `file_save`: a full disk, a failing disk or an unreachable object store raises
  `StorageUnavailable`, whose Chinese message the user sees with HTTP 503
  (portal.middleware.StorageUnavailableMiddleware); whatever was half written is removed, so
  neither a partial nor a 0-byte file stays behind.
- `orphans_delete`: files under a prefix that no row references and that are older than a
  grace period (a worker or web process that died between writing the file and its row) are
  deleted in batches. `listdir` and `get_modified_time` work alike on FileSystemStorage and
  S3Storage."""

from __future__ import annotations

import errno
import logging
from collections.abc import Callable, Iterator
from datetime import datetime

from django.core.files.base import ContentFile, File
from django.core.files.storage import Storage, default_storage

logger = logging.getLogger(__name__)

STORAGE_FULL_MESSAGE = "系统存储空间暂时不足，文件未保存，请稍后再试"
STORAGE_DOWN_MESSAGE = "文件存储暂时不可用，文件未保存，请稍后再试"

_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT}
_FULL_S3_CODES = {"XMinioStorageFull", "QuotaExceeded", "StorageFull"}


class StorageUnavailable(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _storage_errors() -> tuple[type[BaseException], ...]:
    import boto3.exceptions  # type: ignore[import-untyped]
    import botocore.exceptions  # type: ignore[import-untyped]

    return (
        OSError,
        botocore.exceptions.BotoCoreError,
        botocore.exceptions.ClientError,
        boto3.exceptions.Boto3Error,
    )


def _storage_full(error: BaseException) -> bool:
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, OSError) and seen.errno in _FULL_ERRNOS:
            return True
        response = getattr(seen, "response", None)
        if isinstance(response, dict) and response.get("Error", {}).get("Code") in _FULL_S3_CODES:
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def storage_error_message(error: BaseException) -> str | None:
    """The user's message for a storage failure, or None if `error` is not one."""
    if not isinstance(error, _storage_errors()):
        return None
    return STORAGE_FULL_MESSAGE if _storage_full(error) else STORAGE_DOWN_MESSAGE


def file_save(name: str, content: bytes | File[bytes], *, storage: Storage | None = None) -> str:
    """Save `content` under `name` (or a free name like it); return the name used."""
    storage = storage or default_storage
    target = storage.get_available_name(name)
    try:
        return storage.save(target, ContentFile(content) if isinstance(content, bytes) else content)
    except Exception as error:
        message = storage_error_message(error)
        if message is None:
            raise
        logger.error("file %s not saved: %s: %s", target, type(error).__name__, error)
        _remove_partial(storage, target)
        raise StorageUnavailable(message) from error


def _remove_partial(storage: Storage, name: str) -> None:
    try:
        if storage.exists(name):
            storage.delete(name)
    except Exception:
        logger.exception("the partial file %s could not be removed", name)


# --- orphans ---------------------------------------------------------------------------------

ORPHAN_BATCH = 500


def _walk(storage: Storage, folder: str) -> Iterator[str]:
    folders, files = storage.listdir(folder)
    for file_name in files:
        yield f"{folder}/{file_name}"
    for sub in folders:
        yield from _walk(storage, f"{folder}/{sub}")


def _batches(names: Iterator[str], size: int) -> Iterator[list[str]]:
    batch: list[str] = []
    for name in names:
        batch.append(name)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def orphans_delete(
    *,
    prefix: str,
    referenced: Callable[[list[str]], set[str]],
    older_than: datetime,
    storage: Storage | None = None,
    batch_size: int = ORPHAN_BATCH,
) -> int:
    """Delete the files under `prefix` (a folder, no trailing slash) that `referenced` does not
    name and that were last written before `older_than`; return how many went.

    `referenced(names)` answers which of a batch of names a row points at: one query a batch,
    so no list of every stored name is ever held."""
    storage = storage or default_storage
    deleted = 0
    try:
        names = _walk(storage, prefix)
        for batch in _batches(names, batch_size):
            known = referenced(batch)
            for name in batch:
                if name in known or storage.get_modified_time(name) >= older_than:
                    continue
                storage.delete(name)
                deleted += 1
    except FileNotFoundError:
        pass  # FileSystemStorage: nothing was ever stored under the prefix
    if deleted:
        logger.warning("deleted %d orphan files under %s/", deleted, prefix)
    return deleted
