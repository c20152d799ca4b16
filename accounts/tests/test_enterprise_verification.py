"""An enterprise account is 未认证 until the enterprise register, or an administrator by hand,
confirms 统一社会信用代码, 单位名称 and 法定代表人; every check is recorded."""

from __future__ import annotations

from django.urls import reverse

from accounts.models import Enterprise, IdentityCheck, IdentityCheckMethod, IdentityVerdict, KnownEnterprise
from portal.test import BaseTestCase


class EnterpriseVerificationTestCase(BaseTestCase):
    def setUp(self) -> None:
        self.company = Enterprise.objects.get(user=self.enterprise)
        self.company.verified_at = None
        self.company.save(update_fields=["verified_at"])

    def test_the_profile_says_unverified_and_offers_the_check(self):
        self.client.force_login(self.enterprise)
        r = self.client.get(reverse("accounts:profile"))
        self.assertContains(r, "企业认证")
        self.assertContains(r, "未认证")
        self.assertContains(r, "本单位账号尚未通过企业认证")

    def test_the_button_verifies_against_the_enterprise_register(self):
        self.client.force_login(self.enterprise)
        r = self.client.post(reverse("accounts:verify"), follow=True)
        self.assertContains(r, "企业认证已通过")
        self.company.refresh_from_db()
        self.assertTrue(self.company.is_verified)
        check = IdentityCheck.objects.get(user=self.enterprise)
        self.assertEqual((check.method, check.verdict), (IdentityCheckMethod.SOURCE, IdentityVerdict.MATCH))

    def test_a_register_that_disagrees_keeps_it_unverified(self):
        KnownEnterprise.objects.filter(uscc=self.company.uscc).update(legal_representative="另一人")
        self.client.force_login(self.enterprise)
        r = self.client.post(reverse("accounts:verify"), follow=True)
        self.assertContains(r, "企业认证未通过")
        self.assertContains(r, "人工核验")
        self.company.refresh_from_db()
        self.assertFalse(self.company.is_verified)
        self.assertEqual(IdentityCheck.objects.get(user=self.enterprise).verdict, IdentityVerdict.MISMATCH)

    def test_the_security_administrator_verifies_by_hand_with_a_recorded_reason(self):
        KnownEnterprise.objects.filter(uscc=self.company.uscc).delete()
        # Identity checks are the 安全管理员's (三员分立): the 系统管理员 is refused the page.
        self.client.force_login(self.admin)
        r = self.client.get(reverse("admin:accounts_enterprise_change", args=[self.company.pk]))
        self.assertEqual(r.status_code, 403)
        self.client.force_login(self.security_admin)
        url = reverse("admin:accounts_enterprise_change", args=[self.company.pk])
        r = self.client.post(url, {"verify_by_hand": "on", "verify_note": ""})
        self.assertContains(r, "人工核验须写明核验依据")
        self.company.refresh_from_db()
        self.assertFalse(self.company.is_verified)

        r = self.client.post(url, {"verify_by_hand": "on", "verify_note": "已查验营业执照原件"})
        self.assertEqual(r.status_code, 302)
        self.company.refresh_from_db()
        self.assertTrue(self.company.is_verified)
        check = IdentityCheck.objects.get(user=self.enterprise)
        self.assertEqual(
            (check.method, check.verdict, check.checked_by, check.note),
            (IdentityCheckMethod.MANUAL, IdentityVerdict.MATCH, self.security_admin, "已查验营业执照原件"),
        )
