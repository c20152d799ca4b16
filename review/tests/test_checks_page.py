"""「告知承诺核查」 on the workbench (ADR 20): the department's open tasks, soonest due first,
with their overdue flags; 审查人员 close them from the list; the decider sees the 撤销
proposals there and on the case page; the queue links to the list with its counts."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from audit.models import AuditAction, AuditEvent
from cases.models import Notice, NoticeKind
from cases.tests.helpers import employer_offline
from commitments.models import CheckStatus, CommitmentCheck, RevocationProposal
from commitments.tests.helpers import granted_committed_case
from portal.test import BaseTestCase

CHECKS = reverse("review:checks")


class ChecksPageTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        # The paper path: these cases go straight to the department (no 单位确认, ADR 19).
        employer_offline(cls.enterprise)

    def setUp(self) -> None:
        super().setUp()
        self.case = granted_committed_case(self)
        self.check = CommitmentCheck.objects.get()

    def _close(self, outcome: CheckStatus, finding: str):
        prefix = f"k{self.check.pk}"
        return self.client.post(
            reverse("review:check_close", args=[self.check.pk]),
            {f"{prefix}-outcome": outcome.value, f"{prefix}-finding": finding},
        )

    def test_the_reviewer_sees_the_open_task_with_its_deadline(self):
        self.client.force_login(self.reviewer)
        r = self.client.get(CHECKS)
        self.assertContains(r, "告知承诺核查")
        self.assertContains(r, f"办件 {self.case.number}")
        self.assertContains(r, "继续教育证明")
        self.assertContains(r, f"核查期限 {self.check.due:%Y-%m-%d}")
        self.assertContains(r, "剩余")
        self.assertContains(r, reverse("review:check_close", args=[self.check.pk]))
        self.assertNotContains(r, "check-overdue")
        r = self.client.get(reverse("review:queue"))
        self.assertContains(r, "告知承诺核查（待核查 1 件）")

    def test_an_overdue_task_is_flagged_in_the_list_and_the_queue(self):
        CommitmentCheck.objects.filter(pk=self.check.pk).update(due=timezone.localdate() - timedelta(days=10))
        self.client.force_login(self.reviewer)
        r = self.client.get(CHECKS)
        self.assertContains(r, "check-card check-overdue")
        self.assertContains(r, "deadline-overdue")
        self.assertContains(r, "已超期")
        r = self.client.get(reverse("review:queue"))
        self.assertContains(r, "已超期 1 件")

    def test_the_reviewer_confirms_a_commitment(self):
        self.client.force_login(self.reviewer)
        r = self._close(CheckStatus.CONFIRMED, "经查询继续教育平台，已完成90学时")
        self.assertRedirects(r, CHECKS, fetch_redirect_response=False)
        self.check.refresh_from_db()
        self.assertEqual(self.check.status, CheckStatus.CONFIRMED)
        r = self.client.get(CHECKS)
        self.assertContains(r, "已记录核查属实，核查任务已办结")
        self.assertContains(r, "没有“待核查”的核查任务")
        r = self.client.get(CHECKS + "?status=confirmed")
        self.assertContains(r, "经查询继续教育平台，已完成90学时")
        self.assertTrue(AuditEvent.objects.filter(action=AuditAction.COMMITMENT_CHECK).exists())

    def test_an_untrue_commitment_goes_to_the_decider(self):
        self.client.force_login(self.reviewer)
        self._close(CheckStatus.UNTRUE, "经向培训机构核实，未参加继续教育")
        proposal = RevocationProposal.objects.get()
        notice = Notice.objects.get(kind=NoticeKind.FALSE_PLEDGE)
        self.assertEqual(proposal.notice, notice)
        self.client.force_login(self.decider)
        r = self.client.get(CHECKS)
        self.assertContains(r, "提请撤销注册")
        self.assertContains(r, notice.number)
        assert proposal.registration is not None
        self.assertContains(r, proposal.registration.number)
        # The decider sees the list but closes no task.
        self.assertNotContains(r, "办结核查")
        r = self.client.get(reverse("review:case", args=[self.case.pk]))
        self.assertContains(r, "已提请撤销注册")
        self.assertContains(r, "承诺不实")
        self.assertContains(r, "告知承诺核查不实告知书")

    def test_a_form_without_a_finding_changes_nothing(self):
        self.client.force_login(self.reviewer)
        r = self._close(CheckStatus.CONFIRMED, "")
        self.assertRedirects(r, CHECKS, fetch_redirect_response=False)
        self.check.refresh_from_db()
        self.assertEqual(self.check.status, CheckStatus.OPEN)
        self.assertContains(self.client.get(CHECKS), "请填写核查情况")

    def test_others_cannot_see_or_close_the_tasks(self):
        self.client.force_login(self.acceptor)
        self.assertEqual(self.client.get(CHECKS).status_code, 403)
        self.client.force_login(self.decider)
        self.assertEqual(self._close(CheckStatus.CONFIRMED, "属实").status_code, 302)
        self.check.refresh_from_db()
        self.assertEqual(self.check.status, CheckStatus.OPEN)
        # Another department's reviewer: the task does not exist for them.
        self.client.force_login(self.outsider)
        self.assertNotContains(self.client.get(CHECKS), str(self.case.number))
        self.assertEqual(self._close(CheckStatus.CONFIRMED, "属实").status_code, 404)
        self.client.force_login(self.applicant)
        self.assertEqual(self.client.get(CHECKS).status_code, 403)

    def test_the_case_page_lists_the_task(self):
        self.client.force_login(self.reviewer)
        r = self.client.get(reverse("review:case", args=[self.case.pk]))
        self.assertContains(r, 'id="checks-heading"')
        self.assertContains(r, "待核查")
        self.assertContains(r, "前往告知承诺核查")
