"""「注销账号」: with the password, refused while a case is in progress; afterwards the account
cannot log in, what the law keeps is kept (cases, register, certificates, audit rows) and the
rest is gone (mobile, browsers, sessions, drafts, unused codes); the ID may register again."""

from __future__ import annotations

from unittest.mock import patch

from django.core.files.storage import default_storage
from django.utils import timezone

from accounts.middleware import LOGIN_AT_SESSION_KEY
from accounts.models import Enterprise, KnownBrowser, SmsCode, SmsPurpose, User
from accounts.services import login_browser_record, person_register, sms_code_send
from accounts.tests.helpers import last_code
from audit.models import AuditAction, AuditEvent
from cases.models import Case, CaseStatus
from cases.tests.helpers import attach_required, draft_case, submitted_case
from certificates.models import Certificate
from certificates.selectors import certificates_for_user
from lib.datacrypt import mobile_index
from lib.errors import ApplicationError
from notifications.models import InboxMessage, SmsMessage, SmsStatus
from notifications.services import (
    CLOSED_ACCOUNT_TEXT,
    inbox_message_create,
    sms_deliver,
    sms_enqueue,
    sms_retry,
)
from portal.test import PASSWORD, BaseTestCase
from privacy.services import account_close
from registry.models import Registration
from registry.tests.builders import registration_granted

URL = "/my-info/close/"
FINISHED = {
    "matter": "二级建造师注册",
    "item": "变更注册",
    "number": "LN202612010001",
    "result": "准予",
    "rate_url": "",
}


class AccountCloseTestCase(BaseTestCase):
    def test_it_closes_the_account_and_keeps_what_the_law_requires(self):
        registration = registration_granted(self)
        granted_case = registration.created_by_case
        draft = draft_case(self)
        attach_required(self, draft)
        draft_files = [a.file.name for a in draft.attachments.all()]
        login_browser_record(user=self.applicant, device_id="phone", user_agent="Safari")
        sms_code_send(mobile=self.applicant.mobile, purpose=SmsPurpose.LOGIN)
        inbox_message_create(user=self.applicant, title="办件已办结", body="")
        # A notice queued for the phone before the closing (the gateway was down, say), and
        # one that failed earlier, which an administrator might otherwise send again.
        queued, failed = (
            sms_enqueue(
                mobile=self.applicant.mobile, template="case_finished", context=FINISHED, user=self.applicant
            )
            for _ in range(2)
        )
        SmsMessage.objects.filter(pk=failed.pk).update(status=SmsStatus.FAILED, attempts=5)
        other = self.client_class()
        other.force_login(self.applicant)

        self.client.force_login(self.applicant)
        r = self.client.get(URL)
        self.assertContains(r, "法律法规要求保存")
        with self.captureOnCommitCallbacks(execute=True):
            r = self.client.post(URL, {"password": PASSWORD, "understood": "on"})
        self.assertRedirects(r, "/", fetch_redirect_response=False)

        user = User.objects.get(pk=self.applicant.pk)
        self.assertIsNotNone(user.closed_at)
        self.assertEqual((user.mobile, user.username, user.is_active), ("", f"closed-{user.pk}", False))
        self.assertFalse(user.has_usable_password())
        # Kept: the identity the records name, the granted case, the register, the certificate.
        self.assertEqual((user.name, user.id_number), (self.applicant.name, self.applicant.id_number))
        self.assertTrue(Case.objects.filter(pk=granted_case.pk, status=CaseStatus.APPROVED).exists())
        self.assertTrue(Registration.objects.filter(pk=registration.pk).exists())
        self.assertTrue(Certificate.objects.filter(registration=registration).exists())
        # Removed: the draft and its files, known browsers, unused codes, in-site messages.
        self.assertFalse(Case.objects.filter(pk=draft.pk).exists())
        self.assertFalse(any(default_storage.exists(name) for name in draft_files))
        self.assertFalse(KnownBrowser.objects.filter(user=user).exists())
        self.assertFalse(SmsCode.objects.filter(mobile_index=mobile_index(self.applicant.mobile)).exists())
        self.assertFalse(InboxMessage.objects.filter(user=user).exists())
        # The queued SMS is not sent and its text is gone; neither may be sent again.
        for message in SmsMessage.objects.filter(pk__in=[queued.pk, failed.pk]):
            self.assertEqual((message.status, message.text), (SmsStatus.FAILED, CLOSED_ACCOUNT_TEXT))
            self.assertEqual(message.last_error, "账号已注销，不再发送")
            with self.assertRaisesMessage(ApplicationError, "该账号已注销"):
                sms_retry(message=message)
        with patch("notifications.gateways.ConsoleGateway.send") as send:
            sms_deliver(message_id=queued.pk)  # its task, when the worker runs it later
        send.assert_not_called()
        self.assertEqual(SmsMessage.objects.get(pk=queued.pk).status, SmsStatus.FAILED)
        # On the record, and every session ended (this one logged out, the other one's
        # password hash no longer matches).
        row = AuditEvent.objects.get(action=AuditAction.ACCOUNT_CLOSE)
        self.assertEqual((row.actor_id, row.subject_id), (user.pk, user.pk))
        self.assertNotIn("_auth_user_id", self.client.session)
        self.assertEqual(other.get("/my-info/").status_code, 302)

        # Nobody logs in with it any more, by number or mobile.
        for identifier in (self.applicant.id_number, self.applicant.mobile):
            r = self.client.post(
                "/accounts/login/", {"kind": "person", "identifier": identifier, "password": PASSWORD}
            )
            self.assertContains(r, "账号或密码错误")

    def test_the_person_may_register_again_and_finds_the_register_not_the_old_cases(self):
        registration = registration_granted(self)
        account_close(user=self.applicant, password=PASSWORD)
        sms_code_send(mobile=self.applicant.mobile, purpose=SmsPurpose.REGISTER)
        again = person_register(
            name=self.applicant.name,
            id_type=self.applicant.id_type,
            id_number=self.applicant.id_number,
            mobile=self.applicant.mobile,
            password=PASSWORD,
            sms_code=last_code(self.applicant.mobile),
        )
        self.assertNotEqual(again.pk, self.applicant.pk)
        self.assertEqual(again.id_number, self.applicant.id_number)
        self.assertEqual(list(certificates_for_user(user=again)), list(registration.certificates.all()))
        self.assertFalse(Case.objects.filter(applicant=again).exists())

    def test_it_is_refused_while_a_case_is_in_progress(self):
        case = submitted_case(self)
        self.client.force_login(self.applicant)
        r = self.client.get("/my-info/")
        self.assertContains(r, f"您有正在办理的办件（{case.number}）")
        r = self.client.post(URL, {"password": PASSWORD, "understood": "on"})
        self.assertContains(r, "办结或撤回后才能注销账号", status_code=400)
        user = User.objects.get(pk=self.applicant.pk)
        self.assertEqual((user.closed_at, user.is_active, user.mobile), (None, True, self.applicant.mobile))
        self.assertFalse(AuditEvent.objects.filter(action=AuditAction.ACCOUNT_CLOSE).exists())

    def test_a_wrong_password_or_no_consent_closes_nothing(self):
        self.client.force_login(self.applicant)
        r = self.client.post(URL, {"password": "wrong-password", "understood": "on"})
        self.assertContains(r, "密码不正确", status_code=400)
        r = self.client.post(URL, {"password": PASSWORD})
        self.assertContains(r, "我已了解上述说明", status_code=400)
        self.assertIsNone(User.objects.get(pk=self.applicant.pk).closed_at)

    def test_an_enterprise_closes_its_account_and_loses_its_agents_details(self):
        with self.assertRaises(ApplicationError):
            account_close(user=self.enterprise, password="wrong")
        account_close(user=self.enterprise, password=PASSWORD)
        self.assertFalse(Enterprise.objects.filter(user=self.enterprise).exists())
        closed = User.objects.get(pk=self.enterprise.pk)
        self.assertEqual((closed.is_active, closed.mobile, closed.name), (False, "", self.enterprise.name))

    def test_staff_cannot_close_their_own_account(self):
        self.client.force_login(self.acceptor)
        self.assertEqual(self.client.get(URL).status_code, 404)
        with self.assertRaisesMessage(ApplicationError, "工作人员账号由系统管理员停用"):
            account_close(user=self.acceptor, password="Shenpi#2026-ln")


