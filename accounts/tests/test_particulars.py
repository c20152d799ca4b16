"""「补充性别和出生日期」 in 个人中心 (ADR 0038).

陈家明 opened his account with his 港澳居民来往内地通行证 before 注册 asked for 性别 and 出生日期:
个人中心 asks him for them, once; what he gives is recorded on the audit trail and cannot be
changed by him afterwards (a mistake goes through 申请更正). 张伟's 居民身份证 carries both:
the page has nothing to ask him."""

from __future__ import annotations

from datetime import date

from accounts.models import IdType, Sex
from accounts.services import person_particulars_set
from audit.models import AuditAction, AuditEvent
from lib.errors import ApplicationError
from portal.test import BaseTestCase, document_holder_create

URL = "/accounts/particulars/"


class ParticularsTestCase(BaseTestCase):
    def setUp(self) -> None:
        self.holder = document_holder_create(
            name="陈家明", id_type=IdType.HK_MACAO, id_number="H60123456", mobile="13600000071"
        )
        self.client.force_login(self.holder)

    def test_the_profile_asks_for_them(self):
        r = self.client.get("/accounts/profile/")
        self.assertContains(r, "您的证件类型为港澳居民来往内地通行证，证件号码中没有性别和出生日期")
        self.assertContains(r, f'<a class="btn" href="{URL}">补充性别和出生日期</a>', html=True)
        r = self.client.get("/my-info/")
        self.assertContains(r, f'未填写（<a href="{URL}">补充性别和出生日期</a>）', html=True)

    def test_it_refuses_an_empty_or_impossible_answer(self):
        r = self.client.post(URL, {"sex": "", "birth_date": ""})
        self.assertEqual(r.status_code, 200)
        self.assertFormError(r.context["form"], "sex", "请选择性别")
        self.assertFormError(r.context["form"], "birth_date", "请填写出生日期")
        r = self.client.post(URL, {"sex": "男", "birth_date": "2999-01-01"})
        self.assertFormError(r.context["form"], "birth_date", "出生日期不能晚于今天，请按证件填写")
        self.holder.refresh_from_db()
        self.assertEqual((self.holder.sex, self.holder.birth_date), ("", None))
        self.assertFalse(AuditEvent.objects.filter(action=AuditAction.PARTICULARS_SET).exists())

    def test_it_keeps_them_once_and_records_it(self):
        r = self.client.post(URL, {"sex": "男", "birth_date": "1979-11-03"}, follow=True)
        self.assertRedirects(r, "/accounts/profile/")
        self.assertContains(r, "性别和出生日期已保存，现在可以提交申请")
        self.assertContains(r, "<dt>出生日期</dt><dd>1979-11-03</dd>", html=True)
        self.holder.refresh_from_db()
        self.assertEqual((self.holder.sex, self.holder.birth_date), (Sex.MALE, date(1979, 11, 3)))
        event = AuditEvent.objects.get(action=AuditAction.PARTICULARS_SET)
        self.assertEqual((event.actor_id, event.subject_id), (self.holder.pk, self.holder.pk))

        # Given: the page no longer asks, and a second answer changes nothing.
        r = self.client.post(URL, {"sex": "女", "birth_date": "1980-01-01"}, follow=True)
        self.assertContains(r, "您的性别和出生日期已登记，不用填写")
        self.holder.refresh_from_db()
        self.assertEqual((self.holder.sex, self.holder.birth_date), (Sex.MALE, date(1979, 11, 3)))

    def test_a_resident_id_holder_is_not_asked(self):
        self.client.force_login(self.applicant)
        self.assertNotContains(self.client.get("/accounts/profile/"), "补充性别和出生日期")
        r = self.client.post(URL, {"sex": "女", "birth_date": "2000-01-01"}, follow=True)
        self.assertContains(r, "您的性别和出生日期已登记，不用填写")
        self.applicant.refresh_from_db()
        self.assertEqual((self.applicant.sex, self.applicant.birth_date), ("", None))

    def test_the_service_refuses_what_no_form_checked(self):
        for sex, born in (("X", date(1979, 11, 3)), ("男", None), ("男", date(1899, 12, 31))):
            with self.subTest(sex=sex, born=born), self.assertRaises(ApplicationError):
                person_particulars_set(user=self.holder, sex=sex, birth_date=born)  # type: ignore[arg-type]
        self.holder.refresh_from_db()
        self.assertEqual((self.holder.sex, self.holder.birth_date), ("", None))

    def test_accounts_that_are_not_persons_have_no_such_page(self):
        for user in (self.enterprise, self.decider):
            self.client.force_login(user)
            self.assertEqual(self.client.get(URL).status_code, 404)
