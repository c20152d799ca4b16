from __future__ import annotations

from django_tasks import task


@task()
def make_certificate_copy(copy_id: int) -> None:
    from certificates.services import certificate_copy_make

    certificate_copy_make(copy_id=copy_id)
