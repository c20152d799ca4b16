from __future__ import annotations

from django.test import override_settings

from cases.tests.helpers import draft_case
from portal.test import PASSWORD, BaseTestCase


class AbsoluteSessionLifetimeTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        r = self.client.post(
            "/accounts/login/", {"kind": "person", "identifier": self.applicant.mobile, "password": PASSWORD}
        )
        self.assertRedirects(r, "/accounts/profile/", fetch_redirect_response=False)

    def logged_in_ago(self, seconds: float) -> None:
        # Move the recorded login time back rather than the clock forward: a patched clock
        # would also end the session by its 30-minute idle timeout.
        session = self.client.session
        session["_login_at"] -= seconds
        session.save()

    def test_the_login_records_its_time(self):
        self.assertIsInstance(self.client.session["_login_at"], float)

    def test_a_busy_session_lives_until_twelve_hours(self):
        self.logged_in_ago(12 * 3600 - 60)
        self.assertEqual(self.client.get("/accounts/profile/").status_code, 200)
        self.assertEqual(int(self.client.session["_auth_user_id"]), self.applicant.pk)

    def test_it_ends_twelve_hours_after_the_login_however_busy(self):
        self.logged_in_ago(12 * 3600 + 1)
        r = self.client.get("/accounts/profile/")
        self.assertRedirects(
            r, "/accounts/login/?kind=person&next=%2Faccounts%2Fprofile%2F", fetch_redirect_response=False
        )
        self.assertNotIn("_auth_user_id", self.client.session)
        r = self.client.get(r["Location"])
        self.assertContains(r, "登录已超过12小时，请重新登录")
        # Logged out for good: the next page asks for a login again.
        r = self.client.get("/accounts/profile/")
        self.assertRedirects(r, "/accounts/login/?next=/accounts/profile/", fetch_redirect_response=False)

    @override_settings(SESSION_ABSOLUTE_SECONDS=2 * 3600)
    def test_the_lifetime_is_a_setting(self):
        self.logged_in_ago(2 * 3600 + 1)
        r = self.client.get("/accounts/profile/", follow=True)
        self.assertContains(r, "登录已超过2小时，请重新登录")
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_a_session_without_a_login_time_starts_counting_now(self):
        self.client.post("/accounts/logout/")
        self.client.force_login(self.reviewer)
        self.assertNotIn("_login_at", self.client.session)
        self.assertEqual(self.client.get("/accounts/profile/").status_code, 200)
        self.logged_in_ago(12 * 3600 + 1)
        r = self.client.post("/workbench/")
        self.assertRedirects(r, "/accounts/login/?kind=staff", fetch_redirect_response=False)
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_a_scripts_fetch_after_twelve_hours_gets_401_json(self):
        # 「继续办理」's keep-alive, as session.js sends it: a redirect to the login page would be
        # read as a broken answer, and the fetch would consume the message meant for that page.
        self.logged_in_ago(12 * 3600 + 1)
        r = self.client.post("/accounts/keepalive/", HTTP_ACCEPT="application/json")
        self.assertEqual(r.status_code, 401)
        lifetime = "登录已超过12小时，请重新登录"
        self.assertEqual(r.json(), {"ok": False, "message": lifetime, "login_url": "/accounts/login/"})
        self.assertNotIn("_auth_user_id", self.client.session)
        # The message is kept for the page the user opens next: the login page.
        r = self.client.get("/accounts/login/")
        self.assertContains(r, "登录已超过12小时，请重新登录")

    def test_an_autosave_after_twelve_hours_gets_401_json_and_saves_nothing(self):
        case = draft_case(self)
        self.logged_in_ago(12 * 3600 + 1)
        typed = {"major": "桥梁工程", "version": "0"}
        r = self.client.post(f"/cases/{case.pk}/autosave/", typed, HTTP_ACCEPT="application/json")
        self.assertEqual(r.status_code, 401)
        self.assertEqual(r.json()["message"], "登录已超过12小时，请重新登录")
        case.refresh_from_db()
        self.assertEqual(case.version, 0)

    def test_a_page_after_twelve_hours_is_still_sent_to_the_login_page(self):
        # A browser's navigation (its Accept prefers HTML) is redirected as before.
        self.logged_in_ago(12 * 3600 + 1)
        browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
        r = self.client.get("/accounts/profile/", HTTP_ACCEPT=browser)
        self.assertEqual(r.status_code, 302)
