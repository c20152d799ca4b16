"""The 科室负责人's 统计分析 in Chromium, over the demo's year of history: he finds it in his
menu, picks a period, sees each chart with its table and downloads the exports; axe-core finds
nothing, and on a 390 px phone in 关怀版 nothing scrolls sideways."""

from __future__ import annotations

import re

import pytest

from accounts.tests.helpers import last_code
from certificates.tests.helpers import ensure_keys
from portal.browser import PHONE, BrowserTestCase, axe_report, axe_violations
from portal.demo import STAFF_PASSWORD, demo_history, seed_demo
from portal.display import COOKIE_NAME, DisplayMode
from portal.test import catalog_seeded


@pytest.mark.browser
class FiguresBrowserTestCase(BrowserTestCase):
    def setUp(self) -> None:
        super().setUp()
        ensure_keys()
        catalog_seeded()
        seed_demo()
        demo_history()

    def log_in(self) -> None:
        page = self.page
        page.goto(self.url("/accounts/login/?kind=staff"))
        page.get_by_label(re.compile(r"^\*?账号$")).fill("kezhang")
        page.get_by_label(re.compile(r"^\*?密码$")).fill(STAFF_PASSWORD)
        page.get_by_role("button", name="登录", exact=True).click()
        page.get_by_label(re.compile(r"^\*?验证码$")).fill(last_code("13800138016"))
        page.get_by_role("button", name="验证并登录").click()
        page.wait_for_load_state()

    def test_the_leader_reads_the_figures_and_downloads_them(self) -> None:
        page = self.page
        self.log_in()
        page.get_by_role("navigation", name="我的").get_by_role("link", name="统计分析").click()
        page.get_by_role("heading", name="统计分析", level=1).wait_for()

        # Each chart is an image with a name and a description, beside its table.
        chart = page.get_by_role("img", name="每月收件")
        self.assertTrue(chart.is_visible())
        section = page.get_by_role("region", name="收件与补正（按月）")
        self.assertEqual(section.get_by_role("row").count(), 12 + 2)  # header, 12 months, total
        self.assertEqual(axe_report(axe_violations(page), "统计分析"), [])

        page.get_by_label("起始月份").fill("2026-01")
        page.get_by_label("截止月份").fill("2026-03")
        page.get_by_role("button", name="统计").click()
        page.wait_for_url("**/figures/?start=2026-01&end=2026-03")
        self.assertTrue(page.get_by_text("统计期间 2026年01月至2026年03月").is_visible())
        self.assertEqual(section.get_by_role("row").count(), 3 + 2)

        with page.expect_download() as download:
            page.get_by_role("link", name="Excel（XLSX）").click()
        self.assertEqual(download.value.suggested_filename, "统计分析_202601-202603.xlsx")

    def test_it_fits_a_phone_in_care_mode(self) -> None:
        page = self.page
        self.log_in()
        self.context.add_cookies(
            [{"name": COOKIE_NAME, "value": DisplayMode.CARE, "url": self.live_server_url}]
        )
        page.set_viewport_size(PHONE)
        page.goto(self.url("/figures/"))
        self.assertTrue(page.evaluate("document.documentElement.classList.contains('care')"))
        self.assertLessEqual(page.evaluate("document.documentElement.scrollWidth"), PHONE["width"])
        self.assertEqual(axe_report(axe_violations(page), "统计分析（关怀版，手机）"), [])
