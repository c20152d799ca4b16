"""`audit_verify` and `audit_archive`: a changed row or a cut-off end is found by id, with a
non-zero exit; old rows move to a checked archive file and the chain still verifies; a crash
between the file and the delete loses and duplicates nothing; the daily check alerts the
安全管理员."""

from __future__ import annotations

import shutil
import tempfile
from datetime import date, timedelta
from io import StringIO
from pathlib import Path
from unittest import mock

from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from django.utils import timezone

from accounts.models import StaffRole, User
from audit.jobs import audit_verify_daily
from audit.models import AuditAction, AuditArchive, AuditEvent, AuditHead, AuditResult
from audit.services import ARCHIVE_PREFIX, audit_record, audit_rows_archive
from audit.verify import table_verify
from notifications.models import InboxMessage, SmsMessage
from portal.management.commands.run_periodic import DAILY_JOBS
from portal.test import BaseTestCase, staff_make

# Far enough ahead that every row written now is past AUDIT_RETENTION_DAYS (180).
LATER = timedelta(days=200)


def verify() -> str:
    out = StringIO()
    call_command("audit_verify", stdout=out)
    return out.getvalue().strip()


class TrailTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        media = tempfile.mkdtemp(prefix="audit-media-")
        self.addCleanup(shutil.rmtree, media, ignore_errors=True)
        settings_override = override_settings(MEDIA_ROOT=media)
        settings_override.enable()
        self.addCleanup(settings_override.disable)
        self.events = [
            audit_record(action=AuditAction.LOGIN, actor=self.applicant, subject_id=self.applicant.pk)
            for _ in range(5)
        ]

    def assertFault(self, expected: str) -> CommandError:
        with self.assertRaises(CommandError) as raised:
            verify()
        self.assertEqual(raised.exception.returncode, 1)
        self.assertIn(expected, str(raised.exception))
        return raised.exception


class VerifyCommandTestCase(TrailTestCase):
    def test_a_whole_chain_verifies_and_the_run_is_a_row(self) -> None:
        self.assertEqual(verify(), "审计记录完整：5 条")
        event = AuditEvent.objects.latest("id")
        self.assertEqual((event.action, event.result), (AuditAction.AUDIT_VERIFY, AuditResult.SUCCESS))
        self.assertEqual(verify(), "审计记录完整：6 条")

    def test_a_tampered_row_is_found_by_its_id(self) -> None:
        AuditEvent.objects.filter(pk=self.events[2].pk).update(client_address="10.6.6.6")
        self.assertFault(f"第 {self.events[2].pk} 条：内容被修改")
        event = AuditEvent.objects.latest("id")
        self.assertEqual((event.action, event.result), (AuditAction.AUDIT_VERIFY, AuditResult.FAILURE))

    def test_a_removed_last_row_is_found(self) -> None:
        AuditEvent.objects.filter(pk=self.events[-1].pk).delete()
        self.assertFault(f"第 {self.events[-1].pk} 条：末尾的记录被删除")

    def test_rows_cut_off_with_the_head_moved_back_are_found_without_the_key(self) -> None:
        # What someone who can write the tables but lacks AUDIT_KEY can do: remove the newest
        # rows and make the head point at the row now last, with its real MAC and count.
        cut = self.events[-1]
        AuditEvent.objects.filter(pk=cut.pk).delete()
        new_last = self.events[-2]
        AuditHead.objects.filter(pk=1).update(last_id=new_last.pk, last_mac=new_last.mac, count=4)
        self.assertFault(f"第 {new_last.pk} 条：审计链末端被改动")

    def test_a_removed_row_in_the_middle_is_found_at_the_next(self) -> None:
        AuditEvent.objects.filter(pk=self.events[1].pk).delete()
        self.assertFault(f"第 {self.events[2].pk} 条：此条之前有记录被删除或插入")

    def test_small_batches_read_the_same_chain(self) -> None:
        report = table_verify(batch_size=2)
        self.assertTrue(report.ok)
        self.assertEqual(report.count, 5)
        AuditEvent.objects.filter(pk=self.events[3].pk).update(actor_name="别人")
        fault = table_verify(batch_size=2).fault
        assert fault is not None
        self.assertEqual(fault.row_id, self.events[3].pk)


