"""The task queue (django-tasks with its database backend), seen from our side: the one way
to enqueue, which carries the request id into the worker's log lines; what every outbox that
retries on its own shares (the back-off, whether a row still has a task waiting, the sweep of
rows a dead worker left); and the
queue's depth and age, read by /readyz and /metrics alike."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar

from django.db.models import Count, Min, Q
from django.dispatch import receiver
from django.utils import timezone
from django_tasks import TaskResult, TaskResultStatus
from django_tasks.base import Task
from django_tasks.signals import task_finished, task_started
from django_tasks_db.models import DBTaskResult, get_date_max

from lib.logs import request_id_get, request_id_set
from lib.wakeup import TASKS_CHANNEL, wake_send

# The keyword under which a task receives the id of the request that enqueued it. Every task
# function takes `request_id: str = ""` and ignores it: the worker has already put it where the
# log lines read it (below), before the function runs.
REQUEST_ID_KWARG = "request_id"

C = TypeVar("C", bound="Claimable")


def enqueue(
    task: Task[..., Any], /, *, run_after: datetime | None = None, wake: bool = False, **kwargs: Any
) -> TaskResult[Any]:
    """Enqueue `task` with `kwargs` (in the caller's transaction, as Task.enqueue does), adding
    the current request id when there is one.

    `wake`: for a task someone is waiting for (加注): the workers are woken when the transaction
    commits (lib/wakeup.py, ADR 0037) and start it at once. Other tasks (SMS, records for other
    systems) wait for the workers' next poll, a second at most: a wake-up costs one more query
    on PostgreSQL in the enqueueing transaction (保存并提交 counts its queries)."""
    request_id = request_id_get()
    if request_id:
        kwargs[REQUEST_ID_KWARG] = request_id
    if run_after is not None:
        task = task.using(run_after=run_after)
    result = task.enqueue(**kwargs)
    if wake and (run_after is None or run_after <= timezone.now()):
        wake_send(TASKS_CHANNEL)
    return result


def backoff_delay(*, attempts: int, base_seconds: int, max_seconds: int) -> timedelta:
    """How long an outbox waits after its `attempts`-th failed try: `base_seconds`, doubling
    with each failure, never more than `max_seconds`. The backend has no retries of its own,
    so every outbox (SMS, outbound records) re-enqueues itself after this delay."""
    seconds = base_seconds * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, max_seconds))


def task_pending(task: Task[..., Any], /, **kwargs: Any) -> bool:
    """Whether a READY task row of `task` with these keyword arguments exists (due or not): an
    outbox's sweep asks it before giving a forgotten row a new task."""
    rows = DBTaskResult.objects.filter(status=TaskResultStatus.READY, task_path=task.module_path)
    return rows.filter(**{f"args_kwargs__kwargs__{name}": value for name, value in kwargs.items()}).exists()


class Claimable(Protocol):
    """A row a worker claims before making it (a 加注 copy, a sealed notice)."""

    pk: Any
    claimed_at: datetime | None
    attempts: int

    def save(self, *, update_fields: list[str]) -> None: ...


def stale_requeue(
    rows: Iterable[C],
    *,
    cutoff: datetime,
    max_attempts: int,
    fail: Callable[[C], None],
    task: Task[..., Any],
    key: str,
    wake: bool = False,
) -> int:
    """The sweep of rows still waiting since before `cutoff` (selected for update by the
    caller, in its transaction), each given to `task` as its `key` argument. A row a worker
    claimed since `cutoff` is being made and is left alone; one whose attempts are used up (a
    worker died on it each time) goes to `fail`; one whose worker died is freed for the next;
    one whose task still waits in the queue (workers busy) gets no second task, else one new
    task. Returns how many tasks were enqueued."""
    count = 0
    for row in rows:
        if row.claimed_at is not None and row.claimed_at >= cutoff:
            continue  # a worker is on it right now
        if row.attempts >= max_attempts:
            fail(row)
            continue
        if row.claimed_at is not None:  # its worker died: free it for the next one
            row.claimed_at = None
            row.save(update_fields=["claimed_at"])
        if task_pending(task, **{key: row.pk}):
            continue  # a task for it still waits in the queue: a task per round would pile up
        enqueue(task, wake=wake, **{key: row.pk})
        count += 1
    return count


@receiver(task_started)
def _task_started(sender: object, task_result: TaskResult[Any], **kwargs: object) -> None:
    # The worker runs one task at a time on its thread: the id stays set until the task ends.
    request_id = task_result.kwargs.get(REQUEST_ID_KWARG)
    request_id_set(request_id if isinstance(request_id, str) and request_id else None)


@receiver(task_finished)
def _task_finished(sender: object, task_result: TaskResult[Any], **kwargs: object) -> None:
    # Connected after django-tasks' own handler, so its "Task ... SUCCESSFUL" line still has it.
    request_id_set(None)


# --- Depth and age ------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueStats:
    queue: str
    ready: int  # waiting, due or not yet due (a retry scheduled for later)
    running: int
    oldest_due_seconds: float  # how long the oldest due READY task has waited; 0 when none


def queue_stats(*, now: datetime | None = None) -> list[QueueStats]:
    """Per queue: tasks waiting and running, and the wait of the oldest task that is due.

    A task is due from its run_after, or from its enqueueing when it has none (the backend
    stores "none" as the largest date). Finished rows are not counted: they pile up for ever,
    and counting them would make every scrape slower."""
    now = now or timezone.now()
    never = get_date_max()
    counts: dict[str, dict[str, int]] = {}
    rows: Any = (
        DBTaskResult.objects.filter(status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING])
        .values("queue_name", "status")
        .annotate(n=Count("id"))
    )
    for row in rows:
        counts.setdefault(row["queue_name"], {})[row["status"]] = row["n"]
    oldest: dict[str, datetime] = {}
    due: Any = (
        DBTaskResult.objects.filter(status=TaskResultStatus.READY)
        .filter(Q(run_after=never) | Q(run_after__lte=now))
        .values("queue_name")
        .annotate(
            enqueued=Min("enqueued_at", filter=Q(run_after=never)),
            scheduled=Min("run_after", filter=~Q(run_after=never)),
        )
    )
    for row in due:
        moments = [moment for moment in (row["enqueued"], row["scheduled"]) if moment is not None]
        if moments:
            oldest[row["queue_name"]] = min(moments)
    return [
        QueueStats(
            queue=queue,
            ready=by_status.get(TaskResultStatus.READY, 0),
            running=by_status.get(TaskResultStatus.RUNNING, 0),
            oldest_due_seconds=max((now - oldest[queue]).total_seconds(), 0.0) if queue in oldest else 0.0,
        )
        for queue, by_status in sorted(counts.items())
    ]
