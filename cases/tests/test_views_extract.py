"""遗失补办's 「提取信息」 (the manual, 4.1 (3)): the 身份证号 fills the form from the register, for
the logged-in person's own number only; every attempt, refused or not, is logged."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.test import override_settings
from django.urls import reverse

from cases.models import Case
from cases.tests.helpers import item_of
from catalog.registration_types import RegistrationType
from certificates.tests.helpers import granted_registration
from portal.test import BaseTestCase

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse
from registry.models import RegisterLookup, Registration


def start_url() -> str:
    return reverse("cases:start", args=[item_of(RegistrationType.REISSUE).pk])


class ExtractTestCase(BaseTestCase):
    registration: Registration

    def setUp(self) -> None:
        self.registration, _ = granted_registration(self)
        self.client.force_login(self.applicant)

    def _extract(self, id_number: str, **extra: str) -> _MonkeyPatchedWSGIResponse:
        return self.client.post(start_url(), {"id_number": id_number, "action": "extract", **extra})

    def test_the_form_asks_for_the_id_number_with_the_button(self) -> None:
        r = self.client.get(start_url())
        self.assertContains(r, "二级建造师注册证书遗失补办申请表")
        self.assertContains(r, 'name="id_number"')
        self.assertContains(r, ">提取信息</button>")
        self.assertNotContains(r, self.registration.number)

    def test_it_fills_the_form_from_the_register_with_ones_own_number(self) -> None:
        r = self._extract(self.applicant.id_number)
        self.assertContains(r, "已从注册信息库提取您的注册信息")
        self.assertContains(r, self.registration.number)
        self.assertContains(r, self.registration.employer_name)
        self.assertContains(r, "建筑工程")
        specialty = self.registration.specialties.get()
        self.assertContains(r, f"{specialty.valid_to:%Y-%m-%d}")
        # Extracting saves nothing: the applicant still chooses 保存信息.
        self.assertFalse(Case.objects.filter(item__code=RegistrationType.REISSUE).exists())
        lookup = RegisterLookup.objects.get()
        self.assertEqual((lookup.user, lookup.allowed, lookup.note), (self.applicant, True, "已提取"))
        self.assertNotIn(self.applicant.id_number, lookup.id_number_masked)

    def test_someone_elses_number_is_refused_and_logged(self) -> None:
        r = self._extract(self.other_applicant.id_number)
        self.assertContains(r, "只能提取本人的注册信息")
        self.assertNotContains(r, self.registration.number)
        lookup = RegisterLookup.objects.get()
        self.assertEqual(
            (lookup.user, lookup.allowed, lookup.note), (self.applicant, False, "非本人证件号码")
        )
        self.assertTrue(lookup.id_number_masked.startswith(self.other_applicant.id_number[:4]))
        self.assertNotEqual(lookup.id_number_masked, self.other_applicant.id_number)

    def test_someone_not_registered_does_not_reach_the_form(self) -> None:
        self.client.force_login(self.other_applicant)
        r = self._extract(self.applicant.id_number)
        self.assertContains(r, "注册信息库中没有您的有效注册，不能申请证书遗失补办")
        self.assertNotContains(r, self.registration.number)
        self.assertFalse(RegisterLookup.objects.exists())

    def test_a_malformed_number_gets_a_clear_message(self) -> None:
        r = self._extract("21010219900307001")
        self.assertContains(r, "提取信息失败：身份证号有误")
        self.assertEqual(RegisterLookup.objects.get().note, "号码格式错误")

    def test_an_account_without_real_name_verification_is_refused(self) -> None:
        self.applicant.real_name_verified_at = None
        self.applicant.save(update_fields=["real_name_verified_at"])
        r = self._extract(self.applicant.id_number)
        self.assertContains(r, "您的账号尚未通过实名认证，暂不能提交申请、提取注册信息或查看证照")
        self.assertContains(r, "实名认证")
        self.assertNotContains(r, self.registration.number)

    def test_saving_stores_what_was_extracted_from_the_register(self) -> None:
        r = self.client.post(
            start_url(),
            {
                "id_number": self.applicant.id_number,
                "reissue_reason": "lost",
                "statement_media": "辽宁日报",
                "statement_date": "2026-01-05",
                "submit_method": "online",
                "action": "save",
            },
        )
        case = Case.objects.get(item__code=RegistrationType.REISSUE)
        self.assertRedirects(r, reverse("cases:edit", args=[case.pk]), fetch_redirect_response=False)
        self.assertEqual(case.form_data["extracted"]["number"], self.registration.number)
        self.assertEqual(case.form_data["extracted"]["employer_name"], self.registration.employer_name)
        # The enterprise named in the register sees the case.
        self.assertEqual(case.employer_uscc, self.registration.employer_uscc)
        # The detail page shows the number masked, and the extracted registration.
        r = self.client.get(reverse("cases:detail", args=[case.pk]))
        self.assertContains(r, "提取的注册信息")
        self.assertContains(r, self.registration.number)
        self.assertNotContains(r, self.applicant.id_number)

    def test_a_typed_number_that_is_not_ones_own_extracts_nothing_and_cannot_be_submitted(self) -> None:
        self.client.post(
            start_url(),
            {
                "id_number": self.other_applicant.id_number,
                "reissue_reason": "lost",
                "statement_media": "辽宁日报",
                "statement_date": "2026-01-05",
                "submit_method": "online",
                "action": "submit",
            },
        )
        case = Case.objects.get(item__code=RegistrationType.REISSUE)
        self.assertNotIn("extracted", case.form_data)
        self.assertEqual(case.status, "draft")
        r = self.client.get(reverse("cases:edit", args=[case.pk]))
        self.assertContains(r, "只能提取本人的注册信息")


class ExtractLimitTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.registration, _ = granted_registration(self)
        self.client.force_login(self.applicant)

    @override_settings(RATE_LIMITS={"extract.subject": (2, 3600)})
    def test_extracting_over_the_limit_gets_429_and_reads_nothing(self) -> None:
        for _ in range(2):
            r = self.client.post(start_url(), {"id_number": self.applicant.id_number, "action": "extract"})
            self.assertContains(r, "已从注册信息库提取您的注册信息")
        r = self.client.post(start_url(), {"id_number": self.applicant.id_number, "action": "extract"})
        self.assertContains(r, "提取信息失败：提取信息过于频繁，请稍后再试", status_code=429)
        # Refused before the register was read: only the two allowed tries were logged.
        self.assertEqual(RegisterLookup.objects.count(), 2)