class PasswordlessAccountCloseTestCase(BaseTestCase):
    """张伟's account was made by 统一身份认证 (ADR 0023): it has no password, so a recent login
    is what shows that he, not whoever finds his browser open, closes it."""

    def setUp(self) -> None:
        super().setUp()
        self.applicant.set_unusable_password()
        self.applicant.save(update_fields=["password"])
        self.client.force_login(self.applicant)

    def login_minutes_ago(self, minutes: int) -> None:
        session = self.client.session
        session[LOGIN_AT_SESSION_KEY] = timezone.now().timestamp() - minutes * 60
        session.save()

    def test_the_page_asks_no_password_and_says_how_he_is_recognised(self):
        r = self.client.get(URL)
        self.assertNotContains(r, 'name="password"')
        self.assertContains(r, "没有登录密码")
        self.assertContains(r, f'href="/accounts/login/?next={URL.replace("/", "%2F")}"')

    def test_just_after_login_he_closes_it(self):
        self.login_minutes_ago(2)
        with self.captureOnCommitCallbacks(execute=True):
            r = self.client.post(URL, {"understood": "on"})
        self.assertRedirects(r, "/", fetch_redirect_response=False)
        user = User.objects.get(pk=self.applicant.pk)
        self.assertEqual((user.is_active, user.mobile), (False, ""))
        self.assertTrue(
            AuditEvent.objects.filter(action=AuditAction.ACCOUNT_CLOSE, actor_id=user.pk).exists()
        )

    def test_a_login_older_than_ten_minutes_must_be_made_again(self):
        self.login_minutes_ago(11)
        r = self.client.post(URL, {"understood": "on"})
        self.assertContains(r, "请重新登录后在10分钟内注销账号", status_code=400)
        user = User.objects.get(pk=self.applicant.pk)
        self.assertEqual((user.closed_at, user.is_active), (None, True))
        self.assertFalse(AuditEvent.objects.filter(action=AuditAction.ACCOUNT_CLOSE).exists())
        # Without the session's login time (the service called on its own), neither.
        with self.assertRaisesMessage(ApplicationError, "请重新登录"):
            account_close(user=self.applicant)
