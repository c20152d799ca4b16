from __future__ import annotations

from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.test import BaseTestCase

URL = "/accounts/totp/"


def code_for(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key):06d}"  # type: ignore[no-untyped-call]


class TotpSetupTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.client.force_login(self.decider)

    def test_it_shows_a_qr_code_and_the_uri_and_confirms_with_one_code(self):
        r = self.client.get("/accounts/profile/")
        self.assertContains(r, f'href="{URL}"')
        r = self.client.post(URL, {"action": "start"})
        self.assertRedirects(r, URL, fetch_redirect_response=False)
        device = TOTPDevice.objects.get(user=self.decider)
        self.assertFalse(device.confirmed)
        r = self.client.get(URL)
        self.assertContains(r, "<svg")
        self.assertContains(r, "otpauth://totp/")
        self.assertContains(r, "secret=")

        r = self.client.post(URL, {"code": code_for(device)})
        self.assertRedirects(r, "/accounts/profile/", fetch_redirect_response=False)
        device.refresh_from_db()
        self.assertTrue(device.confirmed)
        self.assertContains(self.client.get("/accounts/profile/"), "身份验证器已启用")

    def test_a_wrong_code_leaves_it_unconfirmed(self):
        self.client.post(URL, {"action": "start"})
        device = TOTPDevice.objects.get(user=self.decider)
        code = code_for(device)
        r = self.client.post(URL, {"code": "000000" if code != "000000" else "111111"})
        self.assertContains(r, "动态码错误")
        device.refresh_from_db()
        self.assertFalse(device.confirmed)

    def test_a_new_device_replaces_the_old_one_only_once_confirmed(self):
        old = TOTPDevice.objects.create(user=self.decider, name="旧手机", confirmed=True)
        self.client.post(URL, {"action": "start"})
        self.assertTrue(TOTPDevice.objects.filter(pk=old.pk, confirmed=True).exists())
        new = TOTPDevice.objects.get(user=self.decider, confirmed=False)
        self.client.post(URL, {"code": code_for(new)})
        self.assertEqual(list(TOTPDevice.objects.filter(user=self.decider)), [new])

    def test_applicants_have_no_such_page(self):
        self.client.force_login(self.applicant)
        self.assertEqual(self.client.get(URL).status_code, 404)
        self.assertEqual(self.client.post(URL, {"action": "start"}).status_code, 404)
        self.assertFalse(TOTPDevice.objects.exists())