class ArchiveTestCase(TrailTestCase):
    def test_old_rows_go_to_a_checked_file_and_the_chain_goes_on(self) -> None:
        archive = audit_rows_archive(now=timezone.now() + LATER)
        assert archive is not None
        self.assertEqual(
            (archive.first_id, archive.last_id, archive.count), (self.events[0].pk, self.events[-1].pk, 5)
        )
        self.assertEqual(
            (archive.first_prev_mac, archive.last_mac), (self.events[0].prev_mac, self.events[-1].mac)
        )
        self.assertTrue(archive.name.startswith(f"{ARCHIVE_PREFIX}/"))
        self.assertFalse(AuditEvent.objects.filter(pk__lte=self.events[-1].pk).exists())
        # The archive run is itself on the trail, the first row after the archive.
        [left] = AuditEvent.objects.all()
        self.assertEqual((left.action, left.prev_mac), (AuditAction.AUDIT_ARCHIVE, archive.last_mac))
        with default_storage.open(archive.name, "rb") as f:
            lines = f.read().decode().splitlines()
        self.assertEqual(len(lines), 5)
        self.assertIn('"actor_name":"张伟"', lines[0])

        self.assertEqual(verify(), "审计记录完整：6 条")
        out = StringIO()
        call_command("audit_verify", archive=archive.name, stdout=out)
        self.assertIn(f"归档文件完整：{archive.name}", out.getvalue())
        self.assertIn("共 5 条", out.getvalue())

    def test_a_copied_archive_file_is_checked_and_a_changed_one_refused(self) -> None:
        archive = audit_rows_archive(now=timezone.now() + LATER)
        assert archive is not None
        folder = Path(tempfile.mkdtemp(prefix="audit-copy-"))
        self.addCleanup(shutil.rmtree, folder, ignore_errors=True)
        copy = folder / archive.name.rsplit("/", 1)[-1]
        with default_storage.open(archive.name, "rb") as f:
            copy.write_bytes(f.read())
        call_command("audit_verify", archive=str(copy), stdout=StringIO())
        copy.write_bytes(copy.read_bytes().replace("张伟".encode(), "李四".encode()))
        with self.assertRaises(CommandError) as raised:
            call_command("audit_verify", archive=str(copy), stdout=StringIO())
        self.assertIn("SM3 与登记不符", str(raised.exception))

    def test_young_rows_stay(self) -> None:
        self.assertIsNone(audit_rows_archive(now=timezone.now()))
        self.assertEqual(AuditEvent.objects.count(), 5)
        self.assertFalse(AuditArchive.objects.exists())

    def test_a_crash_between_the_file_and_the_delete_loses_and_duplicates_nothing(self) -> None:
        later = timezone.now() + LATER
        with (
            mock.patch("audit.services._archive_commit", side_effect=RuntimeError("killed")),
            self.assertRaises(RuntimeError),
        ):
            audit_rows_archive(now=later)
        # The file was written; nothing else happened.
        _, files = default_storage.listdir(ARCHIVE_PREFIX)
        self.assertEqual(len(files), 1)
        self.assertFalse(AuditArchive.objects.exists())
        self.assertEqual(AuditEvent.objects.count(), 5)
        self.assertTrue(table_verify().ok)

        # The next run writes the same rows to the same name, replacing the file.
        archive = audit_rows_archive(now=later)
        assert archive is not None
        self.assertEqual(archive.count, 5)
        _, files = default_storage.listdir(ARCHIVE_PREFIX)
        self.assertEqual(files, [archive.name.rsplit("/", 1)[-1]])
        self.assertEqual(AuditArchive.objects.count(), 1)
        self.assertEqual(verify(), "审计记录完整：6 条")  # 5 archived, and the archive run
        out = StringIO()
        call_command("audit_verify", archive=archive.name, stdout=out)
        self.assertIn("共 5 条", out.getvalue())

    def test_a_file_left_by_a_crash_long_ago_goes_when_its_rows_are_archived_anew(self) -> None:
        later = timezone.now() + LATER
        with (
            mock.patch("audit.services._archive_commit", side_effect=RuntimeError("killed")),
            self.assertRaises(RuntimeError),
        ):
            audit_rows_archive(now=later)
        audit_record(action=AuditAction.LOGOUT, actor=self.applicant)  # the range grows meanwhile
        archive = audit_rows_archive(now=later)
        assert archive is not None
        self.assertEqual(archive.count, 6)
        _, files = default_storage.listdir(ARCHIVE_PREFIX)
        self.assertEqual(files, [archive.name.rsplit("/", 1)[-1]])
        self.assertIsNone(audit_rows_archive(now=later - timedelta(days=100)))
        self.assertEqual(verify(), "审计记录完整：7 条")

    def test_rows_bridged_by_a_made_up_archive_row_are_found(self) -> None:
        # Remove the two oldest rows and claim they were archived: the archive row's MAC
        # cannot be made without the key.
        first, second = self.events[0], self.events[1]
        AuditEvent.objects.filter(pk__in=[first.pk, second.pk]).delete()
        AuditArchive.objects.create(
            name="audit-archive/made-up.jsonl",
            first_id=first.pk,
            last_id=second.pk,
            first_prev_mac=first.prev_mac,
            last_mac=second.mac,
            count=2,
            sm3="0" * 64,
            key_id="test",
            mac="0" * 64,
        )
        self.assertFault("made-up.jsonl 的记录被改动")

    def test_a_removed_archive_row_is_found(self) -> None:
        archive = audit_rows_archive(now=timezone.now() + LATER)
        assert archive is not None
        AuditArchive.objects.all().delete()
        self.assertFault("此条之前有记录被删除或插入")


