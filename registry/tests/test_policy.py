"""注册规则: read through `RegisterSettings.current()`, checked by `clean()` where an
administrator edits them, so that a typo is refused on the form and never reaches an
approval or the daily reminders."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.urls import reverse

from portal.test import BaseTestCase
from registry.models import RegisterSettings
from registry.services import RegistryError, registration_number_next

FIELDS = (
    "number_format",
    "region_code",
    "validity_years",
    "renewal_opens_days",
    "renewal_closes_days",
    "reminder_days",
)


def errors_of(**changes: Any) -> dict[str, list[str]]:
    row = RegisterSettings(**changes)
    try:
        row.full_clean()
    except ValidationError as e:
        return e.message_dict
    return {}


class CurrentTestCase(BaseTestCase):
    def test_it_gives_the_defaults_without_writing_a_row(self):
        config = RegisterSettings.current()
        self.assertEqual(
            (config.validity_years, config.renewal_opens_days, config.renewal_closes_days), (3, 90, 30)
        )
        self.assertFalse(RegisterSettings.objects.exists())

    def test_it_gives_the_saved_row(self):
        RegisterSettings.objects.create(pk=1, renewal_opens_days=120)
        self.assertEqual(RegisterSettings.current().renewal_opens_days, 120)


class CleanTestCase(BaseTestCase):
    def test_the_defaults_are_valid(self):
        self.assertEqual(errors_of(), {})

    def test_an_unknown_field_in_the_number_format_is_refused(self):
        self.assertEqual(
            errors_of(number_format="辽{grade}{regoin}{serial:05d}")["number_format"],
            ["注册编号格式中的字段 {regoin} 不存在，可用字段见下方说明"],
        )

    def test_a_broken_brace_or_format_is_refused(self):
        for typo in ("辽{grade}{serial:05d", "辽{serial:05x}{grade:q}", "辽{}{serial}"):
            with self.subTest(typo=typo):
                self.assertIn("注册编号格式写法有误", errors_of(number_format=typo)["number_format"][0])

    def test_a_format_without_the_serial_is_refused(self):
        self.assertEqual(
            errors_of(number_format="辽{grade}{region}{registration_year}")["number_format"],
            ["注册编号格式须包含流水号 {serial}，否则每个注册编号都相同"],
        )

    def test_a_number_longer_than_the_column_is_refused(self):
        message = errors_of(number_format="{serial:045d}")["number_format"][0]
        self.assertIn("超过40个字符", message)

    def test_another_valid_format_is_taken(self):
        self.assertEqual(errors_of(number_format="LN-{registration_year}-{serial:06d}"), {})

    def test_the_window_must_open_before_it_closes(self):
        self.assertEqual(
            errors_of(renewal_opens_days=20, renewal_closes_days=30)["renewal_opens_days"],
            ["延续注册开始受理的天数不能小于截止受理的天数（开始受理须在截止受理之前）"],
        )
        self.assertEqual(errors_of(renewal_opens_days=30, renewal_closes_days=30), {})

    def test_reminder_days_must_be_whole_days(self):
        self.assertEqual(
            errors_of(reminder_days="90,6o,0")["reminder_days"],
            ["无法识别：6o、0。请填写正整数天数，用英文逗号分隔，如 90,60,30"],
        )
        self.assertEqual(errors_of(reminder_days="90，60, 30"), {})
        self.assertEqual(
            errors_of(reminder_days=" , ")["reminder_days"], ["请至少填写一个提醒天数，如 90,60,30"]
        )

    def test_a_validity_of_no_years_is_refused(self):
        self.assertEqual(errors_of(validity_years=0)["validity_years"], ["注册有效期至少为1年"])


class AdminTestCase(BaseTestCase):
    def post(self, **changes: Any):
        row = RegisterSettings.current()
        data = {name: getattr(row, name) for name in FIELDS} | changes
        self.client.force_login(self.admin)
        url = reverse("admin:registry_registersettings_add")
        return self.client.post(url, data)

    def test_the_admin_refuses_a_typo_in_the_number_format(self):
        r = self.post(number_format="辽{grade}{regoin}{serial:05d}")
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, "注册编号格式中的字段 {regoin} 不存在")
        self.assertFalse(RegisterSettings.objects.exists())

    def test_the_admin_saves_valid_rules(self):
        r = self.post(renewal_opens_days=120, reminder_days="120,60")
        self.assertEqual(r.status_code, 302)
        saved = RegisterSettings.objects.get()
        self.assertEqual((saved.pk, saved.renewal_opens_days, saved.reminder_days), (1, 120, "120,60"))


class StoredTypoTestCase(BaseTestCase):
    def test_a_format_saved_before_the_check_stops_the_approval_with_a_message(self):
        # A row written around the admin (by hand, or before `clean` existed).
        RegisterSettings.objects.create(pk=1, number_format="辽{grade}{regoin}{serial:05d}")
        with (
            self.assertLogs("registry.services", "ERROR"),
            self.assertRaisesMessage(
                RegistryError, "注册编号格式配置有误，请系统管理员在“注册规则”中更正后再准予"
            ),
        ):
            registration_number_next(qualification_year=2020, registration_year=2026)
