"""三员分立: none of the three administrators opens an applicant's case files, whatever their
department. Each gets the 404 anyone without access gets, and the attempt is in the audit
trail as refused, naming whose file it was."""

from __future__ import annotations

from django.urls import reverse

from audit.models import AuditAction, AuditEvent, AuditResult
from cases.models import NoticeKind
from cases.tests.helpers import submitted_case
from certificates.models import CertificateLog
from certificates.services import certificate_copy_request
from certificates.tests.helpers import approved_case, ensure_keys
from notifications.testing import drain_task_queue
from portal.test import BaseTestCase


class CaseFilesRefusedTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.case = submitted_case(self)
        self.attachment = self.case.attachments.order_by("id")[0]
        self.notice = self.case.notices.get(kind=NoticeKind.RECEIPT)

    def test_an_administrator_is_refused_an_attachment_with_a_denied_audit_row(self):
        url = reverse("cases:attachment", args=[self.case.pk, self.attachment.pk])
        for administrator in (self.admin, self.security_admin, self.auditor):
            with self.subTest(administrator.staff_role):
                self.client.force_login(administrator)
                r = self.client.get(url)
                self.assertEqual(r.status_code, 404)
                self.assertNotIn("Content-Disposition", r)
                row = AuditEvent.objects.filter(actor_id=administrator.pk).get()
                self.assertEqual(
                    (row.action, row.result, row.subject_id, row.object_type, row.object_id),
                    (
                        AuditAction.ATTACHMENT_VIEW,
                        AuditResult.DENIED,
                        self.applicant.pk,
                        "cases.Attachment",
                        str(self.attachment.pk),
                    ),
                )
                self.assertEqual(row.actor_role, administrator.staff_role)
                self.assertIn(self.case.number, row.object_label)

    def test_notices_the_printed_form_and_the_case_page_are_refused_too(self):
        self.client.force_login(self.admin)
        pk = self.case.pk
        refused = {
            reverse("cases:notice", args=[pk, self.notice.pk]): AuditAction.NOTICE_VIEW,
            reverse("cases:print", args=[pk]): AuditAction.CASE_VIEW,
            reverse("cases:receipt", args=[pk]): AuditAction.CASE_VIEW,
            reverse("cases:detail", args=[pk]): AuditAction.CASE_VIEW,
        }
        for url in refused:
            self.assertEqual(self.client.get(url).status_code, 404, url)
        rows = AuditEvent.objects.filter(actor_id=self.admin.pk).order_by("id")
        self.assertEqual([r.action for r in rows], list(refused.values()))
        self.assertEqual({(r.result, r.subject_id) for r in rows}, {(AuditResult.DENIED, self.applicant.pk)})

    def test_the_workbench_refuses_them(self):
        for administrator in (self.admin, self.security_admin, self.auditor):
            self.client.force_login(administrator)
            self.assertEqual(self.client.get(reverse("review:queue")).status_code, 403)
            self.assertEqual(self.client.get(reverse("review:case", args=[self.case.pk])).status_code, 403)

    def test_the_departments_acceptor_still_opens_the_file_and_no_refusal_is_written(self):
        self.client.force_login(self.acceptor)
        r = self.client.get(reverse("cases:attachment", args=[self.case.pk, self.attachment.pk]))
        self.assertEqual(r.status_code, 200)
        self.assertFalse(AuditEvent.objects.filter(result=AuditResult.DENIED).exists())


class CertificatesRefusedTestCase(BaseTestCase):
    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        ensure_keys()

    def test_an_administrator_cannot_download_or_preview_a_holders_certificate(self):
        _, certificate = approved_case(self)
        copy = certificate_copy_request(certificate=certificate, user=self.applicant)
        drain_task_queue()
        self.client.force_login(self.admin)
        urls = [
            reverse("certificates:download", args=[copy.pk]),
            reverse("certificates:preview", args=[certificate.pk]),
            reverse("certificates:pdf", args=[certificate.pk]),
        ]
        for url in urls:
            self.assertEqual(self.client.get(url).status_code, 404, url)
        rows = AuditEvent.objects.filter(actor_id=self.admin.pk).order_by("id")
        self.assertEqual(
            [r.action for r in rows],
            [AuditAction.CERTIFICATE_DOWNLOAD, AuditAction.CERTIFICATE_PREVIEW, AuditAction.CERTIFICATE_PDF],
        )
        self.assertEqual({(r.result, r.subject_id) for r in rows}, {(AuditResult.DENIED, self.applicant.pk)})
        self.assertFalse(CertificateLog.objects.filter(user=self.admin).exists())
