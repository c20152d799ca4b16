"""开始申请 → 保存信息 → 打印申请表 → upload → 保存并提交 → 材料接收告知单 (the manual, 2.1)."""

from __future__ import annotations

import io
import uuid
from datetime import date, timedelta

from django.db import transaction
from django.urls import reverse
from pypdf import PdfReader

from cases.models import ActorRole, Case, CaseAction, CaseEvent, CaseStatus, Notice, NoticeKind
from cases.services import case_transition
from cases.tests.helpers import employer_offline
from cases.tests.sample_files import (
    REQUIRED_CODES,
    form_post,
    initial_item,
    save_new,
    start_url,
    upload_material,
    upload_required,
)
from catalog.models import ServiceItem
from catalog.registration_types import RegistrationType
from portal.test import BaseTestCase
from registry.models import Person, Registration


class ApplyTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        # The manual's paper path: the employer has no verified account (ADR 19).
        employer_offline(cls.enterprise)

    def setUp(self) -> None:
        super().setUp()
        self.client.force_login(self.applicant)

    def _saved_case(self, **overrides: object) -> Case:
        r = save_new(self.client, form_post(self, **overrides))
        case = Case.objects.get(applicant=self.applicant)
        self.assertRedirects(r, reverse("cases:edit", args=[case.pk]), fetch_redirect_response=False)
        return case

    def test_it_shows_the_form_with_the_account_data_masked(self):
        r = self.client.get(start_url())
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, "二级注册建造师初始注册申请表")
        number = self.applicant.id_number
        self.assertContains(r, number[:4] + "*" * 10 + number[-4:])
        self.assertNotContains(r, number)
        self.assertContains(r, "138****0001")
        self.assertContains(r, "1990-03-07")
        self.assertContains(r, "<dd>男</dd>", html=True)
        for label in ("保存信息", "打印申请表", "保存并提交", "资格证书管理号", "聘用企业统一社会信用代码"):
            self.assertContains(r, label)
        self.assertContains(r, "请先点击“保存信息”再上传附件")
        self.assertContains(r, 'name="client_token"')
        for value, label in (("online", "网上提交"), ("window", "窗口提交"), ("post", "邮寄")):
            self.assertContains(r, f'value="{value}"')
            self.assertContains(r, label)
        self.assertContains(r, "<dialog")
        self.assertFalse(Case.objects.exists())

    def test_it_walks_through_a_complete_initial_registration(self):
        # 保存信息, with the 提交方式 asked at the first save.
        r = save_new(self.client, form_post(self), method="window")
        case = Case.objects.get(applicant=self.applicant)
        self.assertRedirects(r, reverse("cases:edit", args=[case.pk]), fetch_redirect_response=False)
        self.assertEqual(case.status, CaseStatus.DRAFT)
        self.assertEqual(case.submit_method, "window")
        self.assertEqual(case.form_data["specialties"], ["10401001"])
        self.assertEqual(case.form_data["major"], "土木工程")
        r = self.client.get(r["Location"])
        self.assertContains(r, "保存成功")
        self.assertContains(r, 'value="土木工程"')
        self.assertNotContains(r, 'id="submit-method-dialog"')  # asked once only

        # 上传附件: real files through the upload view.
        for code in REQUIRED_CODES:
            r = upload_material(self.client, case, code)
            self.assertRedirects(
                r, reverse("cases:edit", args=[case.pk]) + f"#material-{code}", fetch_redirect_response=False
            )
        self.assertEqual(case.attachments.count(), len(REQUIRED_CODES))

        # 保存并提交.
        r = self.client.post(reverse("cases:edit", args=[case.pk]), {**form_post(self), "action": "submit"})
        self.assertRedirects(r, reverse("cases:receipt", args=[case.pk]), fetch_redirect_response=False)
        case.refresh_from_db()
        self.assertEqual(case.status, CaseStatus.PENDING)
        self.assertRegex(str(case.number), r"^LN\d{13}$")
        self.assertIsNotNone(case.submitted_at)
        notice = Notice.objects.get(case=case, kind=NoticeKind.RECEIPT)
        event = CaseEvent.objects.get(case=case)
        self.assertEqual((event.action, event.actor_role), (CaseAction.SUBMIT, ActorRole.APPLICANT))

        # 材料接收告知单.
        r = self.client.get(r["Location"])
        self.assertContains(r, "提交成功")
        self.assertContains(r, "材料接收告知单")
        self.assertContains(r, str(case.number))
        self.assertContains(r, "申请人本人白底1寸照片（图片）")
        self.assertContains(r, "劳动合同")
        self.assertContains(r, "10 个工作日")
        self.assertContains(r, reverse("cases:notice", args=[case.pk, notice.pk]))
        self.assertContains(r, "返回我的办件")
        self.assertContains(r, "我的办件")

    def test_it_asks_for_the_submit_method_and_keeps_what_was_typed(self):
        r = save_new(self.client, form_post(self, major="给排水工程"), method="")
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, "请选择提交方式")
        self.assertContains(r, 'value="给排水工程"')
        self.assertFalse(Case.objects.exists())

    def test_it_makes_one_case_when_the_same_form_is_saved_twice(self):
        token = str(uuid.uuid4())
        first = save_new(self.client, form_post(self), token=token)
        second = save_new(self.client, form_post(self, major="工程管理"), token=token)
        case = Case.objects.get(applicant=self.applicant)
        self.assertEqual(first["Location"], second["Location"])
        self.assertEqual(case.form_data["major"], "工程管理")
        self.assertEqual(Case.objects.count(), 1)

    def test_it_keeps_an_invalid_uscc_but_refuses_to_submit_it(self):
        case = self._saved_case(employer_uscc="91210100ABC")
        self.assertEqual(case.form_data["employer_uscc"], "91210100ABC")
        r = self.client.get(reverse("cases:edit", args=[case.pk]))
        self.assertContains(r, 'value="91210100ABC"')
        self.assertContains(r, "field-invalid")  # the hint, shown before any submission
        upload_required(self.client, case)

        r = self.client.post(
            reverse("cases:edit", args=[case.pk]),
            {**form_post(self, employer_uscc="91210100ABC"), "action": "submit"},
        )
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, "申请表中以下内容需要填写或更正：聘用企业统一社会信用代码")
        self.assertContains(r, 'value="91210100ABC"')
        self.assertContains(r, 'value="土木工程"')
        case.refresh_from_db()
        self.assertEqual(case.status, CaseStatus.DRAFT)
        self.assertIsNone(case.number)
        self.assertFalse(Notice.objects.exists())

    def test_it_names_each_missing_material_and_stays_a_draft(self):
        case = self._saved_case()
        upload_material(self.client, case, "photo")
        r = self.client.post(reverse("cases:edit", args=[case.pk]), {**form_post(self), "action": "submit"})
        self.assertEqual(r.status_code, 200)
        self.assertContains(
            r, "以下必传材料尚未上传：申请表、申请人本人手写签名（图片）、身份证明、资格证书、劳动合同"
        )
        case.refresh_from_db()
        self.assertEqual(case.status, CaseStatus.DRAFT)
        self.assertFalse(case.events.exists())

    def test_it_submits_once_when_submitted_twice(self):
        case = self._saved_case()
        upload_required(self.client, case)
        url = reverse("cases:edit", args=[case.pk])
        self.client.post(url, {**form_post(self), "action": "submit"})
        r = self.client.post(url, {**form_post(self), "action": "submit"})
        self.assertRedirects(r, reverse("cases:receipt", args=[case.pk]), fetch_redirect_response=False)
        r = self.client.get(r["Location"])
        self.assertContains(r, "该办件已提交，请勿重复提交")
        self.assertEqual(Case.objects.count(), 1)
        self.assertEqual(Notice.objects.filter(kind=NoticeKind.RECEIPT).count(), 1)
        self.assertEqual(CaseEvent.objects.filter(action=CaseAction.SUBMIT).count(), 1)

    def test_it_does_not_start_a_second_case_from_a_replayed_first_save(self):
        token = str(uuid.uuid4())
        save_new(self.client, form_post(self), token=token)
        case = Case.objects.get()
        upload_required(self.client, case)
        self.client.post(reverse("cases:edit", args=[case.pk]), {**form_post(self), "action": "submit"})
        r = save_new(self.client, form_post(self, major="重放"), token=token)
        # Refused (an open case of this kind exists) or sent to 我的办件: never a second case.
        self.assertIn(r.status_code, (200, 302))
        self.assertEqual(Case.objects.count(), 1)
        case.refresh_from_db()
        self.assertEqual((case.status, case.form_data["major"]), (CaseStatus.PENDING, "土木工程"))

    def test_it_marks_continuing_education_required_for_an_old_qualification(self):
        old = (date.today() - timedelta(days=5 * 365)).isoformat()
        case = self._saved_case(qualification_date=old, continuing_education_hours="90")
        r = self.client.get(reverse("cases:edit", args=[case.pk]))
        self.assertContains(r, "继续教育证明")
        materials = {row.material.code: row.required for row in r.context["materials"]}
        self.assertTrue(materials["continuing_education"])
        self.assertFalse(materials["education"])
        upload_required(self.client, case)
        r = self.client.post(
            reverse("cases:edit", args=[case.pk]),
            {**form_post(self, qualification_date=old, continuing_education_hours="90"), "action": "submit"},
        )
        self.assertContains(r, "以下必传材料尚未上传：继续教育证明")

    def test_it_refuses_an_enterprise_account(self):
        self.client.force_login(self.enterprise)
        r = self.client.get(start_url())
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, "只有个人用户可以申请二级建造师注册")
        self.assertNotContains(r, "保存信息")
        r = save_new(self.client, form_post(self))
        self.assertContains(r, "只有个人用户可以申请二级建造师注册")
        self.assertFalse(Case.objects.exists())

    def test_it_refuses_someone_already_registered(self):
        cause = self._saved_case()
        person = Person.objects.create(
            id_number=self.applicant.id_number, name="张伟", sex="男", birth_date=date(1990, 3, 7)
        )
        Registration.objects.create(
            person=person,
            number="辽2212020202400001",
            qualification_number="LN2020123456",
            qualification_year=2020,
            employer_name="辽宁宏建建设集团有限公司",
            employer_uscc=self.enterprise.enterprise.uscc,
            first_registered_on=date(2024, 1, 1),
            issued_on=date(2024, 1, 1),
            created_by_case=cause,
        )
        r = self.client.get(start_url())
        self.assertContains(r, "您已是有效注册的二级建造师")
        self.assertNotContains(r, "保存并提交")

    def test_it_needs_a_login(self):
        self.client.logout()
        r = self.client.get(start_url())
        self.assertEqual(r.status_code, 302)
        self.assertIn("/accounts/login/", r["Location"])

    def test_it_prints_the_saved_form_as_a_pdf(self):
        case = self._saved_case()
        upload_material(self.client, case, "photo")
        r = self.client.get(reverse("cases:print", args=[case.pk]))
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r["Content-Type"], "application/pdf")
        self.assertTrue(r["Content-Disposition"].startswith("inline"))
        self.assertEqual(r["Cache-Control"], "private, no-store")
        text = PdfReader(io.BytesIO(r.content)).pages[0].extract_text()
        for expected in ("二级注册建造师初始注册申请表", "张伟", "土木工程", "建筑工程", "网上提交"):
            self.assertIn(expected, text)
        self.assertIn("申请人（签字）", text)

    def test_it_shows_the_correction_request_and_takes_the_resubmission(self):
        case = self._saved_case()
        upload_required(self.client, case)
        self.client.post(reverse("cases:edit", args=[case.pk]), {**form_post(self), "action": "submit"})
        items = [{"code": "signature", "name": "申请人本人手写签名（图片）", "reason": "签名不清晰"}]
        with transaction.atomic():
            case_transition(
                case=case, action=CaseAction.REQUEST_CORRECTION, actor=self.acceptor, data={"items": items}
            )
        r = self.client.get(reverse("cases:edit", args=[case.pk]))
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, "请补正以下材料")
        self.assertContains(r, "签名不清晰")
        self.assertContains(r, "保存并提交")

        upload_material(self.client, case, "signature")
        r = self.client.post(reverse("cases:edit", args=[case.pk]), {**form_post(self), "action": "submit"})
        self.assertRedirects(r, reverse("cases:receipt", args=[case.pk]), fetch_redirect_response=False)
        case.refresh_from_db()
        self.assertEqual(case.status, CaseStatus.PENDING)
        self.assertEqual(case.events.order_by("-id")[0].action, CaseAction.RESUBMIT)
        self.assertEqual(case.notices.filter(kind=NoticeKind.RECEIPT).count(), 2)

    def test_it_sends_a_submitted_case_from_the_edit_page_to_its_details(self):
        case = self._saved_case()
        upload_required(self.client, case)
        self.client.post(reverse("cases:edit", args=[case.pk]), {**form_post(self), "action": "submit"})
        r = self.client.post(
            reverse("cases:edit", args=[case.pk]), {**form_post(self, major="改动"), "action": "save"}
        )
        self.assertRedirects(r, reverse("cases:detail", args=[case.pk]), fetch_redirect_response=False)
        case.refresh_from_db()
        self.assertEqual(case.form_data["major"], "土木工程")


class ApplyChooserTestCase(BaseTestCase):
    def test_it_links_every_registration_type_to_its_form(self):
        self.client.force_login(self.applicant)
        r = self.client.get(reverse("catalog:apply", args=["ejjzs-zgrd"]))
        self.assertContains(r, "填写申请表", count=6)
        self.assertContains(r, f'href="{start_url()}"')
        for item in ServiceItem.objects.filter(matter__code="ejjzs-zgrd"):
            self.assertContains(r, f'href="{reverse("cases:start", args=[item.pk])}"')
        self.assertNotContains(r, "暂未开通网上申请")
        self.assertEqual(initial_item().code, RegistrationType.INITIAL)
