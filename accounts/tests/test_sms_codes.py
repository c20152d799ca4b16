from __future__ import annotations

from datetime import datetime, timedelta
from unittest.mock import patch
from zoneinfo import ZoneInfo

from django.test import override_settings
from django.utils import timezone

from accounts import services
from accounts.models import SmsCode, SmsQuota
from accounts.tests.helpers import human_fields, last_code
from lib.datacrypt import mobile_index
from lib.errors import ApplicationError
from notifications.models import SmsMessage
from portal.test import BaseTestCase

MOBILE = "13600000010"


def later(seconds: int, *, start: datetime | None = None):
    base = start or timezone.now()
    return patch("accounts.services.timezone.now", return_value=base + timedelta(seconds=seconds))


# A day's cap is counted per calendar day: tests of it run at noon of a fixed day, so that
# their minutes never straddle midnight whenever the suite runs.
NOON = datetime(2026, 6, 1, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


class SmsCodeTestCase(BaseTestCase):
    def test_it_sends_six_random_digits_and_stores_only_a_hash(self):
        services.sms_code_send(mobile=MOBILE, purpose="register")
        code = last_code(MOBILE)
        self.assertRegex(code, r"^\d{6}$")
        row = SmsCode.objects.get(mobile_index=mobile_index(MOBILE))
        self.assertNotIn(code, row.code_hash)
        self.assertEqual(len(row.code_hash), 64)
        self.assertEqual(row.expires_at - row.created_at, timedelta(minutes=5))
        message = SmsMessage.objects.get(mobile_index=mobile_index(MOBILE))
        self.assertEqual(message.template, "verification_code")
        self.assertIn("注册", message.text)

    def test_it_is_single_use(self):
        services.sms_code_send(mobile=MOBILE, purpose="register")
        code = last_code(MOBILE)
        services.sms_code_verify(mobile=MOBILE, purpose="register", code=code)
        with self.assertRaisesMessage(ApplicationError, "验证码已失效"):
            services.sms_code_verify(mobile=MOBILE, purpose="register", code=code)

    def test_it_is_bound_to_phone_and_purpose(self):
        services.sms_code_send(mobile=MOBILE, purpose="register")
        code = last_code(MOBILE)
        with self.assertRaisesMessage(ApplicationError, "验证码已失效"):
            services.sms_code_verify(mobile=MOBILE, purpose="reset", code=code)
        with self.assertRaisesMessage(ApplicationError, "验证码已失效"):
            services.sms_code_verify(mobile="13600000011", purpose="register", code=code)
        services.sms_code_verify(mobile=MOBILE, purpose="register", code=code)

    def test_it_expires_after_five_minutes(self):
        services.sms_code_send(mobile=MOBILE, purpose="register")
        code = last_code(MOBILE)
        with later(5 * 60 + 1), self.assertRaisesMessage(ApplicationError, "验证码已失效"):
            services.sms_code_verify(mobile=MOBILE, purpose="register", code=code)

    def test_it_allows_five_tries_then_refuses_even_the_right_code(self):
        services.sms_code_send(mobile=MOBILE, purpose="register")
        code = last_code(MOBILE)
        wrong = "000000" if code != "000000" else "111111"
        for left in (4, 3, 2, 1):
            with self.assertRaisesMessage(ApplicationError, f"还可尝试{left}次"):
                services.sms_code_verify(mobile=MOBILE, purpose="register", code=wrong)
        with self.assertRaisesMessage(ApplicationError, "错误次数过多"):
            services.sms_code_verify(mobile=MOBILE, purpose="register", code=wrong)
        with self.assertRaisesMessage(ApplicationError, "错误次数过多"):
            services.sms_code_verify(mobile=MOBILE, purpose="register", code=code)
        self.assertEqual(SmsCode.objects.get(mobile_index=mobile_index(MOBILE)).tries, 5)

    def test_it_refuses_a_resend_within_sixty_seconds(self):
        services.sms_code_send(mobile=MOBILE, purpose="register")
        with self.assertRaisesMessage(ApplicationError, "验证码发送过于频繁"):
            services.sms_code_send(mobile=MOBILE, purpose="register")
        self.assertEqual(SmsMessage.objects.filter(mobile_index=mobile_index(MOBILE)).count(), 1)
        with later(61):
            services.sms_code_send(mobile=MOBILE, purpose="register")
        self.assertEqual(SmsMessage.objects.filter(mobile_index=mobile_index(MOBILE)).count(), 2)

    def test_a_new_code_retires_the_old_one(self):
        services.sms_code_send(mobile=MOBILE, purpose="register")
        old = last_code(MOBILE)
        with later(61):
            services.sms_code_send(mobile=MOBILE, purpose="register")
            new = last_code(MOBILE)
            if old != new:
                with self.assertRaises(ApplicationError):
                    services.sms_code_verify(mobile=MOBILE, purpose="register", code=old)
            services.sms_code_verify(mobile=MOBILE, purpose="register", code=new)

    @override_settings(SMS_CODE_DAILY_CAP=3)
    def test_it_caps_codes_per_phone_per_day(self):
        for i in range(3):
            with later(61 * i, start=NOON):
                services.sms_code_send(mobile=MOBILE, purpose="register")
        with (
            later(61 * 3, start=NOON),
            self.assertRaisesMessage(ApplicationError, "今日获取验证码次数已达上限"),
        ):
            services.sms_code_send(mobile=MOBILE, purpose="register")
        self.assertEqual(SmsQuota.objects.get(mobile_index=mobile_index(MOBILE)).count, 3)
        self.assertEqual(SmsMessage.objects.filter(mobile_index=mobile_index(MOBILE)).count(), 3)

    def test_the_endpoint_answers_json_in_chinese(self):
        r = self.client.post(
            "/accounts/sms-code/", {**human_fields(), "mobile": "123", "purpose": "register"}
        )
        self.assertEqual(r.status_code, 400)
        self.assertIn("手机号", r.json()["message"])
        r = self.client.post(
            "/accounts/sms-code/", {**human_fields(), "mobile": MOBILE, "purpose": "register"}
        )
        self.assertEqual(r.json(), {"ok": True, "message": "验证码已发送，请查收短信"})
        r = self.client.post(
            "/accounts/sms-code/", {**human_fields(), "mobile": MOBILE, "purpose": "register"}
        )
        self.assertEqual(r.status_code, 429)
        self.assertIn("过于频繁", r.json()["message"])
        self.assertEqual(SmsMessage.objects.filter(mobile_index=mobile_index(MOBILE)).count(), 1)

    def test_login_codes_go_only_to_registered_numbers_with_the_same_answer(self):
        r1 = self.client.post(
            "/accounts/sms-code/",
            {**human_fields(), "mobile": self.applicant.mobile, "purpose": "login", "kind": "person"},
        )
        r2 = self.client.post(
            "/accounts/sms-code/",
            {**human_fields(), "mobile": "13600000099", "purpose": "login", "kind": "person"},
        )
        self.assertEqual(r1.json(), r2.json())
        self.assertTrue(SmsMessage.objects.filter(mobile_index=mobile_index(self.applicant.mobile)).exists())
        self.assertFalse(SmsMessage.objects.filter(mobile_index=mobile_index("13600000099")).exists())

    def test_the_endpoint_only_takes_post(self):
        r = self.client.get("/accounts/sms-code/")
        self.assertEqual(r.status_code, 405)
