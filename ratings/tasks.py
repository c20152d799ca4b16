"""Background tasks of ratings, run by `manage.py db_worker` (found by dotted path)."""

from __future__ import annotations

from django_tasks import task


@task()
def push_rating(push_id: int, request_id: str = "") -> None:
    """Try to hand one rating to the provincial system (`ratings.services.rating_push_deliver`)."""
    # Imported here because services enqueues this task.
    from ratings.services import rating_push_deliver

    rating_push_deliver(push_id=push_id)