class DailyCheckTestCase(TrailTestCase):
    today = date(2026, 12, 1)

    def setUp(self) -> None:
        super().setUp()
        self.officer = staff_make(
            username="anquan",
            name="安全管理员周敏",
            role=StaffRole.SECURITY,
            department=self.department,
            mobile="13500000016",
        )
        staff_make(username="anquan2", name="离职安全员", role=StaffRole.SECURITY, department=self.department)
        User.objects.filter(username="anquan2").update(is_active=False)

    def test_the_jobs_run_every_day(self) -> None:
        jobs = [job for _, job in DAILY_JOBS]
        self.assertIn(audit_verify_daily, jobs)
        self.assertEqual([j.__name__ for j in jobs[-2:]], ["audit_verify_daily", "audit_archive_daily"])

    def test_a_whole_chain_alerts_nobody(self) -> None:
        self.assertEqual(audit_verify_daily(today=self.today), 5)
        self.assertFalse(InboxMessage.objects.exists())
        self.assertEqual(audit_verify_daily(today=self.today), 0)  # once a day
        self.assertEqual(AuditEvent.objects.filter(action=AuditAction.AUDIT_VERIFY).count(), 1)

    def test_a_broken_chain_alerts_every_active_security_officer(self) -> None:
        AuditEvent.objects.filter(pk=self.events[0].pk).update(object_label="改过")
        with self.assertLogs("audit.jobs", level="ERROR") as logs:
            audit_verify_daily(today=self.today)
        self.assertIn(f"第 {self.events[0].pk} 条", logs.output[0])
        [message] = InboxMessage.objects.all()
        self.assertEqual((message.user, message.title), (self.officer, "审计记录校验未通过"))
        self.assertIn(f"第 {self.events[0].pk} 条：内容被修改", message.body)
        [sms] = SmsMessage.objects.all()
        self.assertEqual((sms.mobile, sms.template), (self.officer.mobile, "audit_chain_broken"))
        event = AuditEvent.objects.latest("id")
        self.assertEqual((event.action, event.result), (AuditAction.AUDIT_VERIFY, AuditResult.FAILURE))
        self.assertEqual(event.object_label, "每日校验 2026-12-01")
        # The same day again: no second alert.
        audit_verify_daily(today=self.today)
        self.assertEqual(InboxMessage.objects.count(), 1)
