"""The manual, section 3, in Chromium: 我的办件 → 查看详情 → 「ofd阅读器下载」 → 「公示附件」 →
「加注」 → 加注中… (the worker seals the file) → 「二建建造师注册证书」 → the download, which our
verifier accepts; then the QR page says 有效."""

from __future__ import annotations

import json
import re
import zipfile
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest

from catalog.seed import seed_catalog
from certificates.models import CertificateCopy, CopyStatus
from certificates.tests.helpers import ensure_keys
from certificates.verify import verify_ofd
from portal.browser import BrowserTestCase, queued_tasks_run
from portal.demo import APPLICANT_PASSWORD, seed_demo

HOLDER_MOBILE = "13800138003"  # 王强 in the demo data: registration granted


def field(page: Any, label: str) -> Any:
    return page.get_by_label(re.compile(rf"^\*?{re.escape(label)}$"))


@pytest.mark.browser
class ManualSectionThreeTestCase(BrowserTestCase):
    def setUp(self) -> None:
        super().setUp()
        ensure_keys()
        seed_catalog()
        seed_demo()

    def test_it_follows_the_manual_to_the_downloaded_certificate(self) -> None:
        page = self.page
        page.goto(self.url("/accounts/login/?kind=person"))
        field(page, "账号").fill(HOLDER_MOBILE)
        field(page, "密码").fill(APPLICANT_PASSWORD)
        page.get_by_role("button", name="登录", exact=True).click()

        # 3.1 (1): 个人中心 → 「我的办件」 → the granted case's 「查看详情」.
        page.get_by_role("link", name="我的办件").first.click()
        row = page.locator("tr", has_text="办结（准予许可）")
        row.get_by_role("link", name="查看详情").click()
        page.get_by_role("link", name="ofd阅读器下载").click()
        page.get_by_text("OFD").first.wait_for()
        page.go_back()

        # 3.1 (2): 「公示附件」 opens a window with 「加注」.
        page.get_by_role("link", name="公示附件").click()
        dialog = page.get_by_role("dialog")
        dialog.get_by_role("button", name="加注").click()
        dialog.get_by_text("加注中…").wait_for()

        # The worker seals the copy (outside the request); the window notices by itself.
        queued_tasks_run()
        copy = CertificateCopy.objects.get()
        self.assertEqual(copy.status, CopyStatus.READY)
        link = dialog.get_by_role("link", name="二建建造师注册证书")
        with page.expect_download() as download_info:
            link.click()
        download = download_info.value
        self.assertTrue(download.suggested_filename.endswith(".ofd"))
        content = Path(download.path()).read_bytes()

        # 3.1 (3): the file is sealed, carries its 使用有效期, and the QR page says 有效.
        result = verify_ofd(content)
        self.assertTrue(result.ok, result.problems)
        record = json.loads(zipfile.ZipFile(BytesIO(content)).read("Doc_0/Attachments/certificate.json"))
        self.assertEqual(record["usage_valid_until"], copy.usage_valid_until.isoformat())
        page.goto(record["verify_url"].replace("http://127.0.0.1:8000", self.live_server_url))
        page.get_by_text("有效", exact=True).first.wait_for()
        page.get_by_text("王*").first.wait_for()
