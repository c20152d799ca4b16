"""Limits and anti-automation on the account pages: HTTP 429 with a plain Chinese sentence
over a limit, a honeypot and a time stamp on the SMS-code request and registration, and a
stranger's wrong passwords that cannot lock the owner out of an SMS login."""

from __future__ import annotations

from unittest.mock import patch

from django.core.cache import cache
from django.test import override_settings

from accounts.models import LoginThrottle, SmsQuota, User
from accounts.tests.helpers import human_fields, last_code, sms_login
from lib.antibot import REFUSE_HONEYPOT, REFUSE_STALE, REFUSE_TOO_FAST
from lib.datacrypt import mobile_index
from notifications.models import SmsMessage
from portal.test import PASSWORD, BaseTestCase

NEW_MOBILE = "13600000055"


class LockedOwnerTestCase(BaseTestCase):
    def password_login(self, password: str):
        return self.client.post(
            "/accounts/login/", {"kind": "person", "identifier": self.applicant.mobile, "password": password}
        )

    def test_a_locked_account_can_still_log_in_by_sms_code_which_clears_the_lock(self):
        for _ in range(5):
            self.password_login("Wrong-password-1")
        r = self.password_login(PASSWORD)
        self.assertContains(r, "账号已锁定，请15分钟后再试；您也可使用短信验证码登录")
        self.assertNotIn("_auth_user_id", self.client.session)

        r = sms_login(self.client, self.applicant)
        self.assertRedirects(r, "/accounts/profile/", fetch_redirect_response=False)
        self.assertEqual(int(self.client.session["_auth_user_id"]), self.applicant.pk)
        throttle = LoginThrottle.objects.get(key=f"user:{self.applicant.pk}")
        self.assertEqual((throttle.failures, throttle.locked_until), (0, None))
        # The password works again at once.
        self.client.post("/accounts/logout/")
        self.assertRedirects(
            self.password_login(PASSWORD), "/accounts/profile/", fetch_redirect_response=False
        )

    def test_staff_are_not_told_about_an_sms_login_they_do_not_have(self):
        for _ in range(6):
            r = self.client.post(
                "/accounts/login/", {"kind": "staff", "identifier": "admin", "password": "x"}
            )
        self.assertContains(r, "账号已锁定，请15分钟后再试")
        self.assertNotContains(r, "短信验证码登录")


class LimitTestCase(BaseTestCase):
    @override_settings(RATE_LIMITS={"login.subject": (2, 3600)})
    def test_password_logins_over_the_limit_get_429_in_chinese(self):
        data = {"kind": "person", "identifier": self.applicant.mobile, "password": "Wrong-password-1"}
        for _ in range(2):
            self.assertEqual(self.client.post("/accounts/login/", data).status_code, 200)
        r = self.client.post("/accounts/login/", {**data, "password": PASSWORD})
        self.assertContains(r, "登录过于频繁，请稍后再试", status_code=429)
        self.assertNotIn("_auth_user_id", self.client.session)
        # Refused before the password check: the lockout count did not move.
        self.assertEqual(LoginThrottle.objects.get(key=f"user:{self.applicant.pk}").failures, 2)

    @override_settings(RATE_LIMITS={"sms_login.client": (1, 3600)})
    def test_sms_logins_are_limited_per_address(self):
        data = {"kind": "person", "method": "sms", "sms_code": "000000"}
        self.client.post("/accounts/login/", {**data, "mobile": self.applicant.mobile})
        r = self.client.post("/accounts/login/", {**data, "mobile": self.other_applicant.mobile})
        self.assertContains(r, "登录过于频繁，请稍后再试", status_code=429)
        other = self.client.post(
            "/accounts/login/", {**data, "mobile": self.other_applicant.mobile}, REMOTE_ADDR="203.0.113.9"
        )
        self.assertEqual(other.status_code, 200)

    @override_settings(RATE_LIMITS={"sms_send.subject": (1, 3600)})
    def test_code_requests_over_the_limit_answer_alike_for_any_number(self):
        answers = []
        for mobile in (self.applicant.mobile, "13600000099"):
            data = {**human_fields(), "mobile": mobile, "purpose": "login", "kind": "person"}
            self.client.post("/accounts/sms-code/", data)
            answers.append(self.client.post("/accounts/sms-code/", data))
        self.assertEqual([r.status_code for r in answers], [429, 429])
        self.assertEqual(answers[0].content, answers[1].content)
        self.assertEqual(answers[0].json(), {"ok": False, "message": "获取验证码过于频繁，请稍后再试"})
        self.assertEqual(
            SmsMessage.objects.filter(mobile_index=mobile_index(self.applicant.mobile)).count(), 1
        )

    @override_settings(RATE_LIMITS={"register.client": (1, 3600)})
    def test_registration_submits_are_limited(self):
        data = {**human_fields(), "name": "周杰", "mobile": NEW_MOBILE, "sms_code": "123456"}
        self.client.post("/accounts/register/", data)
        r = self.client.post("/accounts/register/", data)
        self.assertContains(r, "注册过于频繁，请稍后再试", status_code=429)
        self.assertFalse(User.objects.filter(name="周杰").exists())

    @override_settings(RATE_LIMITS={"reset.subject": (1, 3600)})
    def test_password_reset_submits_are_limited(self):
        data = {"kind": "person", "mobile": self.applicant.mobile, "sms_code": "000000"}
        data |= {"password1": "Xin-mima-2026", "password2": "Xin-mima-2026"}
        self.client.post("/accounts/password-reset/", data)
        r = self.client.post("/accounts/password-reset/", data)
        self.assertContains(r, "找回密码过于频繁，请稍后再试", status_code=429)
        self.applicant.refresh_from_db()
        self.assertTrue(self.applicant.check_password(PASSWORD))

    def test_a_cache_that_is_down_does_not_close_the_login(self):
        with (
            patch.object(cache, "add", side_effect=ConnectionError("redis is down")),
            self.assertLogs("lib.ratelimit", level="WARNING"),
        ):
            r = self.client.post(
                "/accounts/login/",
                {"kind": "person", "identifier": self.applicant.mobile, "password": PASSWORD},
            )
        self.assertRedirects(r, "/accounts/profile/", fetch_redirect_response=False)


