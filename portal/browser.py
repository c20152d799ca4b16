"""Browser tests drive Debian's Chromium (/usr/bin/chromium) through Playwright; nothing
downloads a browser. The flags keep Chromium from calling out to the internet."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TypedDict

from django.conf import settings
from django.contrib.staticfiles.testing import StaticLiveServerTestCase
from django.core.cache import caches
from django.core.management import call_command
from django.core.servers.basehttp import ThreadedWSGIServer
from django.test.testcases import LiveServerThread

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


# axe-core from the npm registry (package.json, installed by `make test`): never a CDN.
AXE_JS = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
# The rules of WCAG 2.0 and 2.1, levels A and AA: what the province's 适老化 and accessibility
# rules (GB/T 37668) ask of a government site.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# The two widths every page is checked at: a common office screen, and a common phone.
DESKTOP = {"width": 1366, "height": 800}
PHONE = {"width": 390, "height": 844}

_AXE_RUN = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  return result.violations.map((v) => ({
    rule: v.id, impact: v.impact || "", help: v.help,
    nodes: v.nodes.map((n) => ({target: n.target.join(" "), summary: n.failureSummary || ""})),
  }));
}"""


class AxeNode(TypedDict):
    target: str
    summary: str


class AxeViolation(TypedDict):
    rule: str
    impact: str
    help: str
    nodes: list[AxeNode]


def axe_violations(page: Any) -> list[AxeViolation]:
    """Runs axe-core on the page as it is now, with the WCAG 2.0/2.1 A and AA rules.

    The script goes in through the DevTools protocol (page.evaluate), which the page's
    Content-Security-Policy does not govern: a <script> tag with inline code would be refused."""
    if not AXE_JS.exists():
        raise RuntimeError(f"没有找到 axe-core（{AXE_JS}）：请运行 make test，它会用 npm ci 安装")
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE_JS.read_text("utf-8"))
    violations: list[AxeViolation] = page.evaluate(_AXE_RUN, AXE_TAGS)
    return violations


def axe_report(violations: list[AxeViolation], where: str) -> list[str]:
    """One readable line per element that breaks a rule: where, rule, impact, element, help."""
    return [
        f"{where}: {v['rule']} ({v['impact']}) {node['target']} — {v['help']}"
        for v in violations
        for node in v["nodes"]
    ]


def assert_no_axe_violations(page: Any, where: str) -> None:
    """Fails with the list of every violation axe-core finds on the page."""
    lines = axe_report(axe_violations(page), where)
    if lines:
        raise AssertionError("axe-core 发现无障碍问题：\n" + "\n".join(lines))


# On the embedded default the test database is SQLite in memory, and Django hands the test
# thread's one connection to every request thread of the live server. Two requests at once
# (a page and the favicon, an autosave and a click) would then interleave their transactions
# on that one connection, and a broken one fails every later test of the run with
# 「You can't execute queries until the end of the 'atomic' block」. So the live server runs
# one request at a time there, and a test waits for the last one before it ends. On
# PostgreSQL each request thread has its own connection and requests run side by side.
_ONE_AT_A_TIME = threading.Lock()
_QUIET_WAIT = 60


class _ReleasedOnClose:
    """The response body; the lock is released when the server closes it (after the last
    byte, or on a broken pipe), since Django's request_finished work runs then."""

    def __init__(self, body: Iterable[bytes]) -> None:
        self.body = body

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.body)

    def close(self) -> None:
        try:
            close = getattr(self.body, "close", None)
            if close is not None:
                close()
        finally:
            _ONE_AT_A_TIME.release()


class _SerialWSGIServer(ThreadedWSGIServer):
    def set_app(self, application: WSGIApplication | None) -> None:
        # Django's server keeps the overridden connections (ThreadedWSGIServer.__init__).
        if application is None or not getattr(self, "connections_override", None):
            super().set_app(application)
            return

        def one_at_a_time(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
            _ONE_AT_A_TIME.acquire()
            try:
                body = application(environ, start_response)
            except BaseException:
                _ONE_AT_A_TIME.release()
                raise
            return _ReleasedOnClose(body)

        super().set_app(one_at_a_time)


class _SerialLiveServerThread(LiveServerThread):
    server_class = _SerialWSGIServer


def wait_for_quiet_server() -> None:
    """Returns once no request is being handled (at once on PostgreSQL, where nothing waits)."""
    if not _ONE_AT_A_TIME.acquire(timeout=_QUIET_WAIT):
        raise AssertionError(f"测试服务器 {_QUIET_WAIT} 秒内没有处理完上一个请求")
    _ONE_AT_A_TIME.release()


@contextmanager
def server_paused() -> Iterator[None]:
    """The live server's requests wait while the test thread writes to the database itself (a
    worker run while the page polls for its result): on SQLite both would use one connection."""
    if not _ONE_AT_A_TIME.acquire(timeout=_QUIET_WAIT):
        raise AssertionError(f"测试服务器 {_QUIET_WAIT} 秒内没有处理完上一个请求")
    try:
        yield
    finally:
        _ONE_AT_A_TIME.release()


def queued_tasks_run() -> None:
    """Run what is queued as the worker would (`manage.py db_worker --batch`), the live
    server's requests waiting meanwhile: a page polling for the result (加注中…) would
    otherwise read the database while the worker begins its exclusive transaction, and on
    SQLite one of the two fails with "database table is locked"."""
    with server_paused():
        call_command("db_worker", batch=True, interval=0, startup_delay=False, queue_name="*")


class BrowserTestCase(StaticLiveServerTestCase):
    """A live server and a fresh headless Chromium page for each test."""

    server_thread_class = _SerialLiveServerThread

    playwright: ClassVar[Any]
    browser: ClassVar[Any]
    page: Any

    @classmethod
    def setUpClass(cls) -> None:
        # Playwright's sync API runs an event loop in this thread; Django refuses ORM calls
        # from a thread with a running loop unless told that this is deliberate.
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
        if not shutil.which(CHROMIUM):
            raise RuntimeError(
                f"没有找到 Chromium（{CHROMIUM}）：请运行 make test，它会用 apt 安装 Debian 的 chromium"
            )
        super().setUpClass()
        from playwright.sync_api import sync_playwright

        cls.playwright = sync_playwright().start()
        cls.browser = cls.playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )

    @classmethod
    def tearDownClass(cls) -> None:
        cls.browser.close()
        cls.playwright.stop()
        super().tearDownClass()

    def setUp(self) -> None:
        super().setUp()
        # Answers kept under versions (lib.publiccache) were of the rows the last test emptied.
        caches["public"].clear()
        self.context = self.browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.page.set_default_timeout(15_000)

    def tearDown(self) -> None:
        # Closing the browser stops new requests; one still being handled (a favicon, an
        # autosave) finishes before the database is emptied for the next test.
        self.context.close()
        wait_for_quiet_server()
        super().tearDown()

    def url(self, path: str) -> str:
        return f"{self.live_server_url}{path}"
