from __future__ import annotations

from audit.models import AuditAction, AuditEvent
from cases.models import NoticeKind
from cases.tests.helpers import submitted_case
from lib.masking import mask_id_number
from portal.test import BaseTestCase
from review.services import CorrectionItem, case_accept, case_request_correction, case_review


class CasePageTestCase(BaseTestCase):
    def setUp(self):
        self.case = submitted_case(self)
        self.url = f"/workbench/cases/{self.case.pk}/"

    def test_it_shows_the_form_read_only_by_section(self):
        self.client.force_login(self.acceptor)
        r = self.client.get(self.url)
        self.assertContains(r, f"办件 {self.case.number}")
        sections = dict(r.context["sections"])
        self.assertEqual(list(sections), ["学历信息", "资格信息", "聘用企业", "注册专业"])
        self.assertIn(("最高学历", "本科"), sections["学历信息"])
        self.assertIn(("资格证书管理号", "LN2020123456"), sections["资格信息"])
        # Specialty codes are shown by name.
        self.assertIn(("申请注册专业", "建筑工程"), sections["注册专业"])
        self.assertIn(("资格证书专业", "建筑工程"), sections["资格信息"])
        self.assertIn(("继续教育学时", "—"), sections["注册专业"])
        self.assertContains(r, '<th scope="row">聘用企业统一社会信用代码</th>', html=False)
        self.assertContains(r, self.enterprise.enterprise.uscc)
        self.assertNotContains(r, "10401001")

    def test_it_shows_the_applicant_with_the_id_number_masked_and_revealable(self):
        self.client.force_login(self.acceptor)
        r = self.client.get(self.url)
        self.assertContains(r, "张伟")
        self.assertContains(r, mask_id_number(self.applicant.id_number))
        self.assertContains(r, '<a class="reveal" href="?show=id_number#applicant-heading"', html=False)
        # The full number is not in the page until asked for: each reveal is recorded.
        self.assertNotContains(r, self.applicant.id_number)
        self.assertContains(r, "138****0001")
        self.assertNotContains(r, self.applicant.mobile)
        view = AuditEvent.objects.get()
        self.assertEqual((view.action, view.actor_id), (AuditAction.CASE_VIEW, self.acceptor.pk))
        self.assertEqual((view.object_type, view.object_id), ("cases.Case", str(self.case.pk)))
        self.assertEqual(view.subject_id, self.applicant.pk)
        self.assertTrue(view.object_label.startswith(self.case.number or "?"))

        r = self.client.get(self.url, {"show": "id_number"})
        self.assertContains(r, f'<span class="full-id">{self.applicant.id_number}</span>', html=False)
        reveal = AuditEvent.objects.latest("id")
        self.assertEqual((reveal.action, reveal.subject_id), (AuditAction.NUMBER_REVEAL, self.applicant.pk))
        self.assertNotIn(self.applicant.id_number, reveal.object_label + str(reveal.detail))

    def test_it_shows_every_material_with_its_files(self):
        self.client.force_login(self.acceptor)
        r = self.client.get(self.url)
        attachments = list(self.case.attachments.all())
        self.assertEqual(len(attachments), 6)
        for att in attachments:
            link = f"/cases/{self.case.pk}/files/{att.pk}/"
            self.assertContains(r, f'<a href="{link}" target="_blank" rel="noopener">{att.display_name}</a>')
            if att.content_type.startswith("image/"):
                self.assertContains(r, f'<img class="thumb" src="{link}"', html=False)
        # The optional materials are listed too, as not uploaded.
        self.assertContains(r, "学历证书")
        self.assertContains(r, "未上传")
        required = [row.material.code for row in r.context["materials"] if row.required]
        # The employer confirmed online (ADR 19): its signed-and-sealed form is not required.
        self.assertEqual(required, ["photo", "signature", "identity", "qualification", "labour_contract"])
        self.assertContains(r, '<span class="material-waived">单位已在线确认，无需上传</span>', html=True)
        # The link really opens the file for the department's staff.
        photo = self.case.attachments.get(material_code="photo")
        file_response = self.client.get(f"/cases/{self.case.pk}/files/{photo.pk}/")
        self.assertEqual(file_response.status_code, 200)
        self.assertEqual(file_response["Content-Type"], "image/png")

    def test_it_shows_the_timeline_and_the_notices(self):
        case_request_correction(
            case=self.case,
            actor=self.acceptor,
            items=[
                CorrectionItem("photo", "照片背景不是白色"),
                CorrectionItem("labour_contract", "合同已过期"),
            ],
        )
        self.client.force_login(self.reviewer)
        r = self.client.get(self.url)
        self.assertContains(r, "保存并提交")
        self.assertContains(r, "一次性告知补正")
        self.assertContains(r, "受理人员 · 受理员刘洋")
        self.assertContains(r, "申请人 · 张伟")
        self.assertContains(r, "<strong>申请人本人白底1寸照片（图片）</strong>：照片背景不是白色", html=False)
        self.assertContains(r, "<strong>劳动合同</strong>：合同已过期", html=False)
        self.assertContains(r, "等待申请人补正，补正期间暂停计时")
        for notice in self.case.notices.all():
            self.assertContains(r, f'href="/cases/{self.case.pk}/notices/{notice.pk}/"')
            self.assertContains(r, notice.number)
        self.assertEqual(
            sorted(self.case.notices.values_list("kind", flat=True)),
            sorted([NoticeKind.RECEIPT, NoticeKind.CORRECTION]),
        )

    def test_it_offers_the_acceptor_the_three_acceptance_actions(self):
        self.client.force_login(self.acceptor)
        r = self.client.get(self.url)
        self.assertEqual(list(r.context["action_forms"]), ["accept", "request_correction", "reject"])
        self.assertContains(r, f'action="/workbench/cases/{self.case.pk}/accept/"')
        self.assertContains(r, f'action="/workbench/cases/{self.case.pk}/correction/"')
        self.assertContains(r, f'action="/workbench/cases/{self.case.pk}/reject/"')
        self.assertNotContains(r, '/review/"')
        # A checklist of every material of the 办理项, each with its reason.
        self.assertContains(r, 'name="correction-pick_photo"')
        self.assertContains(r, 'name="correction-reason_photo"')
        self.assertContains(r, 'name="correction-pick_education"')
        self.assertContains(r, "data-once")
        self.assertContains(r, "剩余5个工作日")

    def test_it_offers_each_role_only_its_step(self):
        self.client.force_login(self.reviewer)
        r = self.client.get(self.url)
        self.assertEqual(r.context["action_forms"], {})
        self.assertNotContains(r, "/accept/")
        self.assertContains(r, "不由审查人员办理")

        case_accept(case=self.case, actor=self.acceptor)
        r = self.client.get(self.url)
        self.assertEqual(list(r.context["action_forms"]), ["review"])
        self.assertContains(r, "审查意见")

        case_review(case=self.case, actor=self.reviewer, opinion="材料真实有效，符合初始注册条件")
        self.client.force_login(self.decider)
        r = self.client.get(self.url)
        self.assertEqual(list(r.context["action_forms"]), ["approve", "deny"])
        self.assertContains(r, "材料真实有效，符合初始注册条件")
        # The deny form tells the decider that the decision states the applicant's remedies.
        self.assertContains(r, "行政复议")
        self.assertContains(r, "行政诉讼")

    def test_the_outsider_gets_404(self):
        self.client.force_login(self.outsider)
        self.assertEqual(self.client.get(self.url).status_code, 404)
        self.assertEqual(self.client.get("/workbench/cases/999999/").status_code, 404)

    def test_applicants_get_403_and_strangers_the_login(self):
        self.client.force_login(self.applicant)
        self.assertEqual(self.client.get(self.url).status_code, 403)
        self.client.logout()
        r = self.client.get(self.url)
        self.assertRedirects(r, f"/accounts/login/?next={self.url}", fetch_redirect_response=False)
