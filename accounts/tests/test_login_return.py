"""After a timeout nothing is lost (issue 11): the login page says why it was asked for and
returns to the page the user was on; 「继续办理」 keeps the login; staff land on the
workbench; a login on the wrong user-type tab gets a hint."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib.sessions.models import Session
from django.urls import reverse

from accounts import services
from accounts.models import LoginThrottle
from cases.tests.helpers import draft_case
from cases.tests.sample_files import form_post, start_url
from portal.test import PASSWORD, STAFF_PASSWORD, BaseTestCase


class LoginReturnTestCase(BaseTestCase):
    def login(self, identifier: str, password: str, kind: str = "person", **extra: str):
        return self.client.post(
            "/accounts/login/", {"kind": kind, "identifier": identifier, "password": password, **extra}
        )

    def expire_session(self) -> None:
        # As the idle timeout leaves it: the browser still sends the cookie, the row is gone.
        Session.objects.all().delete()

    def test_an_anonymous_开始申请_asks_to_log_in_first_and_comes_back(self):
        r = self.client.get(start_url())
        self.assertRedirects(
            r, f"/accounts/login/?next={quote(start_url(), safe='')}", fetch_redirect_response=False
        )
        r = self.client.get(r["Location"])
        self.assertContains(r, "请先登录")
        self.assertNotContains(r, "登录已超时")
        r = self.login(self.applicant.mobile, PASSWORD, next=start_url())
        self.assertRedirects(r, start_url(), fetch_redirect_response=False)

    def test_a_save_after_the_timeout_returns_to_the_form_not_to_a_405(self):
        case = draft_case(self)
        self.client.force_login(self.applicant)
        edit = reverse("cases:edit", args=[case.pk])
        self.expire_session()
        upload = reverse("cases:upload", args=[case.pk, "photo"])
        r = self.client.post(upload, {}, HTTP_REFERER=f"http://testserver{edit}")
        self.assertRedirects(
            r, f"/accounts/login/?next={quote(edit, safe='')}", fetch_redirect_response=False
        )
        r = self.client.get(r["Location"])
        self.assertContains(r, "登录已超时，请重新登录")
        self.assertContains(r, f'name="next" value="{edit}"')
        r = self.login(self.applicant.mobile, PASSWORD, next=edit)
        self.assertRedirects(r, edit, fetch_redirect_response=False)
        self.assertEqual(case.attachments.count(), 0)

    def test_a_post_from_another_site_does_not_choose_where_to_return(self):
        case = draft_case(self)
        self.client.force_login(self.applicant)
        self.expire_session()
        r = self.client.post(
            reverse("cases:edit", args=[case.pk]), form_post(self), HTTP_REFERER="https://evil.example/x"
        )
        self.assertRedirects(r, "/accounts/login/", fetch_redirect_response=False)
        case.refresh_from_db()
        self.assertEqual(case.version, 0)

    def test_keepalive_renews_the_login_and_says_for_how_long(self):
        self.client.force_login(self.applicant)
        before = Session.objects.get().expire_date
        r = self.client.post(reverse("accounts:keepalive"))
        self.assertEqual(r.status_code, 200)
        # Half an hour, less the minute a renewal may be stale (accounts.middleware).
        self.assertEqual(r.json(), {"ok": True, "idle_seconds": 1740})
        self.assertGreaterEqual(Session.objects.get().expire_date, before)
        r = self.client.get(reverse("accounts:profile"))
        self.assertContains(r, 'data-session-idle="1740"')
        self.assertContains(r, 'id="session-dialog"')
        self.assertContains(r, "继续办理")

    def test_keepalive_after_the_timeout_answers_401(self):
        self.client.force_login(self.applicant)
        self.expire_session()
        r = self.client.post(reverse("accounts:keepalive"))
        self.assertEqual(r.status_code, 401)
        self.assertEqual(r.json()["message"], "登录已超时，请重新登录")
        self.assertFalse(Session.objects.filter(session_data__contains="_auth_user_id").exists())

    def test_anonymous_pages_have_no_idle_warning(self):
        r = self.client.get("/")
        self.assertNotContains(r, "data-session-idle")
        self.assertNotContains(r, "session-dialog")

    def test_staff_land_on_the_workbench(self):
        self.client.force_login(self.reviewer)  # the second factor is tested elsewhere
        from accounts.views import _next_url  # the rule itself, for each kind of account

        request = self.client.get("/").wsgi_request
        self.assertEqual(_next_url(request, self.reviewer), "/workbench/")
        self.assertEqual(_next_url(request, self.acceptor), "/workbench/")
        self.assertEqual(_next_url(request, self.admin), "/admin/")
        self.assertEqual(_next_url(request, self.applicant), "/accounts/profile/")
        self.assertEqual(_next_url(request, self.enterprise), "/accounts/profile/")

    def test_a_person_on_the_legal_tab_is_told_where_to_log_in(self):
        r = self.login(self.applicant.id_number, PASSWORD, kind="legal")
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, "该账号是个人账号，请在“个人”标签下登录")
        self.assertNotIn("_auth_user_id", self.client.session)
        # The try is given back: it is no failure of that account's password.
        self.assertEqual(LoginThrottle.objects.get(key=f"user:{self.applicant.pk}").failures, 0)

    def test_a_wrong_password_on_the_wrong_tab_reveals_nothing_and_counts(self):
        r = self.login(self.applicant.mobile, "not-the-password", kind="legal")
        self.assertContains(r, services.LOGIN_WRONG)
        self.assertNotContains(r, "个人账号")
        # A guess at the person's password, counted against that account like one on its tab.
        self.assertEqual(LoginThrottle.objects.get(key=f"user:{self.applicant.pk}").failures, 1)
        r = self.login("13012345678", PASSWORD, kind="legal")
        self.assertContains(r, services.LOGIN_WRONG)

    def test_staff_credentials_get_no_hint_on_an_applicant_tab(self):
        r = self.login("shencha", STAFF_PASSWORD, kind="person")
        self.assertContains(r, services.LOGIN_WRONG)
        self.assertNotContains(r, "标签下登录")
        self.assertNotIn("_auth_user_id", self.client.session)
