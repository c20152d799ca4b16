"""Disk full and storage errors (lib/storage.py): the user is told in Chinese with HTTP 503,
nothing half written stays behind, and a certificate copy counts the failure against its
attempts instead of being made again and again."""

from __future__ import annotations

import errno
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from unittest.mock import patch

from botocore.exceptions import ClientError, EndpointConnectionError  # type: ignore[import-untyped]
from django.conf import settings
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from cases.models import Attachment, Case
from cases.tests.sample_files import form_post, photo_png, save_new, stored_files, upload
from certificates.models import CopyStatus
from certificates.services import (
    COPY_MAX_ATTEMPTS,
    certificate_copies_requeue_stale,
    certificate_copy_make,
    certificate_copy_request,
)
from certificates.tests.helpers import ensure_keys, granted_registration
from lib.storage import (
    STORAGE_DOWN_MESSAGE,
    STORAGE_FULL_MESSAGE,
    StorageUnavailable,
    file_save,
    storage_error_message,
)
from portal.test import BaseTestCase


def disk_full() -> OSError:
    return OSError(errno.ENOSPC, "No space left on device")


def chunks_then_disk_full(self: ContentFile[bytes], chunk_size: int | None = None) -> Iterator[bytes]:
    """A write that fills the disk halfway: the first 1000 bytes land, then ENOSPC."""
    yield self.read(1000)
    raise disk_full()


def certificate_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT) / "certificates"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


class FileSaveTestCase(BaseTestCase):
    def test_a_write_that_fails_halfway_leaves_no_file(self):
        class HalfFile(File[bytes]):
            def chunks(self, chunk_size: int | None = None) -> Iterator[bytes]:
                yield b"x" * 1000
                raise disk_full()

        with self.assertRaises(StorageUnavailable) as raised, self.assertLogs("lib.storage", "ERROR"):
            file_save("cases/halfway/file.bin", HalfFile(None, name="file.bin"))
        self.assertEqual(raised.exception.message, STORAGE_FULL_MESSAGE)
        self.assertFalse(default_storage.exists("cases/halfway/file.bin"))

    def test_object_storage_errors_have_their_own_message(self):
        full = ClientError({"Error": {"Code": "XMinioStorageFull", "Message": "full"}}, "PutObject")
        denied = ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "PutObject")
        self.assertEqual(storage_error_message(full), STORAGE_FULL_MESSAGE)
        self.assertEqual(storage_error_message(denied), STORAGE_DOWN_MESSAGE)
        self.assertEqual(
            storage_error_message(EndpointConnectionError(endpoint_url="http://s3")), STORAGE_DOWN_MESSAGE
        )
        self.assertIsNone(storage_error_message(ValueError("not storage")))


class UploadDiskFullTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.client.force_login(self.applicant)
        save_new(self.client, form_post(self))
        self.case = Case.objects.get(applicant=self.applicant)

    def post_photo(self) -> Any:
        return self.client.post(
            reverse("cases:upload", args=[self.case.pk, "photo"]), {"file": upload("照片.png", photo_png())}
        )

    def test_a_full_disk_gives_503_in_chinese_and_no_file(self):
        with (
            patch.object(ContentFile, "chunks", chunks_then_disk_full),
            self.assertLogs("lib.storage", "ERROR"),
        ):
            r = self.post_photo()
        self.assertContains(r, STORAGE_FULL_MESSAGE, status_code=503)
        self.assertEqual(r["Retry-After"], "60")
        self.assertFalse(Attachment.objects.filter(case=self.case).exists())
        self.assertEqual(stored_files(self.case), [])  # neither the partial nor a 0-byte file

        # Space again: the same upload goes through.
        r = self.post_photo()
        self.assertEqual(r.status_code, 302)
        self.assertEqual(len(stored_files(self.case)), 1)

    def test_an_unreachable_object_store_gives_503(self):
        error = EndpointConnectionError(endpoint_url="http://s3.internal")
        with (
            patch.object(type(default_storage._wrapped), "_save", side_effect=error),  # type: ignore[attr-defined]
            self.assertLogs("lib.storage", "ERROR"),
        ):
            r = self.post_photo()
        self.assertContains(r, STORAGE_DOWN_MESSAGE, status_code=503)
        self.assertFalse(Attachment.objects.filter(case=self.case).exists())


class CopyDiskFullTestCase(BaseTestCase):
    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        ensure_keys()

    def test_each_failed_write_is_an_attempt_and_leaves_no_file(self):
        _, certificate = granted_registration(self)
        copy = certificate_copy_request(certificate=certificate, user=self.applicant)
        before = certificate_files()
        later = timezone.now()
        with (
            patch.object(ContentFile, "chunks", chunks_then_disk_full),
            self.assertLogs("lib.storage", "ERROR"),
        ):
            for attempt in range(1, COPY_MAX_ATTEMPTS + 1):
                certificate_copy_make(copy_id=copy.pk)
                DBTaskResult.objects.filter(args_kwargs__kwargs__copy_id=copy.pk).delete()  # run
                copy.refresh_from_db()
                self.assertEqual(copy.attempts, attempt)
                self.assertEqual(certificate_files(), before)  # no partial, no 0-byte .ofd
                # The sweep hands it out again until its attempts are used up.
                later += timedelta(seconds=settings.COPY_STALE_SECONDS + 1)
                requeued = certificate_copies_requeue_stale(now=later)
                self.assertEqual(requeued, 1 if attempt < COPY_MAX_ATTEMPTS else 0)
        self.assertEqual(copy.status, CopyStatus.FAILED)
        self.assertEqual(copy.error, STORAGE_FULL_MESSAGE)

    def test_a_copy_whose_worker_died_on_its_last_attempt_fails(self):
        _, certificate = granted_registration(self)
        copy = certificate_copy_request(certificate=certificate, user=self.applicant)
        claimed = timezone.now()
        copy.claimed_at, copy.attempts = claimed, COPY_MAX_ATTEMPTS
        copy.save()
        # Another worker takes a claimed copy soon after its worker died (not minutes later).
        with self.assertLogs("certificates.services", "WARNING"):
            count = certificate_copies_requeue_stale(
                now=claimed + timedelta(seconds=settings.COPY_STALE_SECONDS + 1)
            )
        self.assertEqual(count, 0)
        copy.refresh_from_db()
        self.assertEqual(copy.status, CopyStatus.FAILED)
        self.assertEqual(copy.error, "加注未能完成，请重新加注")
