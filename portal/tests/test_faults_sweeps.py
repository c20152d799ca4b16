"""What a dead process leaves behind is swept by run_periodic (portal/jobs.py): task rows left
RUNNING, and files no row references."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import uuid
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from cases.models import Attachment, Case
from cases.tests.sample_files import form_post, photo_png, save_new, upload
from certificates.tasks import make_certificate_copy
from notifications.tasks import deliver_sms
from portal.jobs import FILE_OWNERS, WORKER_LOST, orphan_files_delete, task_rows_recover_stale
from portal.test import BaseTestCase


class StaleTaskRowsTestCase(BaseTestCase):
    def running_since(self, row_id: str, started: datetime) -> None:
        DBTaskResult.objects.filter(pk=row_id).update(status=TaskResultStatus.RUNNING, started_at=started)

    def test_rows_left_running_are_requeued_or_failed_by_task(self):
        now = timezone.now()
        long_ago = now - timedelta(seconds=settings.TASK_STALE_SECONDS + 1)
        copy_task = make_certificate_copy.enqueue(copy_id=1)
        sms_task = deliver_sms.enqueue(message_id=1)
        busy_task = deliver_sms.enqueue(message_id=2)
        self.running_since(copy_task.id, long_ago)
        self.running_since(sms_task.id, long_ago)
        self.running_since(busy_task.id, now - timedelta(seconds=30))  # a live worker is on it

        with self.assertLogs("portal.jobs", "WARNING") as logs:
            self.assertEqual(task_rows_recover_stale(now=now), (1, 1))
        self.assertIn("1 re-queued, 1 failed", logs.output[0])

        rows = {str(row.pk): row for row in DBTaskResult.objects.all()}
        self.assertEqual(rows[copy_task.id].status, TaskResultStatus.READY)  # making a copy may run again
        self.assertIsNone(rows[copy_task.id].started_at)
        self.assertEqual(rows[sms_task.id].status, TaskResultStatus.FAILED)  # the outbox re-sends
        self.assertEqual(rows[sms_task.id].exception_class_path, WORKER_LOST)
        self.assertEqual(rows[busy_task.id].status, TaskResultStatus.RUNNING)

        # Idempotent: a second sweep finds nothing.
        self.assertEqual(task_rows_recover_stale(now=now), (0, 0))


class OrphanFilesTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        # A storage of its own: files other tests left behind are "old" on a shifted clock
        # (make test-dates), and this test counts what the sweep deletes.
        media = tempfile.mkdtemp(prefix="orphans-")
        self.addCleanup(shutil.rmtree, media, True)
        settings_override = self.settings(MEDIA_ROOT=media)
        settings_override.enable()
        self.addCleanup(settings_override.disable)

    def aged(self, name: str, seconds: int) -> None:
        path = default_storage.path(name)
        when = (timezone.now() - timedelta(seconds=seconds)).timestamp()
        os.utime(path, (when, when))

    def test_only_old_files_no_row_references_go(self):
        self.client.force_login(self.applicant)
        save_new(self.client, form_post(self))
        case = Case.objects.get(applicant=self.applicant)
        self.client.post(f"/cases/{case.pk}/materials/photo/", {"file": upload("照片.png", photo_png())})
        kept = Attachment.objects.get(case=case).file.name
        grace = settings.ORPHAN_GRACE_SECONDS
        self.aged(kept, grace * 10)
        # A web process died between the file and its row; a worker between the copy and its row.
        orphan_attachment = default_storage.save(f"cases/{case.uuid}/orphan.png", ContentFile(b"x"))
        orphan_copy = default_storage.save("certificates/0123abcd.ofd", ContentFile(b"x"))
        # Being written right now: too young to judge.
        young = default_storage.save("certificates/4567ef00.ofd", ContentFile(b"x"))
        # The file system stamps files with the real time; on a shifted clock (make test-dates)
        # "just written" must be said.
        self.aged(young, 0)
        self.aged(orphan_attachment, grace + 60)
        self.aged(orphan_copy, grace + 60)

        with self.assertLogs("lib.storage", "WARNING") as logs:
            self.assertEqual(orphan_files_delete(today=timezone.localdate()), 2)
        self.assertEqual(
            logs.output,
            [
                "WARNING:lib.storage:deleted 1 orphan files under cases/",
                "WARNING:lib.storage:deleted 1 orphan files under certificates/",
            ],
        )
        self.assertTrue(default_storage.exists(kept))
        self.assertTrue(default_storage.exists(young))
        self.assertFalse(default_storage.exists(orphan_attachment))
        self.assertFalse(default_storage.exists(orphan_copy))
        self.assertEqual(orphan_files_delete(today=timezone.localdate()), 0)

    def test_sealed_notices_and_statement_evidence_are_swept_too(self):
        # A worker died between a sealed notice's file and its row; a web process between a
        # 陈述申辩 proof and its proceeding.
        grace = settings.ORPHAN_GRACE_SECONDS
        orphans = [
            default_storage.save("notices/89abcdef.ofd", ContentFile(b"x")),
            default_storage.save(f"proceedings/{uuid.uuid4()}/{uuid.uuid4().hex}.pdf", ContentFile(b"x")),
        ]
        for name in orphans:
            self.aged(name, grace + 60)

        with self.assertLogs("lib.storage", "WARNING"):
            self.assertEqual(orphan_files_delete(today=timezone.localdate()), 2)
        self.assertFalse(any(default_storage.exists(name) for name in orphans))


def test_every_prefix_the_code_stores_under_has_an_owner_for_the_orphan_sweep() -> None:
    # A file_save under a prefix FILE_OWNERS lacks leaves that prefix's orphans for ever.
    root = Path(settings.BASE_DIR)
    prefixes = set()
    for path in root.glob("*/**/*.py"):
        if ".venv" in path.parts or "node_modules" in path.parts or "tests" in path.parts:
            continue
        source = path.read_text("utf-8")
        prefixes.update(re.findall(r"\bfile_save\(\s*f?[\"']([\w-]+)/", source))
    assert {"cases", "certificates", "notices", "bulletins", "proceedings"} <= prefixes
    # portal/bench.py: a benchmark's scratch file on a throwaway database, never in service.
    assert prefixes - {prefix for prefix, _, _ in FILE_OWNERS} == {"bench"}
