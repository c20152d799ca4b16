"""Browser tests drive Debian's Chromium (/usr/bin/chromium) through Playwright; nothing
downloads a browser. The flags keep Chromium from calling out to the internet."""

from __future__ import annotations

import os
import shutil
from typing import Any, ClassVar

from django.contrib.staticfiles.testing import StaticLiveServerTestCase

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


class BrowserTestCase(StaticLiveServerTestCase):
    """A live server and a fresh headless Chromium page for each test."""

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
        self.context = self.browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.page.set_default_timeout(15_000)

    def tearDown(self) -> None:
        self.context.close()
        super().tearDown()

    def url(self, path: str) -> str:
        return f"{self.live_server_url}{path}"
