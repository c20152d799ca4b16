"""准予 for applicants whose document is not a 居民身份证 (ADR 0038).

王丽 opened her account with her 护照 and gave her 性别 and 出生日期 at 注册, as the form asks
of every document whose number does not carry them. Her 初始注册 granted, the register and
the certificate carry what she gave. 张伟 (居民身份证) is as before: both read from his number.

陈家明 (港澳居民来往内地通行证) is the account whose two fields are somehow missing when his case
reaches the decider: the 准予许可 is refused with a sentence that says so, and nothing of the
grant is written (it used to end in 「身份证号码应为18位」)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from accounts.models import IdType, Sex, User
from cases.models import Case, CaseAction, CaseStatus, NoticeKind
from cases.tests.helpers import submitted_case
from certificates.issuing import certificate_data
from certificates.models import Certificate
from certificates.services import certificate_copy_request
from notifications.models import SmsMessage
from portal.test import BaseTestCase, document_holder_create
from registry.models import Person, Registration
from registry.tests.helpers import case_to_decision

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse

PASSPORT = "E12345678"
HK_PERMIT = "H60123456"
WANG_LI_BORN = date(1986, 5, 20)


class DecisionTestCase(BaseTestCase):
    def approve(self, case: Case) -> _MonkeyPatchedWSGIResponse:
        self.client.force_login(self.decider)
        return self.client.post(
            f"/workbench/cases/{case.pk}/approve/", {"approve-opinion": "准予注册"}, follow=True
        )


class PassportHolderGrantTestCase(DecisionTestCase):
    def setUp(self) -> None:
        self.holder = document_holder_create(
            name="王丽",
            id_type=IdType.PASSPORT,
            id_number=PASSPORT,
            mobile="13600000072",
            sex=Sex.FEMALE,
            birth_date=WANG_LI_BORN,
        )
        self.case = case_to_decision(self, submitted_case(self, applicant=self.holder))

    def test_it_registers_her_with_the_sex_and_birth_date_she_gave(self):
        r = self.approve(self.case)
        self.assertContains(r, "已准予许可")

        self.case.refresh_from_db()
        self.assertEqual(self.case.status, CaseStatus.APPROVED)
        person = Person.objects.get(id_index=self.holder.id_index)
        self.assertEqual((person.id_type, person.name), (IdType.PASSPORT, "王丽"))
        self.assertEqual((person.sex, person.birth_date), (Sex.FEMALE, WANG_LI_BORN))
        registration = Registration.objects.get(person=person)
        self.assertEqual(registration.created_by_case, self.case)
        self.assertTrue(SmsMessage.objects.filter(template="case_finished").exists())

        # The certificate prints them (性别, 出生日期), and the preview page shows them.
        certificate = Certificate.objects.get(registration=registration)
        copy = certificate_copy_request(certificate=certificate, user=self.holder)
        data = certificate_data(copy=copy, verify_url="https://example.invalid/v")
        self.assertEqual((data.sex, data.birth_date, data.id_number), ("女", WANG_LI_BORN, PASSPORT))
        self.client.force_login(self.holder)
        r = self.client.get(f"/certificates/{certificate.pk}/preview/")
        self.assertContains(r, "<dt>性别</dt><dd>女</dd>", html=True)
        self.assertContains(r, "1986年5月20日")

    def test_the_case_pages_show_what_she_gave(self):
        # The reviewer checks them against the uploaded 身份证明: the workbench's 申请人信息
        # block shows them, and says they were typed.
        self.client.force_login(self.reviewer)
        r = self.client.get(f"/workbench/cases/{self.case.pk}/")
        self.assertContains(r, "<dt>性别</dt><dd>女</dd>", html=True)
        self.assertContains(r, "1986-05-20")
        self.assertContains(r, "申请人按证件填写，请与身份证明核对")


class ResidentHolderGrantTestCase(DecisionTestCase):
    def test_his_sex_and_birth_date_are_read_from_his_number(self):
        case = case_to_decision(self, submitted_case(self))
        self.assertContains(self.approve(case), "已准予许可")

        person = Person.objects.get(id_index=self.applicant.id_index)
        # 210102 19900307 001x: born 7 March 1990, the 17th digit odd.
        self.assertEqual((person.sex, person.birth_date), (Sex.MALE, date(1990, 3, 7)))
        # Nothing kept twice: the account holds neither.
        self.applicant.refresh_from_db()
        self.assertEqual((self.applicant.sex, self.applicant.birth_date), ("", None))


class GrantWithoutParticularsTestCase(DecisionTestCase):
    def setUp(self) -> None:
        self.holder = document_holder_create(
            name="陈家明",
            id_type=IdType.HK_MACAO,
            id_number=HK_PERMIT,
            mobile="13600000071",
            sex=Sex.MALE,
            birth_date=date(1979, 11, 3),
        )
        self.case = case_to_decision(self, submitted_case(self, applicant=self.holder))
        # Somehow gone by the time of the decision (the data of an older account, a hand edit):
        # the one way a case reaches the decider without them.
        User.objects.filter(pk=self.holder.pk).update(sex="", birth_date=None)

    def test_it_refuses_the_grant_and_writes_nothing(self):
        sms_before = SmsMessage.objects.count()
        r = self.approve(self.case)
        self.assertContains(r, "申请人的账号缺少性别和出生日期（港澳居民来往内地通行证的号码中不含这些信息）")
        self.assertContains(r, "请核实后作出不予许可决定")
        self.assertNotContains(r, "身份证号码应为18位")

        self.case.refresh_from_db()
        self.assertEqual(self.case.status, CaseStatus.DECIDING)
        self.assertFalse(self.case.events.filter(action=CaseAction.APPROVE).exists())
        self.assertFalse(self.case.notices.filter(kind=NoticeKind.APPROVAL).exists())
        self.assertFalse(Person.objects.filter(id_type=IdType.HK_MACAO).exists())
        self.assertFalse(Registration.objects.exists())
        self.assertEqual(SmsMessage.objects.count(), sms_before)
