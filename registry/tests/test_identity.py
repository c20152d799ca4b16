"""A person is (证件类型, 证件号码) together, reached only through a verified identity.

The attacker here is the worst case: 冒名者 is a real person the real-name source confirms, whose
护照 number happens to be the same characters as 张伟's 居民身份证 number. Before this rule, the
register, certificates, 提取信息, reminders and the enterprise view found 张伟 by the number
alone and handed him to 冒名者."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import IdentityVerdict, IdType, KnownIdentity, Sex, User, UserKind
from accounts.selectors import account_of_identity
from accounts.services import user_find
from accounts.tests.helpers import human_fields, last_code
from cases.models import Case, CaseStatus
from cases.register import register_record_for
from cases.services import case_draft_save, case_submit
from cases.tests.helpers import attach_required, form_data_of, initial_form_data, item_of
from catalog.registration_types import RegistrationType
from certificates import selectors as certificate_selectors
from certificates.models import CertificateStatus
from certificates.services import certificate_copy_request
from certificates.tests.helpers import granted_registration
from lib.errors import ApplicationError
from portal.test import PASSWORD, BaseTestCase
from registry.eligibility import registration_of_user
from registry.models import Person, Registration, RegistrationStatus
from registry.selectors import name_mismatch
from registry.services import person_for_user, register_extract


class SameNumberAnotherTypeTestCase(BaseTestCase):
    def setUp(self) -> None:
        self.registration, self.certificate = granted_registration(self)
        self.copy = certificate_copy_request(certificate=self.certificate, user=self.applicant)
        KnownIdentity.objects.create(
            name="冒名者", id_type=IdType.PASSPORT, id_number=self.applicant.id_number
        )

    def _attacker(self) -> User:
        return User.objects.create_user(
            username=f"passport:{self.applicant.id_number}",
            password=PASSWORD,
            kind=UserKind.PERSON,
            name="冒名者",
            id_type=IdType.PASSPORT,
            id_number=self.applicant.id_number,
            mobile="13600000066",
            sex=Sex.MALE,
            birth_date=date(1988, 4, 2),
            real_name_verified_at=timezone.now(),
        )

    def test_it_walks_the_whole_attack_and_gets_nothing(self):
        # 1. Registers with 张伟's number under 护照: the source confirms 冒名者's own passport.
        self.client.post(
            "/accounts/sms-code/", {**human_fields(), "mobile": "13600000066", "purpose": "register"}
        )
        r = self.client.post(
            "/accounts/register/",
            {
                **human_fields(),
                "name": "冒名者",
                "id_type": "passport",
                "id_number": self.applicant.id_number,
                "sex": "男",
                "birth_date": "1988-04-02",
                "mobile": "13600000066",
                "sms_code": last_code("13600000066"),
                "password1": "Maoming-2026",
                "password2": "Maoming-2026",
                "consent": "on",
            },
        )
        self.assertEqual(r.status_code, 302)
        attacker = User.objects.get(id_type=IdType.PASSPORT)
        self.assertIsNotNone(attacker.real_name_verified_at)
        r = self.client.post(
            "/accounts/login/", {"kind": "person", "identifier": "13600000066", "password": "Maoming-2026"}
        )
        self.assertEqual(r.status_code, 302)

        # 2. The certificate pages: 张伟's certificate and copy do not exist for this account.
        r = self.client.get(reverse("certificates:mine"))
        self.assertNotContains(r, self.certificate.license_id)
        self.assertNotContains(r, self.registration.number)
        for name, pk in [("preview", self.certificate.pk), ("pdf", self.certificate.pk)]:
            self.assertEqual(self.client.get(reverse(f"certificates:{name}", args=[pk])).status_code, 404)
        self.assertEqual(
            self.client.get(reverse("certificates:download", args=[self.copy.pk])).status_code, 404
        )
        self.assertEqual(
            self.client.get(reverse("certificates:copy_status", args=[self.copy.pk])).status_code, 404
        )

        # 3. 提取信息 with the same characters finds no registration of a 护照 holder.
        r = self.client.post(
            reverse("cases:start", args=[item_of(RegistrationType.REISSUE).pk]),
            {"id_number": self.applicant.id_number, "action": "extract"},
        )
        self.assertNotContains(r, self.registration.number)
        self.assertNotContains(r, self.registration.employer_name)

        # 4. 注销注册: refused before the form, and at submission too.
        r = self.client.get(reverse("cases:start", args=[item_of(RegistrationType.CANCEL).pk]))
        self.assertContains(r, "注册信息库中没有您的有效注册")
        case = case_draft_save(
            user=attacker,
            item=item_of(RegistrationType.CANCEL),
            form_data=form_data_of(self, RegistrationType.CANCEL),
            submit_method="online",
        )
        attach_required(self, case)
        with self.assertRaisesMessage(ApplicationError, "注册信息库中没有您的有效注册"):
            case_submit(case=case, user=attacker)
        self.assertEqual(Case.objects.get(pk=case.pk).status, CaseStatus.DRAFT)

        # 张伟's registration and certificate are untouched.
        self.registration.refresh_from_db()
        self.certificate.refresh_from_db()
        self.assertEqual(self.registration.status, RegistrationStatus.VALID)
        self.assertEqual(self.certificate.status, CertificateStatus.CURRENT)

    def test_no_place_finds_a_person_by_the_number_alone(self):
        attacker = self._attacker()
        # The register, through the forms' record and the eligibility checks.
        self.assertIsNone(register_record_for(attacker))
        self.assertIsNone(registration_of_user(attacker))
        self.assertEqual(register_record_for(self.applicant).number, self.registration.number)  # type: ignore[union-attr]
        # Certificates, copies and their log.
        self.assertFalse(certificate_selectors.certificates_for_user(user=attacker).exists())
        self.assertFalse(certificate_selectors.logs_for_user(user=attacker).exists())
        with self.assertRaises(Exception) as caught:
            certificate_selectors.copy_get_for_user(user=attacker, pk=self.copy.pk)
        self.assertEqual(type(caught.exception).__name__, "Http404")
        self.assertEqual(
            certificate_selectors.certificates_for_user(user=self.applicant).get(), self.certificate
        )
        # 提取信息.
        with self.assertRaisesMessage(ApplicationError, "没有您的有效注册信息"):
            register_extract(attacker, self.applicant.id_number)
        # Reminders and certificate_export find the holder's own account.
        self.assertEqual(
            account_of_identity(id_type=IdType.RESIDENT, id_number=self.applicant.id_number), self.applicant
        )
        # Login by 证件号码 is 居民身份证 only.
        self.assertEqual(user_find(kind=UserKind.PERSON, identifier=self.applicant.id_number), self.applicant)
        # A grant for the attacker would make a person of its own, not change 张伟's, with the
        # sex and birth date the attacker gave, never those 张伟's number carries.
        with transaction.atomic():
            person = person_for_user(user=attacker)
        self.assertEqual((person.id_type, person.name), (IdType.PASSPORT, "冒名者"))
        self.assertEqual((person.sex, person.birth_date), (Sex.MALE, date(1988, 4, 2)))
        self.assertEqual(Person.objects.get(id_type=IdType.RESIDENT).name, "张伟")
        self.assertIsNone(name_mismatch(applicant=attacker))

    def test_an_unverified_account_reaches_nothing(self):
        self.applicant.real_name_verified_at = None
        self.applicant.save(update_fields=["real_name_verified_at"])
        self.assertIsNone(register_record_for(self.applicant))
        self.assertFalse(certificate_selectors.certificates_for_user(user=self.applicant).exists())
        self.assertIsNone(account_of_identity(id_type=IdType.RESIDENT, id_number=self.applicant.id_number))
        self.client.force_login(self.applicant)
        r = self.client.get(reverse("certificates:mine"))
        self.assertNotContains(r, self.certificate.license_id)
        self.assertContains(r, "您的账号尚未通过实名认证")
        self.assertContains(r, "去实名认证")
        self.assertEqual(
            self.client.get(reverse("certificates:preview", args=[self.certificate.pk])).status_code, 404
        )
        self.assertEqual(Registration.objects.get().status, RegistrationStatus.VALID)


class UnverifiedApplicantTestCase(BaseTestCase):
    def setUp(self) -> None:
        self.other_applicant.real_name_verified_at = None
        self.other_applicant.save(update_fields=["real_name_verified_at"])

    def test_it_saves_a_draft_but_cannot_submit(self):
        case = case_draft_save(
            user=self.other_applicant,
            item=item_of(RegistrationType.INITIAL),
            form_data=initial_form_data(self),
            submit_method="online",
        )
        attach_required(self, case)
        with self.assertRaisesMessage(ApplicationError, "尚未通过实名认证"):
            case_submit(case=case, user=self.other_applicant)
        case.refresh_from_db()
        self.assertEqual((case.status, case.number), (CaseStatus.DRAFT, None))

    def test_every_page_says_how_to_get_verified(self):
        self.client.force_login(self.other_applicant)
        for page in ("/", reverse("cases:mine"), reverse("catalog:search")):
            r = self.client.get(page)
            self.assertContains(r, "您的账号尚未通过实名认证", msg_prefix=page)
            self.assertContains(r, f'href="{reverse("accounts:profile")}#verify"', msg_prefix=page)
        # 个人中心 carries the button itself (and not the banner a second time).
        r = self.client.get(reverse("accounts:profile"))
        self.assertContains(r, "未认证")
        self.assertContains(r, f'action="{reverse("accounts:verify")}"')
        self.assertNotContains(r, "unverified-banner")

    def test_the_profile_button_verifies_against_the_directory(self):
        self.client.force_login(self.other_applicant)
        r = self.client.post(reverse("accounts:verify"), follow=True)
        self.assertContains(r, "实名认证已通过")
        self.other_applicant.refresh_from_db()
        self.assertIsNotNone(self.other_applicant.real_name_verified_at)
        check = self.other_applicant.identity_checks.get()
        self.assertEqual(check.verdict, IdentityVerdict.MATCH)

    def test_the_button_refuses_when_the_directory_does_not_know_the_person(self):
        KnownIdentity.objects.filter(id_index=self.other_applicant.id_index).delete()
        self.client.force_login(self.other_applicant)
        r = self.client.post(reverse("accounts:verify"), follow=True)
        self.assertContains(r, "实名认证未通过")
        self.assertContains(r, "政务服务大厅")
        self.other_applicant.refresh_from_db()
        self.assertIsNone(self.other_applicant.real_name_verified_at)
        self.assertEqual(self.other_applicant.identity_checks.get().verdict, IdentityVerdict.MISMATCH)
