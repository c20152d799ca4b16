"""Background tasks of notifications, run by `manage.py db_worker`.

The worker finds a task by its dotted path (`notifications.tasks.deliver_sms`), so the
function lives at module level, and its argument is a JSON-friendly message id (with the id of
the request that queued it, which lib/taskqueue.py puts on the worker's log lines)."""

from __future__ import annotations

from django_tasks import task


@task()
def deliver_sms(message_id: int, request_id: str = "") -> None:
    """Try to deliver one outbox message (see `notifications.services.sms_deliver`)."""
    # Imported here because services enqueues this task: a module-level import either way
    # round would be circular.
    from notifications.services import sms_deliver

    sms_deliver(message_id=message_id)
