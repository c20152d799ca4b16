"""`make bench`, the public pages (issue 14): requests a second through the whole Django stack
beside a bare view measured in the same run, and each page's share of it beside its goal.

Each request goes to the WSGI application as gunicorn hands it one (an environ, the response
iterated and closed, so `request_finished` runs and the database connection is kept or closed
as CONN_MAX_AGE says), without the test client's extra work. The pages take turns in short
rounds and are counted by this process's CPU time (SQLite works in this process), so that
whatever else the machine does slows none of them: ratios are what count here, absolute
figures are noisy."""

from __future__ import annotations

import io
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.core.handlers.wsgi import WSGIHandler
from django.test import override_settings
from django.urls import reverse

from catalog.models import Matter
from certificates.models import CertificateCopy
from portal.bench_urls import BARE_PATH

HOST = "127.0.0.1"
VERIFY_GOAL = 0.60  # of the bare view's requests a second
PAGES_GOAL = 0.30


@dataclass(frozen=True)
class Page:
    label: str
    path: str
    query: str = ""
    goal: float = PAGES_GOAL


def _environ(page: Page) -> dict[str, Any]:
    return {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": page.path,
        "QUERY_STRING": page.query,
        "SERVER_NAME": HOST,
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": HOST,
        "HTTP_ACCEPT": "text/html",
        "REMOTE_ADDR": HOST,
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }


def _get(app: WSGIHandler, page: Page) -> str:
    status: list[str] = []

    def start_response(line: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        status.append(line)
        return None

    result = app(_environ(page), start_response)
    try:
        for _ in result:
            pass
    finally:
        result.close()  # HttpResponse: request_finished
    return status[0]


def public_pages(copy: CertificateCopy) -> list[Page]:
    matter = Matter.objects.order_by("department__order", "order", "id").first()
    assert matter is not None, "seed_catalog first"
    return [
        Page("证书核验页（二维码）", reverse("certificates:verify", args=[copy.token]), goal=VERIFY_GOAL),
        Page("首页", reverse("portal:home")),
        Page("事项搜索（二建）", reverse("catalog:search"), urlencode({"q": "二建"})),
        Page("办事指南", reverse("catalog:guide", args=[matter.code])),
        Page("注册人员查询（查询页）", reverse("registry:query")),
    ]


def requests_per_second(pages: list[Page], *, seconds: float, rounds: int = 10) -> dict[str, float]:
    """Each page's requests per CPU second, the bare view's under the label "bare"."""
    bare = Page("bare", BARE_PATH)
    everything = [bare, *pages]
    counts = dict.fromkeys((p.label for p in everything), 0)
    spent = dict.fromkeys((p.label for p in everything), 0.0)
    with override_settings(ROOT_URLCONF="portal.bench_urls"):
        app = WSGIHandler()
        for page in everything:  # warm: templates, URL resolvers, the connection
            for _ in range(20):
                line = _get(app, page)
                assert line.startswith("200"), f"{page.path}: {line}"
        share = seconds / rounds / len(everything)
        for _ in range(rounds):
            for page in everything:
                start = time.perf_counter()
                cpu = time.process_time()
                while time.perf_counter() - start < share:
                    _get(app, page)
                    counts[page.label] += 1
                spent[page.label] += time.process_time() - cpu
    return {label: counts[label] / spent[label] for label in counts}


def bench_public_pages(copy: CertificateCopy, *, seconds: float, out: Callable[[str], None]) -> None:
    pages = public_pages(copy)
    rates = requests_per_second(pages, seconds=seconds)
    bare = rates["bare"]
    out(f"公开页面吞吐（进程内，完整 Django 请求处理，单进程，{seconds:.0f} s 交替，按本进程 CPU 时间计）")
    out(f"    参照：空视图（同一进程、同一次运行） 每秒 {bare:.0f} 次")
    for page in pages:
        rate = rates[page.label]
        ratio = rate / bare
        verdict = "达到" if ratio >= page.goal else "未达到"
        out(
            f"    {page.label:<14} 每秒 {rate:6.0f} 次，为空视图的 {ratio * 100:4.0f}%"
            f"（目标 ≥ {page.goal * 100:.0f}%，{verdict}）"
        )
