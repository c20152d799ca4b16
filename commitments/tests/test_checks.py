"""核查 after the grant (ADR 20): 准予 opens a task per commitment, due within the material's
核查期限 in working days; 核查属实 closes it; 承诺不实 closes it and starts the revocation
path: the proposal the decider sees, the numbered notice (PDF), the SMS, the 站内消息 and the
audit rows. Only the department's 审查人员 close tasks, once."""

from __future__ import annotations

import io
import re

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from audit.models import AuditAction, AuditEvent
from cases.deadlines import statement_due_on, verification_due_on
from cases.models import CaseAction, Commitment, Notice, NoticeKind
from cases.tests.helpers import employer_offline, submitted_case
from commitments.models import CheckStatus, CommitmentCheck, RevocationProposal
from commitments.services import commitment_check_close, commitment_checks_open
from commitments.tests.helpers import COMMITTED, granted_committed_case
from commitments.transitions import OUTCOMES, TRANSITIONS, is_open, transition_allowed
from lib.errors import ApplicationError
from notifications.models import InboxMessage, SmsMessage
from portal.test import BaseTestCase
from registry.models import Registration, RegistrationStatus
from registry.tests.helpers import case_grant


class ApprovalOpensChecksTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        # The paper path: these cases go straight to the department (no 单位确认, ADR 19).
        employer_offline(cls.enterprise)

    def test_the_grant_opens_a_check_due_within_the_materials_period(self):
        case = granted_committed_case(self)
        check = CommitmentCheck.objects.get()
        today = timezone.localdate()
        self.assertEqual(check.case, case)
        self.assertEqual(check.commitment, Commitment.objects.get(case=case, material_code=COMMITTED))
        self.assertEqual(check.department, case.department)
        self.assertEqual(check.registration, Registration.objects.get(created_by_case=case))
        self.assertEqual(check.status, CheckStatus.OPEN)
        self.assertEqual(check.opened_on, today)
        self.assertEqual(check.due, verification_due_on(granted_on=today, days=20))
        approval = case.events.get(action=CaseAction.APPROVE)
        self.assertEqual(approval.data["commitment_checks"], 1)

    def test_a_case_without_a_commitment_opens_none(self):
        case = case_grant(self, submitted_case(self))
        self.assertFalse(CommitmentCheck.objects.exists())
        self.assertNotIn("commitment_checks", case.events.get(action=CaseAction.APPROVE).data)

    def test_opening_again_makes_no_second_task(self):
        case = granted_committed_case(self)
        with transaction.atomic():
            self.assertEqual(commitment_checks_open(case=case, registration=None), [])
        self.assertEqual(CommitmentCheck.objects.count(), 1)


class CheckCloseTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        # The paper path: these cases go straight to the department (no 单位确认, ADR 19).
        employer_offline(cls.enterprise)

    def setUp(self) -> None:
        super().setUp()
        self.case = granted_committed_case(self)
        self.check = CommitmentCheck.objects.get()
        self.sms_before = SmsMessage.objects.count()

    def test_confirmed_closes_the_task_and_nothing_else(self):
        closed = commitment_check_close(
            check=self.check,
            by=self.reviewer,
            outcome=CheckStatus.CONFIRMED,
            finding="经查询继续教育平台，已完成90学时",
        )
        self.assertEqual(closed.status, CheckStatus.CONFIRMED)
        self.check.refresh_from_db()
        self.assertEqual(
            (self.check.status, self.check.finding, self.check.closed_by),
            (CheckStatus.CONFIRMED, "经查询继续教育平台，已完成90学时", self.reviewer),
        )
        self.assertIsNotNone(self.check.closed_at)
        self.assertFalse(RevocationProposal.objects.exists())
        self.assertFalse(Notice.objects.filter(kind=NoticeKind.FALSE_PLEDGE).exists())
        self.assertEqual(SmsMessage.objects.count(), self.sms_before)
        row = AuditEvent.objects.get(action=AuditAction.COMMITMENT_CHECK)
        self.assertEqual((row.actor_id, row.subject_id), (self.reviewer.pk, self.applicant.pk))
        self.assertEqual(row.detail, {"结果": "核查属实"})
        self.assertFalse(AuditEvent.objects.filter(action=AuditAction.REVOCATION_PROPOSE).exists())

    def test_untrue_starts_the_revocation_path(self):
        finding = "经向培训机构核实，申请人未参加继续教育"
        commitment_check_close(
            check=self.check, by=self.reviewer, outcome=CheckStatus.UNTRUE, finding=finding
        )
        self.check.refresh_from_db()
        self.assertEqual(self.check.status, CheckStatus.UNTRUE)
        registration = Registration.objects.get(created_by_case=self.case)
        # The proposal the decider sees: the registration flagged for 撤销.
        proposal = RevocationProposal.objects.get()
        self.assertEqual(
            (proposal.check_task, proposal.case, proposal.registration, proposal.proposed_by),
            (self.check, self.case, registration, self.reviewer),
        )
        self.assertIn(finding, proposal.reason)
        today = timezone.localdate()
        self.assertEqual(proposal.statement_due, statement_due_on(notified_on=today))
        # The numbered notice, with the finding and the right to be heard.
        notice = proposal.notice
        self.assertEqual((notice.case, notice.kind), (self.case, NoticeKind.FALSE_PLEDGE))
        self.assertRegex(notice.number, r"^辽建许核〔\d{4}〕\d+号$")
        self.assertEqual(notice.data["items"], [{"name": "继续教育证明（告知承诺）", "reason": finding}])
        body = "".join(notice.data["paragraphs"] + notice.data["closing_paragraphs"])
        self.assertIn(registration.number, body)
        self.assertIn("第六十九条", body)
        self.assertIn("陈述和申辩", body)
        # SMS and 站内消息 to the holder.
        sms = SmsMessage.objects.get(template="commitment_untrue")
        self.assertEqual((sms.user, sms.mobile), (self.applicant, self.applicant.mobile))
        self.assertIn(self.case.number, sms.text)
        self.assertIn(f"{proposal.statement_due:%Y年%m月%d日}", sms.text)
        message = InboxMessage.objects.get(user=self.applicant, title="告知承诺核查不实，拟撤销注册")
        self.assertIn(notice.number, message.body)
        self.assertEqual(message.link, reverse("cases:detail", args=[self.case.pk]))
        # Both on the audit trail.
        self.assertEqual(
            AuditEvent.objects.get(action=AuditAction.COMMITMENT_CHECK).detail, {"结果": "承诺不实"}
        )
        revocation = AuditEvent.objects.get(action=AuditAction.REVOCATION_PROPOSE)
        self.assertEqual(revocation.detail, {"注册编号": registration.number})
        self.assertEqual(revocation.subject_id, self.applicant.pk)
        # The register itself waits for the 撤销 procedure.
        registration.refresh_from_db()
        self.assertEqual(registration.status, RegistrationStatus.VALID)

    def test_the_holder_reads_the_notice_as_a_pdf(self):
        commitment_check_close(
            check=self.check, by=self.reviewer, outcome=CheckStatus.UNTRUE, finding="未参加继续教育"
        )
        notice = Notice.objects.get(kind=NoticeKind.FALSE_PLEDGE)
        self.client.force_login(self.applicant)
        r = self.client.get(reverse("cases:detail", args=[self.case.pk]))
        self.assertContains(r, "告知承诺核查不实告知书")
        r = self.client.get(reverse("cases:notice", args=[self.case.pk, notice.pk]))
        self.assertEqual(r["Content-Type"], "application/pdf")
        text = re.sub(r"\s+", "", "".join(p.extract_text() for p in PdfReader(io.BytesIO(r.content)).pages))
        for expected in (
            "告知承诺核查不实告知书",
            notice.number,
            "核查发现的情况",
            "未参加继续教育",
            "陈述和申辩",
        ):
            self.assertIn(expected, text)

    def test_only_the_departments_reviewers_close_a_task(self):
        for user in (self.decider, self.acceptor, self.outsider, self.applicant):
            with self.subTest(user.name), self.assertRaises(ApplicationError):
                commitment_check_close(
                    check=self.check, by=user, outcome=CheckStatus.CONFIRMED, finding="属实"
                )
        self.check.refresh_from_db()
        self.assertEqual(self.check.status, CheckStatus.OPEN)
        self.assertFalse(AuditEvent.objects.filter(action=AuditAction.COMMITMENT_CHECK).exists())

    def test_a_task_is_closed_once_and_needs_a_finding(self):
        with self.assertRaisesMessage(ApplicationError, "请填写核查情况"):
            commitment_check_close(
                check=self.check, by=self.reviewer, outcome=CheckStatus.CONFIRMED, finding=" "
            )
        commitment_check_close(
            check=self.check, by=self.reviewer, outcome=CheckStatus.CONFIRMED, finding="属实"
        )
        with self.assertRaisesMessage(ApplicationError, "该核查任务已核查属实，不能再办理"):
            commitment_check_close(
                check=self.check, by=self.reviewer, outcome=CheckStatus.UNTRUE, finding="不实"
            )
        self.assertFalse(RevocationProposal.objects.exists())


class TransitionTableTestCase(BaseTestCase):
    def test_an_open_task_closes_one_way_and_never_reopens(self):
        self.assertEqual(
            TRANSITIONS, {(CheckStatus.OPEN, CheckStatus.CONFIRMED), (CheckStatus.OPEN, CheckStatus.UNTRUE)}
        )
        self.assertEqual(OUTCOMES, (CheckStatus.CONFIRMED, CheckStatus.UNTRUE))
        self.assertTrue(is_open(CheckStatus.OPEN))
        self.assertFalse(is_open(CheckStatus.CONFIRMED))
        self.assertFalse(transition_allowed(source=CheckStatus.UNTRUE, target=CheckStatus.CONFIRMED))
        self.assertFalse(transition_allowed(source=CheckStatus.OPEN, target=CheckStatus.OPEN))
