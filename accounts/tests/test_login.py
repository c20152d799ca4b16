from __future__ import annotations

from datetime import timedelta
from unittest.mock import patch

from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

from accounts.models import LoginThrottle
from accounts.tests.helpers import human_fields, last_code, sms_login
from portal.test import PASSWORD, STAFF_PASSWORD, BaseTestCase


class PasswordLoginTestCase(BaseTestCase):
    def login(self, identifier: str, password: str, kind: str = "person", **extra: str):
        return self.client.post(
            "/accounts/login/", {"kind": kind, "identifier": identifier, "password": password, **extra}
        )

    def test_it_logs_a_person_in_by_id_number_or_mobile(self):
        r = self.login(self.applicant.id_number.lower(), PASSWORD)
        self.assertRedirects(r, "/accounts/profile/", fetch_redirect_response=False)
        self.assertEqual(int(self.client.session["_auth_user_id"]), self.applicant.pk)
        self.client.post("/accounts/logout/")
        self.login(self.applicant.mobile, PASSWORD)
        self.assertEqual(int(self.client.session["_auth_user_id"]), self.applicant.pk)

    def test_it_logs_an_enterprise_in_only_as_legal(self):
        r = self.login(self.enterprise.username, PASSWORD, kind="person")
        # The right password on the 个人 tab: not logged in, but told where to log in.
        self.assertContains(r, "该账号是法人账号，请在“法人”标签下登录")
        self.assertNotIn("_auth_user_id", self.client.session)
        r = self.login(self.enterprise.username, PASSWORD, kind="legal")
        self.assertRedirects(r, "/accounts/profile/", fetch_redirect_response=False)

    def test_it_logs_staff_in_on_the_staff_tab(self):
        r = self.login("admin", STAFF_PASSWORD, kind="staff")
        self.assertRedirects(r, "/accounts/login/verify/", fetch_redirect_response=False)
        self.assertNotIn("_auth_user_id", self.client.session)
        r = self.client.post("/accounts/login/verify/", {"code": last_code(self.admin.mobile)})
        self.assertRedirects(r, "/admin/", fetch_redirect_response=False)
        self.assertEqual(int(self.client.session["_auth_user_id"]), self.admin.pk)
        r = self.client.get("/accounts/login/?kind=staff")
        self.assertContains(r, "工作人员登录")

    def test_the_page_offers_the_user_types_of_the_manual(self):
        r = self.client.get("/accounts/login/")
        self.assertContains(r, ">个人</a>")
        self.assertContains(r, ">法人</a>")
        self.assertContains(r, "使用短信验证码登录")
        self.assertContains(r, "忘记密码")

    def test_unknown_user_and_wrong_password_get_the_same_answer(self):
        r1 = self.login(self.applicant.mobile, "Wrong-password-1")
        r2 = self.login("13600000077", "Wrong-password-1")
        self.assertContains(r1, "账号或密码错误")
        self.assertContains(r2, "账号或密码错误")
        self.assertEqual(r1.status_code, r2.status_code)
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_five_failures_lock_the_account_for_fifteen_minutes(self):
        for _ in range(5):
            self.assertContains(self.login(self.applicant.mobile, "Wrong-password-1"), "账号或密码错误")
        # Locked now: even the right password, and by the other login name, is refused.
        r = self.login(self.applicant.id_number, PASSWORD)
        self.assertContains(r, "账号已锁定，请15分钟后再试")
        self.assertNotIn("_auth_user_id", self.client.session)
        throttle = LoginThrottle.objects.get(key=f"user:{self.applicant.pk}")
        assert throttle.locked_until is not None
        self.assertAlmostEqual((throttle.locked_until - timezone.now()).total_seconds(), 15 * 60, delta=5)
        with patch("accounts.services.timezone.now", return_value=timezone.now() + timedelta(minutes=16)):
            r = self.login(self.applicant.id_number, PASSWORD)
        self.assertRedirects(r, "/accounts/profile/", fetch_redirect_response=False)

    def test_unknown_names_lock_the_same_way(self):
        for _ in range(5):
            self.login("13600000078", "Wrong-password-1")
        self.assertContains(self.login("13600000078", "Wrong-password-1"), "账号已锁定")

    def test_a_success_resets_the_count(self):
        for _ in range(4):
            self.login(self.applicant.mobile, "Wrong-password-1")
        self.login(self.applicant.mobile, PASSWORD)
        self.assertEqual(LoginThrottle.objects.get(key=f"user:{self.applicant.pk}").failures, 0)

    def test_the_lock_is_counted_in_the_database_for_every_process(self):
        # Attempts reserved by other processes that are still checking count towards the limit.
        LoginThrottle.objects.create(key=f"user:{self.applicant.pk}", failures=5)
        self.assertContains(self.login(self.applicant.mobile, PASSWORD), "账号已锁定")

    def test_login_gives_a_new_session_id(self):
        self.client.get("/accounts/login/")
        self.client.cookies[settings.SESSION_COOKIE_NAME] = "planted-session-id-0123456789abcdef"
        self.login(self.applicant.mobile, PASSWORD)
        new_key = self.client.cookies[settings.SESSION_COOKIE_NAME].value
        self.assertNotEqual(new_key, "planted-session-id-0123456789abcdef")
        self.assertTrue(Session.objects.filter(session_key=new_key).exists())

    def test_logout_ends_the_session_on_the_server(self):
        self.login(self.applicant.mobile, PASSWORD)
        key = self.client.cookies[settings.SESSION_COOKIE_NAME].value
        r = self.client.post("/accounts/logout/")
        self.assertRedirects(r, "/", fetch_redirect_response=False)
        self.assertFalse(Session.objects.filter(session_key=key).exists())
        self.assertEqual(self.client.get("/accounts/logout/").status_code, 405)

    def test_sessions_end_after_thirty_idle_minutes(self):
        self.assertEqual(settings.SESSION_COOKIE_AGE, 30 * 60)
        # Renewed at most once a minute rather than at every request (test_session_renew.py).
        self.assertIn("accounts.middleware.SessionRenewMiddleware", settings.MIDDLEWARE)
        self.login(self.applicant.mobile, PASSWORD)
        key = self.client.cookies[settings.SESSION_COOKIE_NAME].value
        Session.objects.filter(session_key=key).update(expire_date=timezone.now() - timedelta(seconds=1))
        r = self.client.get("/accounts/profile/")
        self.assertRedirects(r, "/accounts/login/?next=/accounts/profile/", fetch_redirect_response=False)

    def test_it_follows_a_safe_next_and_ignores_a_foreign_one(self):
        r = self.login(self.applicant.mobile, PASSWORD, next="/catalog/departments/")
        self.assertRedirects(r, "/catalog/departments/", fetch_redirect_response=False)
        self.client.post("/accounts/logout/")
        r = self.login(self.applicant.mobile, PASSWORD, next="https://evil.example/")
        self.assertRedirects(r, "/accounts/profile/", fetch_redirect_response=False)

    def test_the_admin_login_goes_through_the_portal_login(self):
        r = self.client.get("/admin/login/?next=/admin/catalog/")
        self.assertRedirects(
            r, "/accounts/login/?kind=staff&next=%2Fadmin%2Fcatalog%2F", fetch_redirect_response=False
        )
        r = self.client.get("/admin/login/?next=https://evil.example/")
        self.assertRedirects(r, "/accounts/login/?kind=staff&next=%2Fadmin%2F", fetch_redirect_response=False)
        # A password posted to the admin's form logs nobody in: the admin has no password form.
        r = self.client.post("/admin/login/", {"username": "admin", "password": STAFF_PASSWORD})
        self.assertEqual(r.status_code, 302)
        self.assertNotIn("_auth_user_id", self.client.session)


