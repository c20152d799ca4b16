"""Render the portal's PDFs (申请表, 材料接收告知单, notices and decisions) from Django templates
with WeasyPrint.

    pdf_bytes = render_pdf(template="receipt", context={...})
    return HttpResponse(pdf_bytes, headers=pdf_response_headers("材料接收告知单.pdf"))

`template` names `templates/paperwork/<template>.html`; the context each one expects is
documented as a TypedDict in `paperwork/documents.py`. All pages are A4 portrait with the
Noto CJK fonts embedded as subsets, so a PDF prints the same on any machine.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.http import content_disposition_header

from lib.memory import font_pages_release

if TYPE_CHECKING:
    from weasyprint.text.fonts import FontConfiguration

# WeasyPrint (and Pango behind it) costs a web worker about 40 MB once imported, so it is
# imported by the first render, not with the URLconf: a worker that never prints never pays.

TEMPLATES = frozenset({"application_form", "receipt", "notice", "bulletin"})

# Loading fontconfig's configuration and font list is the slowest fixed cost of a render, so
# it is kept. Pango font maps are not thread-safe, hence one per thread (gunicorn threads).
_local = threading.local()


def _font_config() -> FontConfiguration:
    config: FontConfiguration | None = getattr(_local, "font_config", None)
    if config is None:
        from weasyprint.text.fonts import FontConfiguration

        config = _local.font_config = FontConfiguration()
    return config


def render_pdf(*, template: str, context: Mapping[str, object]) -> bytes:
    """Render templates/paperwork/<template>.html to PDF bytes."""
    if template not in TEMPLATES:
        raise ValueError(f"unknown paperwork template {template!r}")
    from weasyprint import HTML, URLFetcher

    html = render_to_string(f"paperwork/{template}.html", dict(context))
    document = HTML(
        string=html,
        base_url=str(settings.BASE_DIR / "templates" / "paperwork"),
        # Only data: URIs (the applicant's photo). Values are escaped, but should markup ever
        # slip through, it must not make the server fetch files or URLs.
        url_fetcher=URLFetcher(allowed_protocols={"data"}),
    )
    pdf: bytes = document.write_pdf(font_config=_font_config())
    # WeasyPrint read each CJK font it embedded whole: those pages need not stay in this
    # worker's memory until the next PDF (lib/memory.py).
    font_pages_release()
    return pdf


# Control characters would break the header; slashes would make a path of a file name.
_UNSAFE_FILENAME = re.compile(r"[\x00-\x1f\x7f/\\]+")


def pdf_response_headers(filename: str, *, inline: bool = False) -> dict[str, str]:
    """Headers for an HttpResponse carrying a PDF. A Chinese file name is sent as RFC 5987
    `filename*=utf-8''%E7%94%B3...`, which every current browser reads."""
    name = _UNSAFE_FILENAME.sub("_", filename).strip() or "document"
    if not name.lower().endswith(".pdf"):
        name += ".pdf"
    disposition = content_disposition_header(as_attachment=not inline, filename=name)
    assert disposition is not None  # only None without a file name
    return {"Content-Type": "application/pdf", "Content-Disposition": disposition}
