from __future__ import annotations

from datetime import timedelta
from unittest.mock import patch

from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import LoginThrottle, SmsCode, SmsPurpose
from accounts.tests.helpers import last_code
from lib.datacrypt import mobile_index
from notifications.models import SmsMessage
from portal.test import STAFF_PASSWORD, BaseTestCase

VERIFY = "/accounts/login/verify/"


def wrong(code: str) -> str:
    return "000000" if code != "000000" else "111111"


class StaffSmsLoginTestCase(BaseTestCase):
    def password_step(self, username: str = "admin", password: str = STAFF_PASSWORD, **extra: str):
        return self.client.post(
            "/accounts/login/",
            {"kind": "staff", "identifier": username, "password": password, **extra},
        )

    def test_it_asks_for_an_sms_code_after_the_password(self):
        r = self.password_step(next="/admin/catalog/")
        self.assertRedirects(r, VERIFY, fetch_redirect_response=False)
        self.assertNotIn("_auth_user_id", self.client.session)
        code = SmsCode.objects.get(mobile_index=mobile_index(self.admin.mobile))
        self.assertEqual(code.purpose, SmsPurpose.STAFF_LOGIN)
        message = SmsMessage.objects.get(
            mobile_index=mobile_index(self.admin.mobile), template="verification_code"
        )
        self.assertIn("用于工作人员登录", message.text)

        r = self.client.get(VERIFY)
        self.assertContains(r, "135****0015")
        self.assertContains(r, "验证码已发送到您登记的手机")
        r = self.client.post(VERIFY, {"code": last_code(self.admin.mobile)})
        self.assertRedirects(r, "/admin/catalog/", fetch_redirect_response=False)
        self.assertEqual(int(self.client.session["_auth_user_id"]), self.admin.pk)
        self.assertNotIn("_staff_login_pending", self.client.session)

    def test_a_wrong_code_is_refused_and_counted_like_a_wrong_password(self):
        self.password_step()
        r = self.client.post(VERIFY, {"code": wrong(last_code(self.admin.mobile))})
        self.assertContains(r, "验证码错误，还可尝试4次")
        self.assertNotIn("_auth_user_id", self.client.session)
        self.assertEqual(LoginThrottle.objects.get(key=f"user:{self.admin.pk}").failures, 1)

    def test_wrong_codes_lock_the_account_and_retyping_the_password_does_not_reset_them(self):
        self.password_step()
        for _ in range(3):
            self.client.post(VERIFY, {"code": wrong(last_code(self.admin.mobile))})
        # Typing the right password again does not wipe the three wrong codes.
        r = self.password_step()
        self.assertRedirects(r, VERIFY, fetch_redirect_response=False)
        self.assertEqual(LoginThrottle.objects.get(key=f"user:{self.admin.pk}").failures, 3)
        code = last_code(self.admin.mobile)
        for _ in range(2):
            self.client.post(VERIFY, {"code": wrong(code)})
        r = self.client.post(VERIFY, {"code": code})
        self.assertContains(r, "账号已锁定，请15分钟后再试")
        self.assertNotIn("_auth_user_id", self.client.session)
        self.assertContains(self.password_step(), "账号已锁定")

    def test_the_right_code_resets_the_count(self):
        self.password_step()
        self.client.post(VERIFY, {"code": wrong(last_code(self.admin.mobile))})
        self.client.post(VERIFY, {"code": last_code(self.admin.mobile)})
        self.assertEqual(LoginThrottle.objects.get(key=f"user:{self.admin.pk}").failures, 0)
        self.assertIn("_auth_user_id", self.client.session)

    def test_the_half_done_login_expires_after_five_minutes(self):
        self.password_step()
        code = last_code(self.admin.mobile)
        later = timezone.now() + timedelta(minutes=5, seconds=1)
        with patch("accounts.views.timezone.now", return_value=later):
            r = self.client.post(VERIFY, {"code": code}, follow=True)
        self.assertRedirects(r, "/accounts/login/?kind=staff")
        self.assertContains(r, "登录验证已超时或未开始，请重新输入账号和密码")
        self.assertNotIn("_auth_user_id", self.client.session)
        self.assertNotIn("_staff_login_pending", self.client.session)
        self.assertIsNone(SmsCode.objects.get(mobile_index=mobile_index(self.admin.mobile)).used_at)

    def test_the_second_step_needs_the_first(self):
        r = self.client.post(VERIFY, {"code": "123456"})
        self.assertRedirects(r, "/accounts/login/?kind=staff", fetch_redirect_response=False)
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_a_wrong_password_sends_no_code(self):
        r = self.password_step(password="Wrong-Pass#2026")
        self.assertContains(r, "账号或密码错误")
        self.assertFalse(SmsMessage.objects.filter(mobile_index=mobile_index(self.admin.mobile)).exists())

    def test_staff_with_neither_mobile_nor_authenticator_are_told_whom_to_ask(self):
        self.assertEqual(self.outsider.mobile, "")
        r = self.password_step(username=self.outsider.username)
        self.assertContains(r, "请联系安全管理员或系统管理员")
        self.assertNotIn("_auth_user_id", self.client.session)
        self.assertNotIn("_staff_login_pending", self.client.session)
        self.assertFalse(SmsCode.objects.exists())

    def test_authenticate_never_logs_staff_in_by_password_alone(self):
        self.assertFalse(self.client.login(username="admin", password=STAFF_PASSWORD))
        self.assertTrue(
            self.client.login(username=self.applicant.mobile, password="Jianzao-2026", kind="person")
        )

    def test_the_public_code_button_cannot_send_staff_login_codes(self):
        r = self.client.post("/accounts/sms-code/", {"mobile": self.admin.mobile, "purpose": "staff"})
        self.assertEqual(r.status_code, 400)
        self.assertFalse(SmsCode.objects.exists())

    def test_a_second_password_within_a_minute_reuses_the_code_already_sent(self):
        self.password_step()
        code = last_code(self.admin.mobile)
        r = self.password_step()
        self.assertRedirects(r, VERIFY, fetch_redirect_response=False)
        self.assertEqual(SmsCode.objects.filter(mobile_index=mobile_index(self.admin.mobile)).count(), 1)
        r = self.client.post(VERIFY, {"code": code})
        self.assertRedirects(r, "/admin/", fetch_redirect_response=False)


class StaffTotpLoginTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.device = TOTPDevice.objects.create(user=self.acceptor, name="身份验证器", confirmed=True)

    def current_code(self) -> str:
        return f"{totp(self.device.bin_key):06d}"  # type: ignore[no-untyped-call]

    def test_it_takes_an_authenticator_code_and_sends_no_sms(self):
        r = self.client.post(
            "/accounts/login/", {"kind": "staff", "identifier": "shouli", "password": STAFF_PASSWORD}
        )
        self.assertRedirects(r, VERIFY, fetch_redirect_response=False)
        r = self.client.get(VERIFY)
        self.assertContains(r, "身份验证器")
        self.assertContains(r, "改用短信验证码")
        self.assertFalse(SmsMessage.objects.filter(template="verification_code").exists())
        r = self.client.post(VERIFY, {"code": self.current_code()})
        self.assertRedirects(r, "/workbench/", fetch_redirect_response=False)
        self.assertEqual(int(self.client.session["_auth_user_id"]), self.acceptor.pk)

    def test_a_wrong_authenticator_code_counts_as_a_failure(self):
        self.client.post(
            "/accounts/login/", {"kind": "staff", "identifier": "shouli", "password": STAFF_PASSWORD}
        )
        code = self.current_code()
        r = self.client.post(VERIFY, {"code": wrong(code)})
        self.assertContains(r, "动态码错误")
        self.assertNotIn("_auth_user_id", self.client.session)
        self.assertEqual(LoginThrottle.objects.get(key=f"user:{self.acceptor.pk}").failures, 1)

    def test_it_can_switch_to_an_sms_code(self):
        self.client.post(
            "/accounts/login/", {"kind": "staff", "identifier": "shouli", "password": STAFF_PASSWORD}
        )
        r = self.client.post(VERIFY, {"action": "sms"})
        self.assertRedirects(r, VERIFY, fetch_redirect_response=False)
        r = self.client.post(VERIFY, {"code": last_code(self.acceptor.mobile)})
        self.assertRedirects(r, "/workbench/", fetch_redirect_response=False)
