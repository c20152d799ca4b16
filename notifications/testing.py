"""Test helpers for code that enqueues background tasks.

`drain_task_queue()` runs every due task with the worker loop of `manage.py db_worker
--batch`, inside the test's own transaction, so a plain `TestCase` can check what a worker
would do:

    sms_enqueue(mobile="13800000001", template="verification_code", context={...})
    self.assertEqual(drain_task_queue(), 1)                       # runs what is due now
    drain_task_queue(at=timezone.now() + timedelta(minutes=5))   # ... or five minutes on

Tasks enqueued by a task (retries) run in the same call once they are due at that time. A
task that raises fails the test, with the task's traceback, instead of being recorded
quietly as the real worker would."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import datetime
from typing import Any
from unittest import mock

from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, TaskResultStatus
from django_tasks.signals import task_finished
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult


class TaskFailed(AssertionError):
    """A task run by drain_task_queue raised."""


@contextmanager
def frozen_now(at: datetime) -> Iterator[None]:
    """Make `django.utils.timezone.now()` return `at`: the services, the task backend's
    `run_after` check and `auto_now` fields all read the clock through it."""
    with mock.patch("django.utils.timezone.now", return_value=at):
        yield


def drain_task_queue(*, at: datetime | None = None, max_tasks: int = 100) -> int:
    """Run the tasks that are due (at `at`, default now) until none is left; return how many
    ran. Raises TaskFailed if a task raised, and RuntimeError if more than `max_tasks` ran
    (a task that keeps re-enqueueing itself)."""
    worker = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name=DEFAULT_TASK_BACKEND_ALIAS,
        startup_delay=False,
        max_tasks=max_tasks,
        worker_id="test-worker",
        excluded_queue_names=[],
    )
    finished: list[Any] = []

    def on_finished(sender: Any, task_result: Any, **kwargs: Any) -> None:
        finished.append(task_result)

    task_finished.connect(on_finished, weak=False)
    try:
        with (
            # The worker checks its connection between tasks; inside a TestCase the
            # connection is in the test's transaction (autocommit off), which the check takes
            # for a broken connection and closes, ending the test's transaction with it.
            mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"),
            frozen_now(at) if at is not None else nullcontext(),
        ):
            # Worker.run, not `call_command("db_worker")`: the command also installs signal
            # handlers and log levels that would outlive the call in the test process.
            worker.run()
            more = DBTaskResult.objects.ready().filter(backend_name=DEFAULT_TASK_BACKEND_ALIAS).exists()
    finally:
        task_finished.disconnect(on_finished)

    failures = [result for result in finished if result.status == TaskResultStatus.FAILED]
    if failures:
        details = "\n".join(error.traceback for result in failures for error in result.errors)
        raise TaskFailed(f"{len(failures)} task(s) failed:\n{details}")
    if more:
        raise RuntimeError(f"tasks still due after running {max_tasks}: a task re-enqueues itself?")
    return len(finished)


def pending_tasks(*, task_path: str | None = None) -> list[DBTaskResult[..., Any]]:
    """The READY task rows (due or not), soonest first, optionally for one task path such as
    `notifications.tasks.deliver_sms`."""
    rows = DBTaskResult.objects.filter(status=TaskResultStatus.READY).order_by("run_after", "enqueued_at")
    if task_path is not None:
        rows = rows.filter(task_path=task_path)
    return list(rows)