class SmsLoginTestCase(BaseTestCase):
    def test_it_logs_in_with_a_code(self):
        r = sms_login(self.client, self.applicant)
        self.assertRedirects(r, "/accounts/profile/", fetch_redirect_response=False)
        self.assertEqual(int(self.client.session["_auth_user_id"]), self.applicant.pk)

    def test_it_refuses_a_wrong_code(self):
        self.client.post(
            "/accounts/sms-code/",
            {**human_fields(), "mobile": self.applicant.mobile, "purpose": "login", "kind": "person"},
        )
        code = last_code(self.applicant.mobile)
        r = self.client.post(
            "/accounts/login/",
            {
                "kind": "person",
                "method": "sms",
                "mobile": self.applicant.mobile,
                "sms_code": "000000" if code != "000000" else "111111",
            },
        )
        self.assertContains(r, "验证码错误")
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_a_code_on_the_wrong_tab_gets_the_wrong_tab_hint(self):
        # The enterprise's 经办人 asks for a code on the 个人 tab: the code goes to the phone
        # (answering alike for everyone), and the proven code earns the hint, not a login.
        self.client.post(
            "/accounts/sms-code/",
            {**human_fields(), "mobile": self.enterprise.mobile, "purpose": "login", "kind": "person"},
        )
        r = self.client.post(
            "/accounts/login/",
            {
                "kind": "person",
                "method": "sms",
                "mobile": self.enterprise.mobile,
                "sms_code": last_code(self.enterprise.mobile),
            },
        )
        self.assertContains(r, "该账号是法人账号，请在“法人”标签下登录")
        self.assertNotContains(r, "该手机号未注册")
        self.assertNotIn("_auth_user_id", self.client.session)
