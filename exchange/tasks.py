"""Background tasks of exchange, run by `manage.py db_worker` (found by dotted path)."""

from __future__ import annotations

from django_tasks import task


@task()
def deliver_outbound(record_id: int, request_id: str = "") -> None:
    """Try to deliver one outbound record (see `exchange.services.outbound_deliver`)."""
    # Imported here because services enqueues this task.
    from exchange.services import outbound_deliver

    outbound_deliver(record_id=record_id)
