"""The worker and the periodic process outlive a database that is locked for a while
(lib/dbretry.py): they wait, reconnect and then do the work, instead of dying with
「database is locked」 and taking the portal down with them."""

from __future__ import annotations

import sqlite3
import threading
import time
from datetime import timedelta
from unittest import skipUnless
from unittest.mock import Mock

from django.core.management import call_command
from django.db import DatabaseError, OperationalError, ProgrammingError, connection
from django.test import TransactionTestCase
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from lib.dbretry import db_retrying
from notifications.models import SmsMessage, SmsStatus
from notifications.services import sms_enqueue

LOCK_SECONDS = 2.0


def sms() -> SmsMessage:
    return sms_enqueue(
        mobile="13800000001",
        template="verification_code",
        context={"code": "123456", "purpose": "登录", "minutes": 5},
    )


@skipUnless(connection.vendor == "sqlite", "holds the SQLite test database locked")
class LockedDatabaseTestCase(TransactionTestCase):
    def hold_locked(self, seconds: float) -> threading.Thread:
        """Another connection writes to the queue and the outbox and keeps its transaction open
        for `seconds`: every query of this process on those tables fails meanwhile."""
        other = sqlite3.connect(
            connection.settings_dict["NAME"], uri=True, isolation_level=None, check_same_thread=False
        )
        other.execute("BEGIN EXCLUSIVE")
        other.execute("UPDATE django_tasks_database_dbtaskresult SET priority = priority")
        other.execute("UPDATE notifications_smsmessage SET attempts = attempts")

        def release() -> None:
            time.sleep(seconds)
            other.execute("ROLLBACK")
            other.close()

        thread = threading.Thread(target=release)
        thread.start()
        self.addCleanup(thread.join)
        return thread

    def test_the_worker_waits_for_the_lock_then_sends(self):
        message = sms()
        self.hold_locked(LOCK_SECONDS)
        started = time.monotonic()
        with self.assertLogs("lib.dbretry", level="WARNING") as logs:
            call_command("run_worker", batch=True)  # one pass over the queue
        self.assertGreaterEqual(time.monotonic() - started, LOCK_SECONDS)
        self.assertIn("worker: database unavailable", logs.output[0])
        self.assertIn("locked", logs.output[0])
        message.refresh_from_db()
        self.assertEqual(message.status, SmsStatus.DELIVERED)
        self.assertEqual(
            list(DBTaskResult.objects.values_list("status", flat=True)), [TaskResultStatus.SUCCESSFUL]
        )

    def test_the_periodic_round_waits_for_the_lock_then_sweeps(self):
        message = sms()
        # A worker claimed it ten minutes ago and died before recording the outcome.
        SmsMessage.objects.filter(pk=message.pk).update(
            status=SmsStatus.SENDING, claimed_at=timezone.now() - timedelta(minutes=10), attempts=1
        )
        self.hold_locked(LOCK_SECONDS)
        with self.assertLogs("lib.dbretry", level="WARNING") as logs:
            call_command("run_periodic", once=True)
        self.assertIn("periodic sweeps: database unavailable", logs.output[0])
        message.refresh_from_db()
        self.assertEqual(message.status, SmsStatus.QUEUED)
        self.assertEqual(DBTaskResult.objects.filter(status=TaskResultStatus.READY).count(), 2)


class RetryRuleTestCase(TransactionTestCase):
    def test_other_database_errors_are_not_retried(self):
        # A missing table: SQLite says so with an OperationalError, PostgreSQL with a
        # ProgrammingError (its OperationalErrors are all about the connection).
        if connection.vendor == "sqlite":
            error: DatabaseError = OperationalError("no such table: nowhere")
        else:
            error = ProgrammingError('relation "nowhere" does not exist')
        body = Mock(side_effect=error)
        with self.assertRaises(type(error)):
            db_retrying(body, what="test", sleep=Mock())
        body.assert_called_once()

    def test_the_pause_grows_up_to_a_bound(self):
        body = Mock(side_effect=[OperationalError("database is locked")] * 8 + ["done"])
        sleep = Mock()
        with self.assertLogs("lib.dbretry", level="WARNING"):
            self.assertEqual(db_retrying(body, what="test", sleep=sleep, max_delay=8), "done")
        self.assertEqual([c.args[0] for c in sleep.call_args_list], [0.5, 1, 2, 4, 8, 8, 8, 8])
