"""撤销注册 and 强制注销 (ADR 27), end to end through the pages: the 审查人员 starts with a ground
and the facts, the holder gets the 陈述申辩告知书 (SMS, 站内消息) and answers on their case, the
department's 科室负责人 decides; the register, its history, the certificate and the public verdict
follow. 不予撤销 leaves everything as it was; other departments and other people get 404; no
decision before the period ends unless the holder answered; a 告知承诺 proposal is taken over."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from accounts.models import User, UserKind
from audit.models import AuditAction, AuditEvent
from cases.deadlines import proceeding_decision_due_on, statement_due_on
from cases.models import ActorRole, Case, CaseAction, CaseStatus, Notice, NoticeKind
from cases.tests.helpers import employer_offline
from cases.tests.test_sharing import PROCEEDING_STATUSES, steps
from cases.transitions import TRANSITIONS, can_withdraw
from catalog.registration_types import ChangeKind, ProceedingKind
from certificates.models import Certificate, CertificateStatus
from commitments.models import CheckStatus
from commitments.services import commitment_check_close
from commitments.tests.helpers import granted_committed_case
from exchange.testing import SHARING_ON
from lib.datacrypt import mobile_index
from lib.errors import ApplicationError
from notifications.models import InboxMessage, SmsMessage
from portal.test import BaseTestCase
from registry.models import Registration, RegistrationChange, RegistrationStatus
from registry.tests.helpers import registered
from revocation.models import OUTCOMES, Ground, Proceeding
from revocation.services import proceeding_decide, proceeding_state
from revocation.tests.helpers import FACTS, pdf_upload, period_over, registration_with_copy, started

API_BY_TOKEN = "/api/v1/public/certificates/by-token/{}"


class ProceedingTestCase(BaseTestCase):
    def sms(self, template: str):
        return SmsMessage.objects.filter(mobile_index=mobile_index(self.applicant.mobile), template=template)

    def start_page(self, registration: Registration, **data: str):
        self.client.force_login(self.reviewer)
        return self.client.post(
            reverse("revocation:start") + f"?number={registration.number}", data, follow=True
        )

    def decide(self, user, proceeding: Proceeding, outcome: str, reason: str = "经复核，事实清楚，证据确凿"):
        self.client.force_login(user)
        return self.client.post(
            reverse("revocation:decide", args=[proceeding.case_id]),
            {"outcome": outcome, "reason": reason},
            follow=True,
        )


class RevokeEndToEndTest(ProceedingTestCase):
    def test_it_revokes_after_the_holder_was_heard(self):
        registration, copy = registration_with_copy(self)

        # 1. The 审查人员 starts it on the workbench.
        r = self.start_page(registration, kind=ProceedingKind.REVOKE, ground=Ground.DECEPTION, facts=FACTS)
        proceeding = Proceeding.objects.get()
        case = proceeding.case
        self.assertRedirects(r, reverse("revocation:case", args=[case.pk]))
        self.assertContains(r, "程序已启动")
        self.assertEqual(case.status, CaseStatus.STATEMENT)
        self.assertEqual(case.applicant, self.applicant)
        self.assertEqual(case.item.code, ProceedingKind.REVOKE)
        self.assertEqual(case.item.name, "撤销注册")
        self.assertRegex(str(case.number), r"^LN\d{13}$")
        self.assertEqual(proceeding.registration, registration)
        self.assertIn("第六十九条", proceeding.legal_basis)
        today = timezone.localdate()
        self.assertEqual(proceeding.statement_due, statement_due_on(notified_on=today))
        start = case.events.get()
        self.assertEqual(
            (start.action, start.actor_role, start.opinion), (CaseAction.INITIATE, ActorRole.REVIEWER, FACTS)
        )
        notice = Notice.objects.get(case=case, kind=NoticeKind.STATEMENT)
        self.assertIn("辽建许申", notice.number)
        text = "".join(notice.data["paragraphs"])
        self.assertIn("拟撤销", text)
        self.assertIn(f"{proceeding.statement_due:%Y年%m月%d日}", text)
        sms = self.sms("proceeding_started").get()
        self.assertIn(registration.number, sms.text)
        self.assertIn(f"{proceeding.statement_due:%Y年%m月%d日}", sms.text)
        self.assertTrue(InboxMessage.objects.filter(user=self.applicant, title__contains="陈述申辩").exists())
        self.assertTrue(AuditEvent.objects.filter(action=AuditAction.PROCEEDING_START).exists())
        # The register does not move before the decision.
        registration.refresh_from_db()
        self.assertEqual(registration.status, RegistrationStatus.VALID)

        # 2. The holder sees it under 我的办件 and cannot withdraw it.
        self.client.force_login(self.applicant)
        mine = self.client.get(reverse("cases:mine"))
        self.assertContains(mine, "撤销注册")
        self.assertContains(mine, reverse("revocation:mine", args=[case.pk]))
        detail = self.client.get(reverse("cases:detail", args=[case.pk]))
        self.assertContains(detail, "陈述申辩期")
        self.assertNotContains(detail, "撤回</button>")
        self.assertNotContains(detail, "申请表</h2>")
        self.assertFalse(can_withdraw(case.status))
        pdf = self.client.get(reverse("cases:notice", args=[case.pk, notice.pk]))
        self.assertEqual(pdf["Content-Type"], "application/pdf")
        self.assertIn(
            "陈述申辩告知书", "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
        )

        # 3. The holder answers, with a file.
        r = self.client.post(
            reverse("revocation:mine", args=[case.pk]),
            {
                "text": "劳动合同真实有效，附单位盖章证明。",
                "file": SimpleUploadedFile("证明.pdf", pdf_upload()),
            },
            follow=True,
        )
        self.assertContains(r, "陈述、申辩意见已提交")
        proceeding.refresh_from_db()
        self.assertEqual(proceeding.case.status, CaseStatus.STATED)
        self.assertEqual(proceeding.statement, "劳动合同真实有效，附单位盖章证明。")
        self.assertTrue(proceeding.statement_file.name.startswith(f"proceedings/{case.uuid}/"))
        # The name it had on the holder's computer is kept for the download, encrypted at rest.
        self.assertEqual(proceeding.statement_file_name, "证明.pdf")
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT statement_file_name FROM revocation_proceeding WHERE id = %s", [proceeding.pk]
            )
            self.assertTrue(cursor.fetchone()[0].startswith("sm4:"))
        self.assertTrue(InboxMessage.objects.filter(user=self.leader, title__contains="待决定").exists())
        self.assertEqual(self.client.get(reverse("revocation:mine_file", args=[case.pk])).status_code, 200)
        # Once only.
        r = self.client.post(reverse("revocation:mine", args=[case.pk]), {"text": "补充意见"}, follow=True)
        self.assertContains(r, "不能再次提交")

        # 4. The 科室负责人 decides at once: the holder answered.
        self.client.force_login(self.leader)
        page = self.client.get(reverse("revocation:case", args=[case.pk]))
        self.assertContains(page, "劳动合同真实有效")
        self.assertContains(page, reverse("revocation:staff_file", args=[case.pk]))
        r = self.decide(self.leader, proceeding, CaseAction.REVOKE, "经复核，申辩理由不能成立")
        self.assertContains(r, "已作出决定")
        case.refresh_from_db()
        self.assertEqual(case.status, CaseStatus.REVOKED)
        self.assertIsNotNone(case.decided_at)
        self.assertEqual(
            list(case.events.values_list("action", flat=True)),
            [CaseAction.INITIATE, CaseAction.STATE, CaseAction.REVOKE],
        )
        decision = case.events.get(action=CaseAction.REVOKE)
        self.assertEqual(decision.actor_role, ActorRole.LEADER)

        # The register, its history, the certificate.
        registration.refresh_from_db()
        self.assertEqual(registration.status, RegistrationStatus.REVOKED)
        change = RegistrationChange.objects.get(registration=registration, kind=ChangeKind.REVOKE)
        self.assertEqual(change.case, case)
        self.assertIn("撤销注册", change.summary)
        certificate = Certificate.objects.get(pk=copy.certificate_id)
        self.assertEqual(certificate.status, CertificateStatus.REVOKED)
        self.assertIn("注册已撤销", certificate.revoke_reason)
        self.assertFalse(
            Certificate.objects.filter(registration=registration, status=CertificateStatus.CURRENT).exists()
        )

        # The decision notice states the remedies; SMS and 站内消息 tell the holder.
        decided = Notice.objects.get(case=case, kind=NoticeKind.REVOCATION)
        self.assertTrue(decided.data["remedies"])
        self.assertIn("决定撤销", "".join(decided.data["paragraphs"]))
        self.assertEqual(self.sms("proceeding_decided").count(), 1)
        self.assertTrue(InboxMessage.objects.filter(user=self.applicant, title__contains="撤销注册").exists())
        self.assertTrue(AuditEvent.objects.filter(action=AuditAction.PROCEEDING_DECIDE).exists())

        # The public verification page and the API say 已撤销, with the date.
        self.client.logout()
        page = self.client.get(reverse("certificates:verify", args=[copy.token]))
        self.assertContains(page, "注册已撤销")
        self.assertContains(page, "撤销时间")
        self.assertContains(page, f"{timezone.localdate(certificate.revoked_at):%Y年}")
        body = self.client.get(API_BY_TOKEN.format(copy.token)).json()
        self.assertEqual((body["verdict"], body["valid"]), ("reg_revoked", False))
        self.assertEqual(body["verdict_label"], "注册已撤销")
        self.assertEqual(body["revoked_on"], timezone.localdate(certificate.revoked_at).isoformat())
        # ... and so does the public register query (注册人员查询).
        query = self.client.post(reverse("registry:query"), {"name": "张伟", "number": registration.number})
        self.assertContains(query, "verdict-revoked")
        self.assertContains(query, "撤销")

    def test_a_revoked_registration_cannot_be_registered_again_online(self):
        registration = registered(self)
        proceeding = period_over(started(self, registration))
        proceeding_decide(proceeding=proceeding, by=self.leader, action=CaseAction.REVOKE, reason="事实清楚")
        from registry.eligibility import refuse_unless_lapsed_or_cancelled

        refusal = refuse_unless_lapsed_or_cancelled(self.applicant, timezone.localdate())
        self.assertIn("已被依法撤销", refusal or "")


class HolderAccountTest(ProceedingTestCase):
    def test_an_unverified_account_holding_the_number_is_not_the_holder(self):
        # 张伟 closed his account; someone then opened one with his number, which the real-name
        # source never confirmed. The notice and the right to answer stay with 张伟's account.
        registration = registered(self)
        User.objects.filter(pk=self.applicant.pk).update(closed_at=timezone.now(), is_active=False)
        stranger = User.objects.create(
            username="stranger",
            kind=UserKind.PERSON,
            name="张伟",
            id_type=self.applicant.id_type,
            id_number=self.applicant.id_number,
            mobile="13900000099",
        )
        self.assertEqual(stranger.id_index, self.applicant.id_index)

        proceeding = started(self, registration)

        self.assertEqual(proceeding.case.applicant_id, self.applicant.pk)
        self.assertFalse(InboxMessage.objects.filter(user=stranger).exists())
        self.client.force_login(stranger)
        response = self.client.get(reverse("revocation:mine", args=[proceeding.case_id]))
        self.assertEqual(response.status_code, 404)


class ForcedCancelEndToEndTest(ProceedingTestCase):
    def test_it_cancels_after_the_period_passed_unanswered(self):
        registration, copy = registration_with_copy(self)
        r = self.start_page(
            registration,
            kind=ProceedingKind.FORCED_CANCEL,
            ground=Ground.EMPLOYER_ENDED,
            facts="聘用单位已被吊销营业执照。",
        )
        self.assertEqual(r.status_code, 200)
        proceeding = Proceeding.objects.get()
        self.assertEqual(proceeding.case.item.name, "强制注销")
        self.assertIn("第七十条", proceeding.legal_basis)
        self.assertIn("拟注销", "".join(Notice.objects.get(kind=NoticeKind.STATEMENT).data["paragraphs"]))
        # The holder let the period pass: then the answer is refused and the leader may decide.
        period_over(proceeding)
        self.client.force_login(self.applicant)
        page = self.client.get(reverse("revocation:mine", args=[proceeding.case_id]))
        self.assertContains(page, "陈述申辩期限已过")
        with self.assertRaisesMessage(ApplicationError, "已过"):
            proceeding_state(proceeding=proceeding, user=self.applicant, text="迟到的意见")

        # Only the kind's outcomes are offered (a forced cancellation is not "revoked").
        self.client.force_login(self.leader)
        page = self.client.get(reverse("revocation:case", args=[proceeding.case_id]))
        self.assertContains(page, "强制注销")
        # The decision's limit (ADR 27, 督办): ten working days from the period's end.
        due = proceeding_decision_due_on(statement_due=proceeding.statement_due, stated_on=None)
        self.assertContains(page, "<dt>决定期限</dt><dd><span")
        self.assertContains(page, f"{due:%Y-%m-%d} · ")
        self.assertContains(page, 'value="force_cancel"')
        self.assertNotContains(page, 'value="revoke"')
        r = self.decide(
            self.leader, proceeding, CaseAction.FORCE_CANCEL, "聘用单位营业执照已被吊销，持证人未申请注销"
        )
        self.assertContains(r, "已作出决定")
        case = Case.objects.get(pk=proceeding.case_id)
        self.assertEqual(case.status, CaseStatus.FORCE_CANCELLED)
        registration.refresh_from_db()
        self.assertEqual(registration.status, RegistrationStatus.CANCELLED)
        change = RegistrationChange.objects.get(registration=registration, kind=ChangeKind.FORCED_CANCEL)
        self.assertEqual(change.case, case)
        self.assertEqual(Certificate.objects.get(pk=copy.certificate_id).status, CertificateStatus.REVOKED)
        notice = Notice.objects.get(case=case, kind=NoticeKind.FORCED_CANCEL)
        self.assertIn("未提出陈述、申辩意见", "".join(notice.data["paragraphs"]))
        self.assertEqual(self.sms("proceeding_decided").count(), 1)

        self.client.logout()
        self.assertContains(self.client.get(reverse("certificates:verify", args=[copy.token])), "注册已注销")
        body = self.client.get(API_BY_TOKEN.format(copy.token)).json()
        self.assertEqual((body["verdict"], body["valid"]), ("revoked", False))
        self.assertIsNotNone(body["revoked_on"])

    def test_a_ground_of_the_other_kind_is_refused(self):
        registration = registered(self)
        r = self.start_page(
            registration, kind=ProceedingKind.FORCED_CANCEL, ground=Ground.DECEPTION, facts=FACTS
        )
        self.assertContains(r, "该事由不属于强制注销")
        self.assertFalse(Proceeding.objects.exists())
        self.assertFalse(Case.objects.filter(item__code__in=ProceedingKind.values).exists())


class NotRevokedTest(ProceedingTestCase):
    def test_it_leaves_the_registration_and_the_certificate_valid(self):
        registration, copy = registration_with_copy(self)
        proceeding = started(self, registration)
        proceeding_state(proceeding=proceeding, user=self.applicant, text="所述情况不属实。")
        r = self.decide(
            self.leader, proceeding, CaseAction.NOT_REVOKE, "经复核，持证人提供的证据足以证明劳动关系真实"
        )
        self.assertContains(r, "不予撤销")
        case = Case.objects.get(pk=proceeding.case_id)
        self.assertEqual(case.status, CaseStatus.NOT_REVOKED)
        registration.refresh_from_db()
        self.assertEqual(registration.status, RegistrationStatus.VALID)
        self.assertFalse(
            RegistrationChange.objects.filter(kind__in=[ChangeKind.REVOKE, ChangeKind.FORCED_CANCEL]).exists()
        )
        self.assertEqual(Certificate.objects.get(pk=copy.certificate_id).status, CertificateStatus.CURRENT)
        notice = Notice.objects.get(case=case, kind=NoticeKind.NOT_REVOKED)
        self.assertFalse(notice.data["remedies"])
        self.assertIn("继续有效", "".join(notice.data["paragraphs"]))
        self.assertEqual(self.sms("proceeding_decided").count(), 1)
        self.client.logout()
        body = self.client.get(API_BY_TOKEN.format(copy.token)).json()
        self.assertEqual((body["verdict"], body["valid"]), ("valid", True))
        # The holder cannot rate the authority's own act.
        self.client.force_login(self.applicant)
        self.assertNotContains(self.client.get(reverse("cases:detail", args=[case.pk])), "非常满意")


class PeriodRuleTest(ProceedingTestCase):
    def test_it_refuses_a_decision_before_the_period_ends_without_an_answer(self):
        proceeding = started(self, registered(self))
        self.client.force_login(self.leader)
        page = self.client.get(reverse("revocation:case", args=[proceeding.case_id]))
        self.assertContains(page, "届满前，持证人尚未陈述申辩，暂不能作出决定")
        self.assertNotContains(page, reverse("revocation:decide", args=[proceeding.case_id]))
        r = self.decide(self.leader, proceeding, CaseAction.REVOKE)
        self.assertContains(r, "届满前，持证人尚未陈述申辩，暂不能作出决定")
        case = Case.objects.get(pk=proceeding.case_id)
        self.assertEqual(case.status, CaseStatus.STATEMENT)
        self.assertEqual(case.events.count(), 1)
        self.assertEqual(self.sms("proceeding_decided").count(), 0)
        self.assertEqual(Registration.objects.get().status, RegistrationStatus.VALID)

    def test_it_allows_it_once_the_period_is_over(self):
        proceeding = period_over(started(self, registered(self)))
        decided = proceeding_decide(
            proceeding=proceeding, by=self.leader, action=CaseAction.REVOKE, reason="事实清楚"
        )
        self.assertEqual(decided.case.status, CaseStatus.REVOKED)

    def test_it_allows_it_after_an_answer_within_the_period(self):
        proceeding = started(self, registered(self))
        proceeding_state(proceeding=proceeding, user=self.applicant, text="无异议。")
        decided = proceeding_decide(
            proceeding=proceeding, by=self.leader, action=CaseAction.REVOKE, reason="事实清楚"
        )
        self.assertEqual(decided.case.status, CaseStatus.REVOKED)

    def test_it_decides_once(self):
        proceeding = period_over(started(self, registered(self)))
        proceeding_decide(
            proceeding=proceeding, by=self.leader, action=CaseAction.NOT_REVOKE, reason="证据不足"
        )
        with self.assertRaises(ApplicationError):
            proceeding_decide(proceeding=proceeding, by=self.leader, action=CaseAction.REVOKE, reason="再议")
        self.assertEqual(Registration.objects.get().status, RegistrationStatus.VALID)


class ScopeTest(ProceedingTestCase):
    def test_another_departments_staff_get_404(self):
        proceeding = started(self, registered(self))
        self.client.force_login(self.outsider)
        self.assertEqual(
            self.client.get(reverse("revocation:case", args=[proceeding.case_id])).status_code, 404
        )
        r = self.client.post(
            reverse("revocation:decide", args=[proceeding.case_id]), {"outcome": "revoke", "reason": "x"}
        )
        self.assertEqual(r.status_code, 404)
        self.assertEqual(
            self.client.get(reverse("revocation:staff_file", args=[proceeding.case_id])).status_code, 404
        )
        # Nor can it start on a registration this department did not grant.
        r = self.client.get(reverse("revocation:start"), {"number": proceeding.registration.number})
        self.assertContains(r, "本部门准予的注册中没有这个注册编号")

    def test_the_holder_cannot_take_the_staffs_steps(self):
        proceeding = started(self, registered(self))
        self.client.force_login(self.applicant)
        self.assertEqual(
            self.client.get(reverse("revocation:case", args=[proceeding.case_id])).status_code, 403
        )
        r = self.client.post(
            reverse("revocation:decide", args=[proceeding.case_id]), {"outcome": "revoke", "reason": "x"}
        )
        self.assertEqual(r.status_code, 403)
        with self.assertRaisesMessage(ApplicationError, "权限"):
            proceeding_decide(
                proceeding=proceeding, by=self.applicant, action=CaseAction.NOT_REVOKE, reason="自己决定"
            )
        self.assertEqual(Case.objects.get(pk=proceeding.case_id).status, CaseStatus.STATEMENT)

    def test_nobody_else_answers_for_the_holder(self):
        proceeding = started(self, registered(self))
        self.client.force_login(self.other_applicant)
        self.assertEqual(
            self.client.get(reverse("revocation:mine", args=[proceeding.case_id])).status_code, 404
        )
        r = self.client.post(reverse("revocation:mine", args=[proceeding.case_id]), {"text": "代为申辩"})
        self.assertEqual(r.status_code, 404)
        self.assertEqual(Case.objects.get(pk=proceeding.case_id).status, CaseStatus.STATEMENT)

    def test_only_the_leader_decides_and_only_a_reviewer_starts(self):
        registration = registered(self)
        proceeding = period_over(started(self, registration))
        for user in (self.reviewer, self.decider):
            with self.assertRaisesMessage(ApplicationError, "权限"):
                proceeding_decide(proceeding=proceeding, by=user, action=CaseAction.REVOKE, reason="事实清楚")
        self.client.force_login(self.decider)
        self.assertEqual(self.client.get(reverse("revocation:start")).status_code, 403)
        self.assertEqual(
            self.client.get(reverse("revocation:case", args=[proceeding.case_id])).status_code, 200
        )

    def test_the_holders_applications_wait_for_the_decision(self):
        from cases.types import eligibility_refusals
        from catalog.models import ServiceItem
        from catalog.registration_types import RegistrationType

        registration = registered(self)
        proceeding = started(self, registration)
        change = ServiceItem.objects.get(matter_id=proceeding.case.matter_id, code=RegistrationType.CHANGE)
        refusals = eligibility_refusals(item=change, user=self.applicant, today=timezone.localdate())
        self.assertIn(f"注册机关正在办理您的“撤销注册”程序（办件编号{proceeding.case.number}）", refusals[0])
        proceeding_decide(
            proceeding=period_over(proceeding),
            by=self.leader,
            action=CaseAction.NOT_REVOKE,
            reason="证据不足",
        )
        self.assertEqual(
            eligibility_refusals(item=change, user=self.applicant, today=timezone.localdate()), []
        )

    def test_one_proceeding_at_a_time_per_registration(self):
        registration = registered(self)
        started(self, registration)
        with self.assertRaisesMessage(ApplicationError, "已有正在办理"):
            started(self, registration, kind=ProceedingKind.FORCED_CANCEL, ground=Ground.DEATH)
        self.assertEqual(Proceeding.objects.count(), 1)

    def test_the_workbench_lists_them_and_sends_their_cases_to_their_page(self):
        proceeding = started(self, registered(self))
        self.client.force_login(self.leader)
        queue = self.client.get(reverse("review:queue"))
        self.assertContains(queue, "撤销注册与强制注销（办理中 1 件）")
        listing = self.client.get(reverse("revocation:list"))
        self.assertContains(listing, str(proceeding.case.number))
        self.assertRedirects(
            self.client.get(reverse("review:case", args=[proceeding.case_id])),
            reverse("revocation:case", args=[proceeding.case_id]),
        )


class ProposalTakeOverTest(ProceedingTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        employer_offline(cls.enterprise)

    def test_it_takes_a_false_pledge_proposal_over(self):
        case = granted_committed_case(self)
        check = commitment_check_close(
            check=case_check(case),
            by=self.reviewer,
            outcome=CheckStatus.UNTRUE,
            finding="继续教育平台无学习记录",
        )
        proposal = check.proposal
        self.client.force_login(self.reviewer)
        checks = self.client.get(reverse("review:checks"))
        self.assertContains(checks, reverse("revocation:take_over", args=[proposal.pk]))
        r = self.client.post(reverse("revocation:take_over", args=[proposal.pk]), follow=True)
        proceeding = Proceeding.objects.get()
        self.assertRedirects(r, reverse("revocation:case", args=[proceeding.case_id]))
        self.assertEqual(proceeding.proposal, proposal)
        self.assertEqual(proceeding.kind, ProceedingKind.REVOKE)
        self.assertEqual(proceeding.ground, Ground.FALSE_PLEDGE)
        self.assertEqual(proceeding.registration, proposal.registration)
        self.assertEqual(proceeding.facts, proposal.reason)
        self.assertGreaterEqual(proceeding.statement_due, proposal.statement_due)
        self.assertEqual(proceeding.case.events.get().data["proposal_notice"], proposal.notice.number)
        # The proposals table now links the proceeding; a second take-over is refused.
        self.assertContains(
            self.client.get(reverse("review:checks")), reverse("revocation:case", args=[proceeding.case_id])
        )
        r = self.client.post(reverse("revocation:take_over", args=[proposal.pk]), follow=True)
        self.assertContains(r, "已有正在办理")
        self.assertEqual(Proceeding.objects.count(), 1)

    def test_another_departments_reviewer_gets_404(self):
        case = granted_committed_case(self)
        check = commitment_check_close(
            check=case_check(case), by=self.reviewer, outcome=CheckStatus.UNTRUE, finding="不实"
        )
        self.client.force_login(self.outsider)
        r = self.client.post(reverse("revocation:take_over", args=[check.proposal.pk]))
        self.assertEqual(r.status_code, 404)
        self.assertFalse(Proceeding.objects.exists())


def case_check(case: Case):
    from commitments.models import CommitmentCheck

    return CommitmentCheck.objects.get(case=case)


@override_settings(**SHARING_ON)
class SharingTest(ProceedingTestCase):
    def test_every_step_of_a_proceeding_is_recorded_for_the_province(self):
        """The 办件 collection hears of proceedings as of every case (`case_transition`): every
        transition of the table a proceeding takes, each outcome with and without an answer."""
        seen: set[tuple[str, str, str]] = set()
        for kind, ground in (
            (ProceedingKind.REVOKE, Ground.DECEPTION),
            (ProceedingKind.FORCED_CANCEL, Ground.DEATH),
        ):
            for outcome in OUTCOMES[kind]:
                for answered in (True, False):
                    with self.subTest(outcome=outcome, answered=answered), transaction.atomic():
                        proceeding = started(self, registered(self), kind=kind, ground=ground)
                        if answered:
                            proceeding_state(proceeding=proceeding, user=self.applicant, text="意见")
                        else:
                            period_over(proceeding)
                        proceeding_decide(
                            proceeding=proceeding, by=self.leader, action=outcome, reason="复核"
                        )
                        seen |= set(steps(proceeding.case))
                        transaction.set_rollback(True)
        expected = {
            (t.action.value, t.source.value, t.target.value)
            for t in TRANSITIONS
            if t.target in PROCEEDING_STATUSES
        }
        self.assertEqual(seen, expected)
