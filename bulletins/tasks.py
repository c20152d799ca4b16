from __future__ import annotations

from django_tasks import task


@task()
def make_bulletin_pdf(bulletin_id: int, request_id: str = "") -> None:
    """Draw and keep a published 注册公告's PDF (`bulletins.services.bulletin_pdf_make`)."""
    from bulletins.services import bulletin_pdf_make

    bulletin_pdf_make(bulletin_id=bulletin_id)
