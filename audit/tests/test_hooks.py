"""Every access the issue lists leaves its row: who, from where, what, whose data, the result;
never a full ID number, mobile or code in what the auditor and the person are shown."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from accounts.models import KnownIdentity
from accounts.tests.helpers import human_fields, last_code
from audit.models import AuditAction, AuditEvent, AuditResult
from cases.models import Case, NoticeKind
from cases.tests.helpers import item_of, submitted_case
from catalog.registration_types import RegistrationType
from certificates.models import CertificateCopy
from certificates.services import certificate_copy_request
from certificates.tests.helpers import approved_case, ensure_keys, granted_registration
from notifications.testing import drain_task_queue
from portal.test import PASSWORD, STAFF_PASSWORD, BaseTestCase, make_id_number


def rows(action: AuditAction) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


class AuditedTestCase(BaseTestCase):
    def assertNothingSecret(self, event: AuditEvent, *secrets: str) -> None:
        shown = f"{event.object_label} {event.detail}"
        for secret in secrets:
            self.assertNotIn(secret, shown)


class LoginAuditTestCase(AuditedTestCase):
    def login(self, identifier: str, password: str, kind: str = "person") -> Any:
        data = {"kind": kind, "identifier": identifier, "password": password}
        return self.client.post("/accounts/login/", data, REMOTE_ADDR="10.0.0.7")

    def test_a_wrong_password_is_a_failure_row_on_the_account_tried(self) -> None:
        r = self.login(self.applicant.id_number, "wrong-password")
        self.assertContains(r, "账号或密码错误")
        [event] = rows(AuditAction.LOGIN)
        self.assertEqual((event.result, event.actor_id), (AuditResult.FAILURE, 0))
        self.assertEqual((event.subject_id, event.client_address), (self.applicant.pk, "10.0.0.7"))
        self.assertEqual(event.detail["原因"], "账号或密码错误")
        self.assertNothingSecret(event, self.applicant.id_number, "wrong-password")

    def test_an_unknown_name_is_kept_masked(self) -> None:
        self.login("210102199001010000", "whatever-password")
        [event] = rows(AuditAction.LOGIN)
        self.assertEqual(
            (event.result, event.subject_id, event.object_label), (AuditResult.FAILURE, None, "未知账号")
        )
        self.assertEqual(event.detail["输入的账号"], "2101**********0000")

    def test_a_login_and_a_logout_are_rows_of_the_account(self) -> None:
        r = self.login(self.applicant.mobile, PASSWORD)
        self.assertEqual(r.status_code, 302)
        self.client.post("/accounts/logout/")
        [login] = rows(AuditAction.LOGIN)
        [logout] = rows(AuditAction.LOGOUT)
        for event in (login, logout):
            self.assertEqual((event.actor_id, event.subject_id), (self.applicant.pk, self.applicant.pk))
            self.assertEqual(event.result, AuditResult.SUCCESS)
        self.assertEqual(login.detail["方式"], "密码")

    def test_a_wrong_sms_code_is_a_failure_row(self) -> None:
        self.client.post(
            "/accounts/login/",
            {"kind": "person", "method": "sms", "mobile": self.applicant.mobile, "sms_code": "123456"},
        )
        [event] = rows(AuditAction.LOGIN_SMS)
        self.assertEqual((event.result, event.subject_id), (AuditResult.FAILURE, self.applicant.pk))
        self.assertNothingSecret(event, self.applicant.mobile, "123456")

    def test_a_wrong_staff_second_factor_is_a_failure_row(self) -> None:
        r = self.login(self.reviewer.username, STAFF_PASSWORD, kind="staff")
        self.assertRedirects(r, reverse("accounts:login_verify"), fetch_redirect_response=False)
        self.assertEqual(rows(AuditAction.LOGIN), [])  # half a login is no login
        self.client.post(reverse("accounts:login_verify"), {"code": "000000"})
        [event] = rows(AuditAction.LOGIN)
        self.assertEqual((event.result, event.subject_id), (AuditResult.FAILURE, self.reviewer.pk))
        self.assertIn("第二步验证", event.detail["方式"])

    def test_a_password_change_is_recorded_and_a_wrong_old_one_too(self) -> None:
        self.client.force_login(self.applicant)
        url = reverse("accounts:password_change")
        new = "Xin-mima-2026!"
        self.client.post(url, {"old_password": "wrong", "new_password1": new, "new_password2": new})
        self.client.post(url, {"old_password": PASSWORD, "new_password1": new, "new_password2": new})
        results = [e.result for e in rows(AuditAction.PASSWORD_CHANGE)]
        self.assertEqual(results, [AuditResult.FAILURE, AuditResult.SUCCESS])

    def test_a_password_reset_is_recorded_and_a_wrong_code_too(self) -> None:
        new = "Xinmima-2027"
        form = {"kind": "person", "mobile": self.applicant.mobile, "password1": new, "password2": new}
        r = self.client.post(
            "/accounts/password-reset/", {**form, "sms_code": "123456"}, REMOTE_ADDR="10.0.0.8"
        )
        self.assertContains(r, "验证码已失效")
        self.client.post(
            "/accounts/sms-code/",
            {**human_fields(), "mobile": self.applicant.mobile, "purpose": "reset", "kind": "person"},
        )
        code = last_code(self.applicant.mobile)
        r = self.client.post("/accounts/password-reset/", {**form, "sms_code": code}, REMOTE_ADDR="10.0.0.8")
        self.assertEqual(r.status_code, 302)
        refused, reset = rows(AuditAction.PASSWORD_RESET)
        # The wrong code was typed by nobody known: no actor, but the account's holder sees it.
        self.assertEqual((refused.result, refused.actor_id), (AuditResult.FAILURE, 0))
        self.assertEqual((refused.subject_id, refused.client_address), (self.applicant.pk, "10.0.0.8"))
        self.assertEqual(refused.detail["方式"], "短信验证码")
        self.assertIn("验证码", refused.detail["原因"])
        self.assertEqual((reset.result, reset.actor_id), (AuditResult.SUCCESS, self.applicant.pk))
        self.assertEqual((reset.subject_id, reset.object_id), (self.applicant.pk, str(self.applicant.pk)))
        for event in (refused, reset):
            self.assertNothingSecret(event, self.applicant.mobile, "123456", code, new)


class StaffReadAuditTestCase(AuditedTestCase):
    case: Case

    def setUp(self) -> None:
        super().setUp()
        self.case = submitted_case(self)
        attachment = self.case.attachments.first()
        assert attachment is not None
        self.attachment = attachment
        self.file_url = reverse("cases:attachment", args=[self.case.pk, self.attachment.pk])

    def test_a_staff_view_of_an_attachment_names_the_applicant(self) -> None:
        self.client.force_login(self.reviewer)
        r = self.client.get(self.file_url, REMOTE_ADDR="10.1.1.1")
        self.assertEqual(r.status_code, 200)
        # Read through, not `r.close()`: closing sends request_finished, which closes the
        # database connection (PostgreSQL's test database with it).
        r.getvalue()
        [event] = rows(AuditAction.ATTACHMENT_VIEW)
        self.assertEqual((event.actor_id, event.actor_role), (self.reviewer.pk, "reviewer"))
        self.assertEqual((event.subject_id, event.result), (self.applicant.pk, AuditResult.SUCCESS))
        self.assertEqual((event.object_type, event.object_id), ("cases.Attachment", str(self.attachment.pk)))
        self.assertTrue(event.object_label.startswith(str(self.case.number)))
        self.assertNotIn(self.attachment.display_name, event.object_label)

    def test_the_applicant_opening_their_own_file_is_not_an_access_by_others(self) -> None:
        self.client.force_login(self.applicant)
        self.client.get(self.file_url).getvalue()
        self.assertEqual(rows(AuditAction.ATTACHMENT_VIEW), [])

    def test_a_wrong_owner_is_refused_and_recorded(self) -> None:
        self.client.force_login(self.other_applicant)
        self.assertEqual(self.client.get(self.file_url).status_code, 404)
        [event] = rows(AuditAction.ATTACHMENT_VIEW)
        self.assertEqual((event.actor_id, event.result), (self.other_applicant.pk, AuditResult.DENIED))
        self.assertEqual(event.detail, {"办件": self.case.pk, "文件": self.attachment.pk})

    def test_a_staff_view_of_a_notice_is_recorded(self) -> None:
        notice = self.case.notices.get(kind=NoticeKind.RECEIPT)
        self.client.force_login(self.acceptor)
        r = self.client.get(reverse("cases:notice", args=[self.case.pk, notice.pk]))
        self.assertEqual(r.status_code, 200)
        [event] = rows(AuditAction.NOTICE_VIEW)
        self.assertEqual((event.subject_id, event.object_id), (self.applicant.pk, str(notice.pk)))


class CertificateAuditTestCase(AuditedTestCase):
    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        ensure_keys()

    def test_the_public_attachments_window_is_recorded_but_not_its_refreshes(self) -> None:
        case, certificate = approved_case(self)
        self.client.force_login(self.applicant)
        url = reverse("certificates:case_attachments", args=[case.pk])
        self.assertEqual(self.client.get(url).status_code, 200)
        self.assertEqual(self.client.get(url, {"partial": "1"}).status_code, 200)
        [event] = rows(AuditAction.ATTACHMENT_VIEW)
        self.assertEqual(
            (event.object_type, event.object_id), ("certificates.Certificate", str(certificate.pk))
        )
        self.assertEqual(event.detail, {"页面": "公示附件"})

    def test_preview_pdf_and_download_are_each_recorded(self) -> None:
        _, certificate = approved_case(self)
        copy = certificate_copy_request(certificate=certificate, user=self.applicant)
        drain_task_queue()
        self.client.force_login(self.applicant)
        self.assertEqual(
            self.client.get(reverse("certificates:preview", args=[certificate.pk])).status_code, 200
        )
        self.assertEqual(self.client.get(reverse("certificates:pdf", args=[certificate.pk])).status_code, 200)
        r = self.client.get(reverse("certificates:download", args=[copy.pk]))
        self.assertEqual(r.status_code, 200)
        r.getvalue()
        actions = [
            AuditAction.CERTIFICATE_PREVIEW,
            AuditAction.CERTIFICATE_PDF,
            AuditAction.CERTIFICATE_DOWNLOAD,
        ]
        for action in actions:
            [event] = rows(action)
            self.assertEqual((event.actor_id, event.subject_id), (self.applicant.pk, self.applicant.pk))
            self.assertEqual(event.object_label, f"注册编号 {certificate.registration.number}")


class AdminAuditTestCase(AuditedTestCase):
    # The real-name directory and enterprises are the 安全管理员's pages (accounts/roles.py).
    def test_an_admin_change_is_recorded_with_django_s_message(self) -> None:
        number = make_id_number("21010219900307003")
        self.client.force_login(self.security_admin)
        r = self.client.post(
            reverse("admin:accounts_knownidentity_add"),
            {"name": "王芳", "id_type": "resident", "id_number": number, "note": ""},
        )
        self.assertEqual(r.status_code, 302)
        identity = KnownIdentity.objects.get(name="王芳")
        [event] = rows(AuditAction.ADMIN_CHANGE)
        self.assertEqual((event.actor_id, event.object_id), (self.security_admin.pk, str(identity.pk)))
        self.assertEqual((event.detail["操作"], event.detail["模型"]), ("新增", "accounts.KnownIdentity"))
        self.assertNothingSecret(event, number)

    def test_an_admin_read_of_personal_data_names_whose_it_is(self) -> None:
        self.client.force_login(self.security_admin)
        r = self.client.get(reverse("admin:accounts_enterprise_change", args=[self.enterprise.enterprise.pk]))
        self.assertEqual(r.status_code, 200)
        [event] = rows(AuditAction.ADMIN_READ)
        self.assertEqual((event.actor_id, event.subject_id), (self.security_admin.pk, self.enterprise.pk))

    def test_a_search_of_a_personal_list_is_recorded_masked(self) -> None:
        self.client.force_login(self.security_admin)
        self.client.get(reverse("admin:accounts_knownidentity_changelist"), {"q": "210102199003070011"})
        [event] = rows(AuditAction.ADMIN_READ)
        self.assertEqual(event.detail["检索"], "2101**********0011")

    def test_reference_data_is_not_a_read_of_personal_data(self) -> None:
        self.client.force_login(self.security_admin)
        self.client.get(reverse("admin:catalog_department_changelist"))
        self.assertEqual(rows(AuditAction.ADMIN_READ), [])


class ExtractAuditTestCase(AuditedTestCase):
    def test_提取信息_is_recorded_and_a_refusal_too(self) -> None:
        granted_registration(self)
        self.client.force_login(self.applicant)
        url = reverse("cases:start", args=[item_of(RegistrationType.REISSUE).pk])
        self.client.post(url, {"id_number": self.other_applicant.id_number, "action": "extract"})
        self.client.post(url, {"id_number": self.applicant.id_number, "action": "extract"})
        refused, extracted = rows(AuditAction.REGISTER_EXTRACT)
        self.assertEqual((refused.result, extracted.result), (AuditResult.DENIED, AuditResult.SUCCESS))
        for event in (refused, extracted):
            self.assertEqual((event.actor_id, event.subject_id), (self.applicant.pk, self.applicant.pk))
            self.assertNothingSecret(event, self.applicant.id_number, self.other_applicant.id_number)
        self.assertIn("本人", refused.detail["原因"])


class ExportAuditTestCase(AuditedTestCase):
    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        ensure_keys()

    def test_certificate_export_is_an_export_row_of_the_holder(self) -> None:
        registration, certificate = granted_registration(self)
        target = Path(settings.MEDIA_ROOT) / "exported.ofd"
        call_command("certificate_export", registration.number, str(target), stdout=StringIO())
        self.assertTrue(target.read_bytes().startswith(b"PK"))
        [event] = rows(AuditAction.EXPORT)
        copy = CertificateCopy.objects.get(certificate=certificate)
        # Run by an operator on a server: no account, the command named instead.
        self.assertEqual((event.actor_id, event.client_address), (0, ""))
        self.assertEqual((event.object_type, event.object_id), ("certificates.CertificateCopy", str(copy.pk)))
        self.assertEqual((event.subject_id, event.result), (self.applicant.pk, AuditResult.SUCCESS))
        self.assertEqual(event.object_label, f"注册编号 {registration.number}")
        self.assertEqual(event.detail, {"命令": "certificate_export"})
        self.assertNothingSecret(event, self.applicant.id_number)
