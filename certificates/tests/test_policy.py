"""电子证照规则: read through `CertificateSettings.current()`, checked by `clean()` in the admin."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.urls import reverse

from certificates.models import CertificateSettings
from portal.test import BaseTestCase


class CertificateSettingsTestCase(BaseTestCase):
    def test_it_gives_the_defaults_without_writing_a_row(self):
        config = CertificateSettings.current()
        self.assertEqual((config.usage_days, config.copies_per_day), (180, 5))
        self.assertFalse(CertificateSettings.objects.exists())

    def test_it_refuses_rules_nobody_could_use(self):
        row = CertificateSettings(usage_days=0, copies_per_day=0, type_code="1110-0013")
        with self.assertRaises(ValidationError) as refused:
            row.full_clean()
        self.assertEqual(
            refused.exception.message_dict,
            {
                "usage_days": ["加注件使用有效期至少为1天"],
                "copies_per_day": ["每人每日加注次数上限至少为1次，否则无人能加注"],
                "type_code": ["证照类型代码只能包含数字和英文字母"],
            },
        )

    def test_the_admin_saves_the_one_row_that_is_read(self):
        self.client.force_login(self.admin)
        data = {"type_code": "11100000000013338W", "usage_days": 90, "copies_per_day": 3}
        r = self.client.post(reverse("admin:certificates_certificatesettings_add"), data)
        self.assertEqual(r.status_code, 302)
        self.assertEqual(CertificateSettings.objects.get().pk, 1)
        self.assertEqual(CertificateSettings.current().usage_days, 90)

    def test_the_admin_refuses_a_zero_day_copy(self):
        self.client.force_login(self.admin)
        data = {"type_code": "11100000000013338W", "usage_days": 0, "copies_per_day": 3}
        r = self.client.post(reverse("admin:certificates_certificatesettings_add"), data)
        self.assertContains(r, "加注件使用有效期至少为1天")
        self.assertFalse(CertificateSettings.objects.exists())
