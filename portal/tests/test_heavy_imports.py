"""A web worker loads only what every request needs: WeasyPrint (~40 MB) and pypinyin's
dictionaries (~57 MB) wait for the first PDF and the first catalogue save, pypdf (with
fontTools' part it pulls, ~25 MB) for the first PDF uploaded, requests (~18 MB with urllib3
and charset_normalizer) for the first sign-in through the province's 统一身份认证, segno
(~10 MB) for the first QR code drawn (issue 14's memory goals). A module that imports one of
them at the top again makes this fail."""

from __future__ import annotations

import os
import subprocess
import sys

from django.conf import settings

LOADED = """
import sys
from portal.wsgi import application
from django.urls import get_resolver
get_resolver().reverse_dict  # every URLconf and every view module, as the first request loads them
HEAVY = ("weasyprint", "pypinyin", "pypdf", "requests", "segno")
print(",".join(sorted(name for name in HEAVY if name in sys.modules)))
"""


def test_a_web_worker_has_no_pdf_pinyin_http_or_qr_library_until_it_needs_one() -> None:
    done = subprocess.run(  # noqa: S603 - our own code, fixed arguments
        [sys.executable, "-c", LOADED],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings", "ALLOWED_HOSTS": "testserver"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1:] in ([""], []), done.stdout
