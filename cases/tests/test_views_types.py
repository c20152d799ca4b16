"""Every registration type through the applicant's pages: the form offered with what the
register holds, 保存信息 and 保存并提交 with the type's own fields and materials."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from cases.models import Case, CaseStatus
from cases.tests.helpers import attach_required, employer_offline, form_data_of, item_of
from catalog.registration_types import RegistrationType
from certificates.tests.helpers import approved_case
from portal.test import BaseTestCase
from registry.models import Registration, RegistrationStatus

TITLES = {
    RegistrationType.ADDITION: "二级注册建造师增项注册申请表",
    RegistrationType.REREGISTER: "二级注册建造师重新注册申请表",
    RegistrationType.CHANGE: "二级注册建造师变更注册申请表",
    RegistrationType.CANCEL: "二级注册建造师注销注册申请表",
    RegistrationType.RENEWAL: "二级注册建造师延续注册申请表",
    RegistrationType.REISSUE: "二级建造师注册证书遗失补办申请表",
}


def post_data(data: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in data.items() if v not in ("", None)}


class TypesThroughThePagesTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        # The manual's paper path: the employer has no verified account (ADR 19).
        employer_offline(cls.enterprise)

    registration: Registration

    def setUp(self) -> None:
        # 张伟's 初始注册 granted through the workbench services: the case is 办结, so it does
        # not block the next application of the matter.
        _, certificate = approved_case(self)
        self.registration = certificate.registration
        self.client.force_login(self.applicant)

    def _prepare(self, code: str) -> None:
        if code == RegistrationType.RENEWAL:  # 建筑工程 ends in 60 days: inside the window
            self.registration.specialties.update(valid_to=timezone.localdate() + timedelta(days=60))
        if code == RegistrationType.REREGISTER:
            self.registration.status = RegistrationStatus.CANCELLED
            self.registration.save(update_fields=["status"])

    def test_each_type_offers_its_form_and_goes_to_pending(self) -> None:
        for code, title in TITLES.items():
            with self.subTest(code):
                self._prepare(code)
                url = reverse("cases:start", args=[item_of(code).pk])
                r = self.client.get(url)
                self.assertContains(r, f"<h1>{title}</h1>", html=True)
                if code != RegistrationType.REISSUE:  # 遗失补办 shows the record after 提取信息
                    self.assertContains(r, "当前注册信息")
                    self.assertContains(r, self.registration.number)
                data = post_data(form_data_of(self, code))
                r = self.client.post(url, {**data, "submit_method": "online", "action": "save"})
                case = Case.objects.get(item__code=code)
                self.assertRedirects(r, reverse("cases:edit", args=[case.pk]), fetch_redirect_response=False)
                attach_required(self, case)
                r = self.client.post(reverse("cases:edit", args=[case.pk]), {**data, "action": "submit"})
                self.assertRedirects(
                    r, reverse("cases:receipt", args=[case.pk]), fetch_redirect_response=False
                )
                case.refresh_from_db()
                self.assertEqual(case.status, CaseStatus.PENDING)
                self.assertEqual(
                    case.employer_uscc, str(data.get("employer_uscc") or self.registration.employer_uscc)
                )
                # One at a time: withdraw it before trying the next type.
                self.client.post(reverse("cases:withdraw", args=[case.pk]))
                case.refresh_from_db()
                self.assertEqual(case.status, CaseStatus.WITHDRAWN)
                if code == RegistrationType.REREGISTER:
                    self.registration.status = RegistrationStatus.VALID
                    self.registration.save(update_fields=["status"])

    def test_a_change_of_employer_to_the_same_enterprise_is_refused_on_the_form(self) -> None:
        url = reverse("cases:start", args=[item_of(RegistrationType.CHANGE).pk])
        data = post_data(
            form_data_of(self, RegistrationType.CHANGE, employer_uscc=self.registration.employer_uscc)
        )
        self.client.post(url, {**data, "submit_method": "online", "action": "save"})
        case = Case.objects.get(item__code=RegistrationType.CHANGE)
        attach_required(self, case)
        r = self.client.post(reverse("cases:edit", args=[case.pk]), {**data, "action": "submit"})
        self.assertContains(r, "新聘用企业与当前聘用企业相同")
        self.assertContains(r, "申请表中以下内容需要填写或更正：变更后聘用企业统一社会信用代码")
        case.refresh_from_db()
        self.assertEqual(case.status, CaseStatus.DRAFT)

    def test_renewal_outside_its_window_is_refused_before_the_form(self) -> None:
        r = self.client.get(reverse("cases:start", args=[item_of(RegistrationType.RENEWAL).pk]))
        self.assertContains(r, "延续注册须在注册有效期届满前90日至30日之间申请")
        self.assertNotContains(r, 'id="apply-form"')
