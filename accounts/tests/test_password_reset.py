from __future__ import annotations

from accounts.tests.helpers import human_fields, last_code
from lib.datacrypt import mobile_index
from notifications.models import SmsMessage
from portal.test import PASSWORD, BaseTestCase


class PasswordResetTestCase(BaseTestCase):
    def test_it_sets_a_new_password_and_ends_other_sessions(self):
        other = self.client_class()
        other.force_login(self.applicant)
        self.client.post(
            "/accounts/sms-code/",
            {**human_fields(), "mobile": self.applicant.mobile, "purpose": "reset", "kind": "person"},
        )
        r = self.client.post(
            "/accounts/password-reset/",
            {
                "kind": "person",
                "mobile": self.applicant.mobile,
                "sms_code": last_code(self.applicant.mobile),
                "password1": "Xinmima-2027",
                "password2": "Xinmima-2027",
            },
        )
        self.assertRedirects(r, "/accounts/login/?kind=person", fetch_redirect_response=False)
        self.applicant.refresh_from_db()
        self.assertTrue(self.applicant.check_password("Xinmima-2027"))
        self.assertFalse(self.applicant.check_password(PASSWORD))
        # The session opened elsewhere with the old password no longer works.
        self.assertEqual(other.get("/accounts/profile/").status_code, 302)
        # And the account's mobile hears of the change.
        notice = SmsMessage.objects.get(
            mobile_index=mobile_index(self.applicant.mobile), template="password_changed"
        )
        self.assertEqual(notice.user_id, self.applicant.pk)
        self.assertIn("密码已于", notice.text)
        self.assertFalse(notice.sensitive)

    def test_it_refuses_without_the_right_code(self):
        r = self.client.post(
            "/accounts/password-reset/",
            {
                "kind": "person",
                "mobile": self.applicant.mobile,
                "sms_code": "123456",
                "password1": "Xinmima-2027",
                "password2": "Xinmima-2027",
            },
        )
        self.assertContains(r, "验证码已失效")
        self.applicant.refresh_from_db()
        self.assertTrue(self.applicant.check_password(PASSWORD))
        self.assertFalse(SmsMessage.objects.filter(template="password_changed").exists())
