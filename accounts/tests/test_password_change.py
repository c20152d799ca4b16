from __future__ import annotations

from django.test import Client

from accounts.models import LoginThrottle
from lib.datacrypt import mobile_index
from notifications.models import SmsMessage
from portal.test import PASSWORD, STAFF_PASSWORD, BaseTestCase

URL = "/accounts/password/"


class PasswordChangeTestCase(BaseTestCase):
    def change(self, old: str, new1: str, new2: str | None = None):
        return self.client.post(
            URL, {"old_password": old, "new_password1": new1, "new_password2": new2 or new1}
        )

    def test_the_profile_links_to_it(self):
        self.client.force_login(self.applicant)
        r = self.client.get("/accounts/profile/")
        self.assertContains(r, f'href="{URL}">修改密码</a>')
        self.assertContains(self.client.get(URL), "原密码")

    def test_it_changes_the_password_keeps_this_session_and_ends_the_others(self):
        other = Client()
        other.force_login(self.applicant)
        self.client.force_login(self.applicant)
        r = self.change(PASSWORD, "Xinmima-2027")
        self.assertRedirects(r, "/accounts/profile/", fetch_redirect_response=False)
        self.applicant.refresh_from_db()
        self.assertTrue(self.applicant.check_password("Xinmima-2027"))
        self.assertEqual(self.client.get("/accounts/profile/").status_code, 200)
        self.assertRedirects(
            other.get("/accounts/profile/"),
            "/accounts/login/?next=/accounts/profile/",
            fetch_redirect_response=False,
        )
        notice = SmsMessage.objects.get(
            mobile_index=mobile_index(self.applicant.mobile), template="password_changed"
        )
        self.assertEqual(notice.user_id, self.applicant.pk)
        self.assertIn("如非本人操作", notice.text)

    def test_a_wrong_old_password_is_refused_and_counted(self):
        self.client.force_login(self.enterprise)
        r = self.change("Wrong-password-1", "Xinmima-2027")
        self.assertContains(r, "原密码不正确")
        self.enterprise.refresh_from_db()
        self.assertTrue(self.enterprise.check_password(PASSWORD))
        self.assertEqual(LoginThrottle.objects.get(key=f"user:{self.enterprise.pk}").failures, 1)
        self.assertFalse(SmsMessage.objects.filter(template="password_changed").exists())

    def test_the_password_rules_apply(self):
        self.client.force_login(self.applicant)
        self.assertContains(self.change(PASSWORD, "12345678"), "这个密码太常见了")
        self.assertContains(self.change(PASSWORD, "Xinmima-2027", "Xinmima-2028"), "两次输入的新密码不一致")
        self.assertContains(self.change(PASSWORD, PASSWORD), "新密码不能与原密码相同")
        self.applicant.refresh_from_db()
        self.assertTrue(self.applicant.check_password(PASSWORD))
        self.assertFalse(SmsMessage.objects.filter(template="password_changed").exists())

    def test_staff_passwords_follow_the_staff_rule(self):
        self.client.force_login(self.reviewer)
        r = self.change(STAFF_PASSWORD, "jianzaoshi2026")
        self.assertContains(r, "工作人员密码至少10位")
        r = self.change(STAFF_PASSWORD, "Xin#Mima-2027")
        self.assertRedirects(r, "/accounts/profile/", fetch_redirect_response=False)
        self.reviewer.refresh_from_db()
        self.assertTrue(self.reviewer.check_password("Xin#Mima-2027"))
        self.assertTrue(
            SmsMessage.objects.filter(
                mobile_index=mobile_index(self.reviewer.mobile), template="password_changed"
            ).exists()
        )

    def test_it_needs_a_login(self):
        self.assertRedirects(
            self.client.get(URL), f"/accounts/login/?next={URL}", fetch_redirect_response=False
        )


class PasswordChangeMessagesTestCase(BaseTestCase):
    def test_empty_fields_are_named_in_plain_words(self):
        self.client.force_login(self.applicant)
        r = self.client.post(URL, {"old_password": "", "new_password1": "", "new_password2": ""})
        self.assertContains(r, "请输入原密码")
        self.assertContains(r, "请输入新密码")
        self.assertContains(r, "请再次输入新密码")
        self.assertNotContains(r, "这个字段是必填项")
