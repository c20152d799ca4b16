from __future__ import annotations

from django_tasks import task


@task()
def make_certificate_copy(copy_id: int, request_id: str = "") -> None:
    """Draw, seal and store one 加注件 (`certificates.services.certificate_copy_make`).
    `request_id` is the 加注 request's, for the logs (lib/taskqueue.py sets it)."""
    from certificates.services import certificate_copy_make

    certificate_copy_make(copy_id=copy_id)


@task()
def make_sealed_notice(sealed_id: int, request_id: str = "") -> None:
    """Draw, seal and store one notice's OFD (`certificates.notices.notice_seal_make`)."""
    from certificates.notices import notice_seal_make

    notice_seal_make(sealed_id=sealed_id)
