"""「我的信息」: what the portal holds about the signed-in person, masked where the number is
personal, and who in the department looked at it (role and department, not the name)."""

from __future__ import annotations

from django.urls import reverse

from audit.models import AuditAction, AuditEvent, AuditResult
from audit.services import audit_record
from cases.tests.helpers import draft_case
from certificates.models import CertificateLog, LogAction
from lib.masking import mask_id_number, mask_mobile
from portal.test import BaseTestCase
from registry.tests.builders import registration_granted

URL = "/my-info/"


class MyInfoTestCase(BaseTestCase):
    def test_it_shows_the_account_register_cases_and_certificates(self):
        registration = registration_granted(self)
        certificate = registration.certificates.get()
        CertificateLog.objects.create(certificate=certificate, user=self.applicant, action=LogAction.DOWNLOAD)
        draft = draft_case(self)
        self.client.force_login(self.applicant)
        r = self.client.get(URL)
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r["Cache-Control"], "private, no-store")
        self.assertContains(r, mask_id_number(self.applicant.id_number))
        self.assertContains(r, mask_mobile(self.applicant.mobile))
        self.assertNotContains(r, self.applicant.id_number)
        self.assertNotContains(r, self.applicant.mobile)
        self.assertContains(r, registration.number)
        self.assertContains(r, registration.employer_name)
        self.assertContains(r, reverse("cases:detail", args=[registration.created_by_case_id]))
        self.assertContains(r, reverse("cases:detail", args=[draft.pk]))
        self.assertContains(r, f"第{certificate.version}版")
        self.assertContains(r, "下载 第1版证书文件")

    def test_viewing_it_writes_an_audit_row_the_list_itself_leaves_out(self):
        self.client.force_login(self.applicant)
        r = self.client.get(URL)
        row = AuditEvent.objects.get()
        self.assertEqual(
            (row.action, row.actor_id, row.subject_id, row.result),
            (AuditAction.PERSONAL_INFO_VIEW, self.applicant.pk, self.applicant.pk, AuditResult.SUCCESS),
        )
        self.assertContains(r, "暂无部门工作人员查看您的信息的记录")

    def test_it_lists_a_reviewers_view_by_role_and_department(self):
        audit_record(
            action=AuditAction.ATTACHMENT_VIEW,
            actor=self.reviewer,
            subject_id=self.applicant.pk,
            label="办件 材料",
        )
        audit_record(action=AuditAction.CASE_VIEW, actor=self.reviewer, subject_id=self.other_applicant.pk)
        audit_record(
            action=AuditAction.ATTACHMENT_VIEW,
            actor=self.admin,
            subject_id=self.applicant.pk,
            result=AuditResult.DENIED,
        )
        self.client.force_login(self.applicant)
        r = self.client.get(URL)
        rows = [row.event for row in r.context["accesses"]]
        self.assertEqual(
            [(e.actor_id, e.action) for e in rows],
            [(self.admin.pk, AuditAction.ATTACHMENT_VIEW), (self.reviewer.pk, AuditAction.ATTACHMENT_VIEW)],
        )
        self.assertContains(r, "审查人员")
        self.assertContains(r, self.department.name)
        self.assertContains(r, "查看申请材料（办件 材料）")
        self.assertContains(r, "已拒绝")
        # The staff member's name is the department's to tell (ADR 0016).
        self.assertNotContains(r, self.reviewer.name)

    def test_the_list_is_paginated(self):
        for _ in range(23):
            audit_record(action=AuditAction.CASE_VIEW, actor=self.acceptor, subject_id=self.applicant.pk)
        self.client.force_login(self.applicant)
        r = self.client.get(URL)
        self.assertEqual(len(r.context["accesses"]), 20)
        self.assertContains(r, "第 1 / 2 页，共 23 条")
        r = self.client.get(URL + "?apage=2")
        self.assertEqual(len(r.context["accesses"]), 3)

    def test_an_enterprise_sees_its_own_account(self):
        self.client.force_login(self.enterprise)
        r = self.client.get(URL)
        self.assertEqual(r.status_code, 200)
        company = self.enterprise.enterprise
        self.assertContains(r, company.uscc)
        self.assertContains(r, mask_id_number(company.agent_id_number))
        self.assertNotContains(r, company.agent_id_number)
        self.assertNotContains(r, 'id="register"')

    def test_it_is_linked_from_the_profile_and_not_for_staff(self):
        self.client.force_login(self.applicant)
        self.assertContains(self.client.get(reverse("accounts:profile")), URL)
        self.client.force_login(self.acceptor)
        self.assertNotContains(self.client.get(reverse("accounts:profile")), URL)
        self.assertEqual(self.client.get(URL).status_code, 404)
        self.client.logout()
        r = self.client.get(URL)
        self.assertRedirects(r, f"{reverse('accounts:login')}?next={URL}", fetch_redirect_response=False)
