"""Nothing to enumerate: until an SMS code has been proven, the code request, SMS login and
password reset answer byte for byte alike whether or not a mobile is registered, the
「过于频繁」 and daily-cap refusals included."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from unittest.mock import patch
from zoneinfo import ZoneInfo

from django.test import override_settings
from django.utils import timezone

from accounts.models import SmsCode, SmsQuota
from accounts.tests.helpers import human_fields
from lib.datacrypt import mobile_index
from notifications.models import SmsMessage
from notifications.testing import frozen_now
from portal.test import BaseTestCase

UNREGISTERED = "13600000099"


def page_bytes(content: bytes, mobile: str) -> bytes:
    """A page as the visitor reads it: without the per-response CSRF and form-stamp values
    (random on every page) and with the typed mobile, which the form shows back, blanked."""
    content = re.sub(rb'name="(csrfmiddlewaretoken|form_stamp)" value="[^"]*"', rb'name="\1"', content)
    return content.replace(mobile.encode(), b"MOBILE")


class CodeRequestTestCase(BaseTestCase):
    def ask(self, mobile: str, purpose: str):
        return self.client.post(
            "/accounts/sms-code/", {**human_fields(), "mobile": mobile, "purpose": purpose, "kind": "person"}
        )

    def assert_same_answers(self, purpose: str) -> None:
        now = timezone.now()
        registered = self.applicant.mobile
        with frozen_now(now):
            first = [self.ask(registered, purpose), self.ask(UNREGISTERED, purpose)]
            second = [self.ask(registered, purpose), self.ask(UNREGISTERED, purpose)]
        self.assertEqual([r.status_code for r in first], [200, 200])
        self.assertEqual(first[0].content, first[1].content)
        self.assertEqual([r.status_code for r in second], [429, 429])
        self.assertEqual(second[0].content, second[1].content)
        self.assertIn("过于频繁", second[0].json()["message"])
        # Both counted in the same per-phone quota.
        self.assertEqual(SmsQuota.objects.get(mobile_index=mobile_index(registered)).count, 1)
        self.assertEqual(SmsQuota.objects.get(mobile_index=mobile_index(UNREGISTERED)).count, 1)

    def test_login_codes_answer_alike_and_go_only_to_registered_numbers(self):
        self.assert_same_answers("login")
        self.assertEqual(
            SmsMessage.objects.filter(mobile_index=mobile_index(self.applicant.mobile)).count(), 1
        )
        self.assertFalse(SmsMessage.objects.filter(mobile_index=mobile_index(UNREGISTERED)).exists())
        # A code nobody knows is stored all the same, so a login attempt answers alike too.
        self.assertEqual(
            SmsCode.objects.filter(mobile_index=mobile_index(UNREGISTERED), purpose="login").count(), 1
        )

    def test_reset_codes_answer_alike_and_go_only_to_registered_numbers(self):
        self.assert_same_answers("reset")
        self.assertEqual(
            SmsMessage.objects.filter(mobile_index=mobile_index(self.applicant.mobile)).count(), 1
        )
        self.assertFalse(SmsMessage.objects.filter(mobile_index=mobile_index(UNREGISTERED)).exists())

    def test_registration_codes_answer_alike_for_a_registered_mobile(self):
        self.assert_same_answers("register")
        # A registration code goes to any number: only the code proves the phone is theirs.
        self.assertEqual(SmsMessage.objects.filter(mobile_index=mobile_index(UNREGISTERED)).count(), 1)

    @override_settings(SMS_CODE_DAILY_CAP=2)
    def test_the_daily_cap_answers_alike(self):
        # Noon of a fixed day: three requests 61 s apart must fall on one day for the cap to
        # count them together (started at 23:59 in Shanghai, they would not).
        start = datetime(2026, 6, 1, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
        answers = {}
        for mobile in (self.applicant.mobile, UNREGISTERED):
            for i in range(3):
                with frozen_now(start + timedelta(seconds=61 * i)):
                    answers[mobile] = self.ask(mobile, "login")
        registered, unregistered = answers[self.applicant.mobile], answers[UNREGISTERED]
        self.assertEqual(registered.status_code, 429)
        self.assertEqual(registered.content, unregistered.content)
        self.assertIn("今日获取验证码次数已达上限", registered.json()["message"])
        self.assertEqual(
            SmsMessage.objects.filter(mobile_index=mobile_index(self.applicant.mobile)).count(), 2
        )
        self.assertFalse(SmsMessage.objects.filter(mobile_index=mobile_index(UNREGISTERED)).exists())


class SmsLoginAndResetTestCase(BaseTestCase):
    def ask_code(self, mobile: str, purpose: str) -> None:
        r = self.client.post(
            "/accounts/sms-code/", {**human_fields(), "mobile": mobile, "purpose": purpose, "kind": "person"}
        )
        self.assertEqual(r.status_code, 200)

    def sms_login(self, mobile: str, code: str):
        return self.client.post(
            "/accounts/login/", {"kind": "person", "method": "sms", "mobile": mobile, "sms_code": code}
        )

    def reset(self, mobile: str, code: str):
        data = {"kind": "person", "mobile": mobile, "sms_code": code}
        return self.client.post(
            "/accounts/password-reset/", {**data, "password1": "Xin-mima-2026", "password2": "Xin-mima-2026"}
        )

    def test_a_wrong_login_code_answers_alike(self):
        with patch("accounts.services.secrets.randbelow", return_value=123456):
            self.ask_code(self.applicant.mobile, "login")
            self.ask_code(UNREGISTERED, "login")
        registered = self.sms_login(self.applicant.mobile, "000000")
        unregistered = self.sms_login(UNREGISTERED, "000000")
        self.assertEqual(registered.status_code, unregistered.status_code)
        self.assertContains(registered, "验证码错误，还可尝试4次")
        self.assertEqual(
            page_bytes(registered.content, self.applicant.mobile),
            page_bytes(unregistered.content, UNREGISTERED),
        )
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_only_a_proven_code_may_say_the_number_is_not_registered(self):
        with patch("accounts.services.secrets.randbelow", return_value=123456):
            self.ask_code(UNREGISTERED, "login")
        r = self.sms_login(UNREGISTERED, "123456")
        self.assertContains(r, "该手机号未注册，请先注册")
        self.assertNotIn("_auth_user_id", self.client.session)
        self.assertIsNotNone(SmsCode.objects.get(mobile_index=mobile_index(UNREGISTERED)).used_at)
        self.assertFalse(SmsMessage.objects.filter(mobile_index=mobile_index(UNREGISTERED)).exists())

    def test_a_wrong_reset_code_answers_alike(self):
        with patch("accounts.services.secrets.randbelow", return_value=123456):
            self.ask_code(self.applicant.mobile, "reset")
            self.ask_code(UNREGISTERED, "reset")
        registered = self.reset(self.applicant.mobile, "000000")
        unregistered = self.reset(UNREGISTERED, "000000")
        self.assertEqual(registered.status_code, unregistered.status_code)
        self.assertContains(registered, "验证码错误，还可尝试4次")
        self.assertEqual(
            page_bytes(registered.content, self.applicant.mobile),
            page_bytes(unregistered.content, UNREGISTERED),
        )
        self.applicant.refresh_from_db()
        self.assertFalse(self.applicant.check_password("Xin-mima-2026"))