class AntiAutomationTestCase(BaseTestCase):
    def ask(self, **fields: str):
        return self.client.post(
            "/accounts/sms-code/", {"mobile": NEW_MOBILE, "purpose": "register", **fields}
        )

    def test_the_pages_carry_the_stamp_and_the_hidden_field(self):
        for url in ("/accounts/register/", "/accounts/login/?method=sms", "/accounts/password-reset/"):
            r = self.client.get(url)
            self.assertContains(r, 'name="form_stamp" value="')
            self.assertContains(r, 'name="website"')
            self.assertContains(r, '<div class="visually-hidden" aria-hidden="true">')

    def test_a_filled_honeypot_sends_no_code(self):
        r = self.ask(**{**human_fields(), "website": "http://spam.example"})
        self.assertEqual(r.status_code, 400)
        self.assertEqual(r.json(), {"ok": False, "message": REFUSE_HONEYPOT})
        self.assertFalse(SmsMessage.objects.exists())
        self.assertFalse(SmsQuota.objects.exists())

    def test_a_request_faster_than_a_person_or_without_a_stamp_sends_no_code(self):
        r = self.ask(**human_fields(seconds_ago=0))
        self.assertEqual((r.status_code, r.json()["message"]), (400, REFUSE_TOO_FAST))
        r = self.ask()
        self.assertEqual((r.status_code, r.json()["message"]), (400, REFUSE_STALE))
        self.assertFalse(SmsMessage.objects.exists())

    def test_a_person_gets_the_code(self):
        r = self.ask(**human_fields())
        self.assertEqual(r.json(), {"ok": True, "message": "验证码已发送，请查收短信"})
        self.assertEqual(SmsMessage.objects.filter(mobile_index=mobile_index(NEW_MOBILE)).count(), 1)

    def test_a_registration_with_the_honeypot_filled_is_refused_and_keeps_the_fields(self):
        self.ask(**human_fields())
        data = {
            **human_fields(),
            "website": "x",
            "name": "周杰",
            "id_type": "resident",
            "mobile": NEW_MOBILE,
            "sms_code": last_code(NEW_MOBILE),
        }
        r = self.client.post("/accounts/register/", data)
        self.assertContains(r, REFUSE_HONEYPOT)
        self.assertContains(r, 'value="周杰"')
        self.assertFalse(User.objects.filter(name="周杰").exists())
