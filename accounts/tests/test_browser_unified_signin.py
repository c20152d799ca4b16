"""「统一身份认证登录」 in Chromium, end to end: the login page's button, the local platform
(accounts/tests/oidc_provider.py) and back, the confirmation page, and the 个人中心, on a 360 px
phone in 关怀版, with the layout and accessibility rules every page keeps."""

from __future__ import annotations

from typing import ClassVar

import pytest

from accounts.models import UnifiedIdentityLink
from accounts.tests.oidc_provider import LocalProvider
from portal.browser import BrowserTestCase, assert_no_axe_violations
from portal.display import COOKIE_NAME, DisplayMode
from portal.test import catalog_seeded, person_create
from portal.tests.test_browser_phones import BROKEN_LABELS, CARE_AUDIT, OVERFLOW


@pytest.mark.browser
class UnifiedSignInBrowserTestCase(BrowserTestCase):
    provider: ClassVar[LocalProvider]

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls.provider = LocalProvider().start()
        cls.addClassCleanup(cls.provider.stop)

    def assert_fits_a_phone_in_care_mode(self, where: str) -> None:
        self.assertTrue(self.page.evaluate("document.documentElement.classList.contains('care')"))
        self.assertLessEqual(self.page.evaluate(OVERFLOW)["scroll"], 360, where)
        self.assertEqual(self.page.evaluate(BROKEN_LABELS), [], where)
        self.assertEqual(self.page.evaluate(CARE_AUDIT), [], where)
        assert_no_axe_violations(self.page, where)

    def test_a_first_sign_in_on_a_phone_in_care_mode(self) -> None:
        catalog_seeded()
        person = person_create(name="张伟", first17="21010219900307001", mobile="13800000001")
        self.provider.person = {
            "sub": "u-1001",
            "name": "张伟",
            "id_type": "111",
            "id_number": person.id_number,
        }
        page = self.page
        page.set_viewport_size({"width": 360, "height": 740})
        self.context.add_cookies(
            [{"name": COOKIE_NAME, "value": DisplayMode.CARE, "url": self.live_server_url}]
        )
        with self.settings(SITE_URL=self.live_server_url, **self.provider.settings()):
            page.goto(self.url("/accounts/login/"))
            self.assert_fits_a_phone_in_care_mode("登录")
            page.get_by_role("link", name="统一身份认证登录").click()
            page.wait_for_url("**/accounts/login/unified/confirm/")
            self.assertTrue(page.get_by_text("将关联您已有的个人账号").is_visible())
            self.assert_fits_a_phone_in_care_mode("确认统一身份认证登录")
            page.get_by_role("button", name="确认关联并登录").click()
            page.wait_for_url("**/accounts/profile/")
        self.assertEqual(UnifiedIdentityLink.objects.get().user, person)
        self.assertTrue(page.get_by_role("heading", name="个人中心").is_visible())
        self.assertTrue(page.locator("dd", has_text="张伟").is_visible())
