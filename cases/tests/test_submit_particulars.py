"""保存并提交 by an applicant whose document does not carry 性别 and 出生日期 (ADR 0038).

陈家明 (港澳居民来往内地通行证) has an account from before 注册 asked for them. He may fill in and
save his 初始注册, but 保存并提交 is refused, telling him where to give them, so that no case
reaches the decider that the register could not take. Given, the same draft goes in."""

from __future__ import annotations

from datetime import date

from django.urls import reverse

from accounts.models import IdType, Sex
from accounts.selectors import PARTICULARS_MISSING
from cases.documents import applicant_profile
from cases.models import Case, CaseStatus
from cases.services import case_submit
from cases.tests.helpers import attach_required, draft_case
from cases.tests.sample_files import form_post
from lib.errors import ApplicationError
from portal.test import BaseTestCase, document_holder_create


class SubmitWithoutParticularsTestCase(BaseTestCase):
    def setUp(self) -> None:
        self.holder = document_holder_create(
            name="陈家明", id_type=IdType.HK_MACAO, id_number="H60123456", mobile="13600000071"
        )
        self.case = draft_case(self, applicant=self.holder)
        attach_required(self, self.case)

    def test_it_keeps_the_draft_and_says_what_to_do(self):
        with self.assertRaisesMessage(ApplicationError, PARTICULARS_MISSING):
            case_submit(case=self.case, user=self.holder)
        case = Case.objects.get(pk=self.case.pk)
        self.assertEqual((case.status, case.number), (CaseStatus.DRAFT, None))
        self.assertFalse(case.events.exists())
        self.assertFalse(case.notices.exists())

    def test_the_page_shows_the_refusal(self):
        self.client.force_login(self.holder)
        r = self.client.post(
            reverse("cases:edit", args=[self.case.pk]), {**form_post(self), "action": "submit"}, follow=True
        )
        self.assertContains(r, "请先在“个人中心”点击“补充性别和出生日期”按证件填写，再提交申请")
        self.assertEqual(Case.objects.get(pk=self.case.pk).status, CaseStatus.DRAFT)

    def test_once_given_the_same_draft_is_submitted(self):
        self.holder.sex, self.holder.birth_date = Sex.MALE, date(1979, 11, 3)
        self.holder.save(update_fields=["sex", "birth_date"])
        case = case_submit(case=self.case, user=self.holder)
        self.assertNotEqual(case.status, CaseStatus.DRAFT)
        self.assertTrue(case.number)


class ApplicantBlockTestCase(BaseTestCase):
    """The 申请人信息 block of the form and of the printed 申请表 reads the same one home: what
    王丽 gave for her 护照, what 张伟's number says for him."""

    def test_it_shows_what_the_holder_gave(self):
        holder = document_holder_create(
            name="王丽",
            id_type=IdType.PASSPORT,
            id_number="E12345678",
            mobile="13600000072",
            sex=Sex.FEMALE,
            birth_date=date(1986, 5, 20),
        )
        profile = applicant_profile(holder)
        self.assertEqual((profile.sex, profile.birth_date), ("女", date(1986, 5, 20)))
        case = draft_case(self, applicant=holder)
        self.client.force_login(holder)
        r = self.client.get(reverse("cases:edit", args=[case.pk]))
        self.assertContains(r, "<dt>性别</dt><dd>女</dd>", html=True)
        self.assertContains(r, "<dt>出生日期</dt><dd>1986-05-20</dd>", html=True)

    def test_it_reads_a_resident_id_number(self):
        profile = applicant_profile(self.applicant)
        self.assertEqual((profile.sex, profile.birth_date), ("男", date(1990, 3, 7)))

    def test_a_holder_who_gave_nothing_yet_gets_blanks_not_an_error(self):
        holder = document_holder_create(
            name="陈家明", id_type=IdType.HK_MACAO, id_number="H60123456", mobile="13600000071"
        )
        profile = applicant_profile(holder)
        self.assertEqual((profile.sex, profile.birth_date), ("", None))
