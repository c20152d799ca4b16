from __future__ import annotations

from typing import Any

from django.conf import settings

from accounts.models import KnownBrowser, User
from lib.datacrypt import mobile_index
from notifications.models import SmsMessage
from portal.test import PASSWORD, BaseTestCase


class NewBrowserNoticeTestCase(BaseTestCase):
    def login(self, user: User | None = None) -> Any:
        user = user or self.applicant
        kind = "legal" if user.is_legal else "person"
        return self.client.post(
            "/accounts/login/", {"kind": kind, "identifier": user.mobile, "password": PASSWORD}
        )

    def notices(self, mobile: str) -> int:
        return SmsMessage.objects.filter(
            mobile_index=mobile_index(mobile), template="new_browser_login"
        ).count()

    def test_a_login_from_a_new_browser_sends_a_notice_and_a_known_one_does_not(self):
        r = self.login()
        self.assertRedirects(r, "/accounts/profile/", fetch_redirect_response=False)
        cookie = r.cookies[settings.DEVICE_COOKIE_NAME]
        self.assertTrue(cookie["httponly"])
        self.assertGreater(int(cookie["max-age"]), 365 * 24 * 3600)
        notice = SmsMessage.objects.get(
            mobile_index=mobile_index(self.applicant.mobile), template="new_browser_login"
        )
        self.assertIn("在新的浏览器登录，如非本人操作请立即修改密码", notice.text)
        self.assertEqual(notice.user_id, self.applicant.pk)
        self.assertEqual(KnownBrowser.objects.filter(user=self.applicant).count(), 1)

        self.client.post("/accounts/logout/")
        self.assertRedirects(self.login(), "/accounts/profile/", fetch_redirect_response=False)
        self.assertEqual(self.notices(self.applicant.mobile), 1)
        self.assertEqual(KnownBrowser.objects.filter(user=self.applicant).count(), 1)

    def test_a_cleared_cookie_counts_as_a_new_browser(self):
        self.login()
        self.client.post("/accounts/logout/")
        del self.client.cookies[settings.DEVICE_COOKIE_NAME]
        self.login()
        self.assertEqual(self.notices(self.applicant.mobile), 2)
        self.assertEqual(KnownBrowser.objects.filter(user=self.applicant).count(), 2)

    def test_a_forged_cookie_counts_as_a_new_browser(self):
        self.login()
        known = KnownBrowser.objects.get(user=self.applicant).device_id
        self.client.post("/accounts/logout/")
        self.client.cookies[settings.DEVICE_COOKIE_NAME] = known  # the id, without our signature
        self.login()
        self.assertEqual(self.notices(self.applicant.mobile), 2)

    def test_each_account_knows_its_own_browsers(self):
        self.login()
        self.client.post("/accounts/logout/")
        self.login(self.enterprise)
        self.assertEqual(self.notices(self.applicant.mobile), 1)
        self.assertEqual(self.notices(self.enterprise.mobile), 1)
        self.assertEqual(
            KnownBrowser.objects.get(user=self.enterprise).device_id,
            KnownBrowser.objects.get(user=self.applicant).device_id,
        )

    def test_a_failed_login_sends_nothing(self):
        self.client.post(
            "/accounts/login/",
            {"kind": "person", "identifier": self.applicant.mobile, "password": "Wrong-password-1"},
        )
        self.assertEqual(self.notices(self.applicant.mobile), 0)
        self.assertFalse(KnownBrowser.objects.exists())
