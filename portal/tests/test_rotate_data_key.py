"""`manage.py rotate_data_key`: with a new key first in DATA_KEY and the old one after it, every
value under the old key (or still in clear) is re-encrypted under the new one, batch by batch,
and a second run finds nothing left; `--check` tells whether the old key may go."""

from __future__ import annotations

import base64
from io import StringIO
from unittest import mock

from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings

from accounts.models import User
from audit.models import AuditAction, AuditEvent, AuditResult
from lib.datacrypt import token_key_id
from notifications.models import SmsMessage
from notifications.services import sms_enqueue
from portal.test import BaseTestCase
from portal.testenv import TEST_DATA_KEY

NEW_KEY = "k2027:" + base64.b64encode(b"new-data-key-027").decode()
ROTATING = f"{NEW_KEY},{TEST_DATA_KEY}"


def stored(table: str, column: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT "{column}" FROM "{table}" ORDER BY id')  # noqa: S608
        return [row[0] for row in cursor.fetchall()]


def key_ids(table: str, column: str) -> set[str | None]:
    return {token_key_id(value) for value in stored(table, column) if value}


class RotateDataKeyTestCase(BaseTestCase):
    def rotate(self, *args: str) -> str:
        out = StringIO()
        call_command("rotate_data_key", *args, stdout=out)
        return out.getvalue()

    def test_it_moves_every_value_to_the_new_key_in_batches_and_keeps_them_readable(self):
        sms_enqueue(mobile=self.applicant.mobile, template="password_changed", context={"time": "今天"})
        self.assertEqual(key_ids("accounts_user", "mobile"), {"test1"})
        indexes_before = stored("accounts_user", "mobile_index")
        with override_settings(DATA_KEY=ROTATING):
            with self.assertRaises(CommandError):
                self.rotate("--check")
            out = self.rotate("--batch-size", "2")
            self.assertIn("当前密钥 k2027", out)
            # Seven users with a mobile, two a batch: progress in four steps.
            self.assertIn("accounts.User（用户）：已完成 2/", out)
            self.assertIn("完成：", out)
            for table, column in [
                ("accounts_user", "mobile"),
                ("accounts_user", "id_number"),
                ("accounts_knownidentity", "id_number"),
                ("accounts_enterprise", "agent_id_number"),
                ("notifications_smsmessage", "text"),
            ]:
                self.assertEqual(key_ids(table, column), {"k2027"}, (table, column))
            applicant = User.objects.get(pk=self.applicant.pk)
            self.assertEqual(applicant.id_number, self.applicant.id_number)
            self.assertEqual(SmsMessage.objects.get().mobile, self.applicant.mobile)
            # The blind indexes do not depend on the data key: nothing to recompute.
            self.assertEqual(stored("accounts_user", "mobile_index"), indexes_before)
            self.assertIn("全部个人信息均已使用当前密钥 k2027 加密", self.rotate("--check"))
            # Interrupted or not, running it again is harmless: nothing is left to do.
            self.assertIn("共 0 行需要重新加密", self.rotate())
        # Once rotated, the old key may leave DATA_KEY.
        with override_settings(DATA_KEY=NEW_KEY):
            self.assertEqual(User.objects.get(pk=self.applicant.pk).mobile, self.applicant.mobile)

    def test_a_value_left_in_clear_is_encrypted_too(self):
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE accounts_user SET mobile = %s WHERE id = %s", ["13800000001", self.applicant.pk]
            )
        out = self.rotate()
        self.assertIn("accounts.User（用户）：已完成 1/1 行", out)
        self.assertEqual(User.objects.get(pk=self.applicant.pk).mobile, "13800000001")
        self.assertNotIn("13800000001", stored("accounts_user", "mobile"))

    def test_it_refuses_a_batch_size_below_one(self):
        with self.assertRaisesMessage(CommandError, "--batch-size 须为正整数"):
            self.rotate("--batch-size", "0")


class RotationAuditTestCase(BaseTestCase):
    def test_each_run_is_one_key_rotate_row_and_check_none(self):
        with override_settings(DATA_KEY=ROTATING):
            with self.assertRaises(CommandError):
                call_command("rotate_data_key", "--check", stdout=StringIO())
            self.assertFalse(AuditEvent.objects.filter(action=AuditAction.KEY_ROTATE).exists())
            call_command("rotate_data_key", "--batch-size", "2", stdout=StringIO())
            call_command("rotate_data_key", stdout=StringIO())  # nothing left: still a run
        first, second = AuditEvent.objects.filter(action=AuditAction.KEY_ROTATE).order_by("id")
        self.assertEqual(
            (first.result, first.actor_id, first.object_label), (AuditResult.SUCCESS, 0, "数据密钥 k2027")
        )
        self.assertEqual(first.detail["当前密钥"], "k2027")
        self.assertEqual(first.detail["未完成行数"], 0)
        self.assertGreater(first.detail["重新加密行数"], 0)
        self.assertEqual((second.result, second.detail["重新加密行数"]), (AuditResult.SUCCESS, 0))

    def test_a_run_that_leaves_rows_behind_is_a_failure_row(self):
        with (
            override_settings(DATA_KEY=ROTATING),
            mock.patch("portal.management.commands.rotate_data_key.rows_stale_count", return_value=1),
            mock.patch(
                "portal.management.commands.rotate_data_key.rows_rotate_batch", return_value=(None, 0)
            ),
            self.assertRaises(CommandError),
        ):
            call_command("rotate_data_key", stdout=StringIO())
        [event] = AuditEvent.objects.filter(action=AuditAction.KEY_ROTATE)
        self.assertEqual(event.result, AuditResult.FAILURE)
        self.assertGreater(event.detail["未完成行数"], 0)
