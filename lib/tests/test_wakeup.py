"""Wake-ups between processes (lib/wakeup.py, ADR 0037): the task worker starts a queued task at
once rather than at its next poll. The carrier is the one the settings choose: UNIX sockets with
SQLite and no Redis, LISTEN/NOTIFY with DATABASE_URL (`make test` runs both), pub/sub with
REDIS_URL and SQLite; the bench
reports which carrier it measured."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import timedelta
from unittest import mock

from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.test import TestCase, TransactionTestCase
from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks_db.compat import DEFAULT_TASK_BACKEND_ALIAS
from django_tasks_db.management.commands import db_worker
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from lib import wakeup
from lib.taskqueue import enqueue
from portal.management.commands.run_worker import WakeableClock

# Generous bounds on a shared machine: what is asserted is "far sooner than the poll".
POLL_SECONDS = 30.0
PROMPTLY_SECONDS = 5.0


@task()
def noted(request_id: str = "") -> str:
    return "done"


def _in_thread(action: Callable[[], object], *, after: float = 0.0) -> threading.Thread:
    """Run `action` on a thread of its own, in autocommit as a worker or another request would:
    what it sends is committed, whatever the carrier (on PostgreSQL the NOTIFY of the test's
    own transaction would never be delivered, as it is never committed)."""

    def run() -> None:
        try:
            time.sleep(after)
            action()
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


class WakeupTest(TestCase):
    def send(self, channel: str) -> None:
        _in_thread(lambda: wakeup.wake_send(channel)).join()

    def test_it_is_notify_on_postgresql_then_redis_then_local(self):
        if connection.vendor == "postgresql":
            expected = "postgresql"
        else:
            expected = "redis" if settings.REDIS_URL else "local"
        self.assertEqual(wakeup.carrier(), expected)

    def test_a_listener_wakes_at_once_when_its_channel_is_sent(self):
        with wakeup.listen("test_a") as listener:
            sender = _in_thread(lambda: wakeup.wake_send("test_a"), after=0.2)
            start = time.monotonic()
            self.assertTrue(listener.wait(POLL_SECONDS))
            self.assertLess(time.monotonic() - start, PROMPTLY_SECONDS)
            sender.join()

    def test_a_wake_up_sent_before_the_wait_is_not_lost(self):
        with wakeup.listen("test_b") as listener:
            self.send("test_b")
            self.send("test_b")
            self.assertTrue(listener.wait(POLL_SECONDS))

    def test_it_times_out_without_a_wake_up_and_ignores_other_channels(self):
        with wakeup.listen("test_c") as listener:
            self.send("test_other")
            start = time.monotonic()
            self.assertFalse(listener.wait(0.2))
            self.assertGreaterEqual(time.monotonic() - start, 0.15)

    def test_a_closed_listener_is_skipped(self):
        listener = wakeup.listen("test_d")
        listener.close()
        self.send("test_d")  # nothing to wake, nothing raised

    def test_channel_names_are_plain(self):
        for bad in ["", "a b", 'x"; DROP', "../up", "通知"]:
            with self.subTest(bad=bad), self.assertRaises(ValueError):
                wakeup.wake_send(bad)


def _test_transactions_commit() -> bool:
    # pg_notify is sent inside the transaction, and a TestCase's is never committed.
    return connection.vendor != "postgresql"


class TaskWakeupTest(TestCase):
    def test_enqueueing_wakes_the_workers_at_the_commit_only(self):
        if not _test_transactions_commit():
            self.skipTest("PostgreSQL: PostgresNotifyTest")
        with wakeup.listen(wakeup.TASKS_CHANNEL) as listener:
            with self.captureOnCommitCallbacks(execute=False) as callbacks, transaction.atomic():
                enqueue(noted, wake=True)
            self.assertFalse(listener.wait(0.05), "woken before the commit")
            for callback in callbacks:
                callback()
            self.assertTrue(listener.wait(POLL_SECONDS))

    def test_a_task_nobody_waits_for_wakes_nobody(self):
        # SMS and records for other systems: the next poll is soon enough, and on PostgreSQL
        # a wake-up would cost the enqueueing transaction a query.
        with wakeup.listen(wakeup.TASKS_CHANNEL) as listener:
            with self.captureOnCommitCallbacks(execute=True):
                enqueue(noted)
            self.assertFalse(listener.wait(0.05))

    def test_a_task_waited_for_wakes_the_workers_whatever_the_carrier(self):
        with mock.patch("lib.taskqueue.wake_send") as sent:
            enqueue(noted, wake=True)
        sent.assert_called_once_with(wakeup.TASKS_CHANNEL)

    def test_a_task_for_later_wakes_nobody(self):
        with wakeup.listen(wakeup.TASKS_CHANNEL) as listener:
            with self.captureOnCommitCallbacks(execute=True):
                enqueue(noted, run_after=timezone.now() + timedelta(minutes=5), wake=True)
            self.assertFalse(listener.wait(0.05))

    def test_the_worker_starts_a_task_without_waiting_its_poll_interval(self):
        # Due in a moment: the worker's first look finds nothing due and it goes to sleep for
        # its whole interval; the wake-up (as at the commit of an enqueue) ends that sleep.
        enqueue(noted, run_after=timezone.now() + timedelta(seconds=0.3))
        worker = Worker(
            queue_names=["*"],
            interval=POLL_SECONDS,
            batch=False,
            backend_name=DEFAULT_TASK_BACKEND_ALIAS,
            startup_delay=False,
            max_tasks=1,
            worker_id="test-wakeup",
            excluded_queue_names=[],
        )
        clock = WakeableClock()
        clock.open()
        sender = _in_thread(lambda: wakeup.wake_send(wakeup.TASKS_CHANNEL), after=0.5)
        start = time.monotonic()
        try:
            with (
                mock.patch("django_tasks_db.management.commands.db_worker.time", clock),
                # As in notifications.testing.drain_task_queue: the test's transaction is not
                # a broken connection.
                mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"),
            ):
                worker.run()
        finally:
            clock.close()
            sender.join()
        self.assertLess(time.monotonic() - start, PROMPTLY_SECONDS)
        self.assertEqual(DBTaskResult.objects.get().status, TaskResultStatus.SUCCESSFUL)

    def test_the_worker_still_polls_when_wake_ups_fail(self):
        clock = WakeableClock()
        with mock.patch.object(wakeup, "listen", side_effect=OSError("no sockets")):
            start = time.monotonic()
            clock.sleep(0.1)
        self.assertGreaterEqual(time.monotonic() - start, 0.09)
        self.assertIsNone(clock.listener)


class PostgresNotifyTest(TransactionTestCase):
    """On PostgreSQL the NOTIFY is part of the transaction: delivered at its commit, and never
    for a transaction rolled back."""

    def setUp(self) -> None:
        if connection.vendor != "postgresql":
            self.skipTest("PostgreSQL only")

    def test_the_notify_is_delivered_at_the_commit_only(self):
        with wakeup.listen(wakeup.TASKS_CHANNEL) as listener:
            with transaction.atomic():
                enqueue(noted, wake=True)
                self.assertFalse(listener.wait(0.1), "woken before the commit")
            self.assertTrue(listener.wait(PROMPTLY_SECONDS))

    def test_a_rolled_back_enqueue_wakes_nobody(self):
        with wakeup.listen(wakeup.TASKS_CHANNEL) as listener:
            try:
                with transaction.atomic():
                    enqueue(noted, wake=True)
                    raise RuntimeError("rolled back")
            except RuntimeError:
                pass
            self.assertFalse(listener.wait(0.2))

    def test_a_request_borrows_its_connection_and_leaves_it_unlistened(self):
        with wakeup.listen("test_e") as listener:
            self.assertIsInstance(listener.listener, wakeup._PgBorrowedListener)
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM pg_listening_channels()")
                self.assertEqual(cursor.fetchone(), (1,))
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_listening_channels()")
            self.assertEqual(cursor.fetchone(), (0,))
        with wakeup.listen(wakeup.TASKS_CHANNEL, lasting=True) as listener:
            self.assertIsInstance(listener.listener, wakeup._PgListener)


class RunWorkerTest(TestCase):
    def test_run_worker_sleeps_on_the_wakeable_clock_and_puts_time_back(self):
        seen: list[object] = []
        with mock.patch(
            "portal.management.commands.run_worker.call_command",
            side_effect=lambda *args, **kwargs: seen.append(db_worker.time),  # type: ignore[attr-defined]
        ):
            call_command("run_worker", batch=True)
        self.assertEqual(len(seen), 1)
        self.assertIsInstance(seen[0], WakeableClock)
        self.assertIs(db_worker.time, time)  # type: ignore[attr-defined]
