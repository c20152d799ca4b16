"""解聘确认 on a change of employer, and the daily jobs of 单位确认 (ADR 19): the former
employer agrees, objects (staff see why) or stays silent (agreement, recorded once); a late
employer's applicant is told once; a withdrawal or a 退回 leaves nothing waiting."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from accounts.models import Enterprise, User, UserKind
from cases.jobs import confirmations_overdue_notify, release_silences_record
from cases.models import (
    ActorRole,
    Case,
    CaseAction,
    CaseStatus,
    ConfirmationAnswer,
    ConfirmationKind,
    ConfirmationStatus,
    EmployerConfirmation,
)
from cases.services import (
    attachment_add,
    case_draft_save,
    case_submit,
    case_withdraw,
    confirmation_answer,
)
from cases.tests.helpers import (
    OTHER_EMPLOYER_USCC,
    attach_required,
    draft_case,
    form_data_of,
    item_of,
    pdf_file,
)
from catalog.registration_types import RegistrationType
from lib.errors import ApplicationError
from notifications.models import InboxMessage, SmsMessage
from portal.test import PASSWORD, BaseTestCase
from registry.tests.helpers import registered


def new_employer_account() -> User:
    """辽宁恒泰市政工程有限公司 (the change's new employer) with a verified account."""
    user = User.objects.create_user(
        username=OTHER_EMPLOYER_USCC,
        password=PASSWORD,
        kind=UserKind.LEGAL,
        name="辽宁恒泰市政工程有限公司",
        mobile="13700000005",
    )
    Enterprise.objects.create(
        user=user,
        uscc=OTHER_EMPLOYER_USCC,
        legal_representative="钱进",
        agent_name="周立",
        agent_id_number="210103198501010029",
        verified_at=timezone.now(),
    )
    return user


class ReleaseConfirmationTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        # 张伟, registered with his employer (the personas' enterprise, verified).
        registered(self)

    def _change_submitted(self) -> Case:
        """张伟 applies to move to 辽宁恒泰 (执业企业变更), every material uploaded."""
        case = case_draft_save(
            user=self.applicant,
            item=item_of(RegistrationType.CHANGE),
            form_data=form_data_of(self, RegistrationType.CHANGE),
            submit_method="online",
        )
        attach_required(self, case)
        return case_submit(case=case, user=self.applicant)

    def _release(self, case: Case) -> EmployerConfirmation:
        return case.confirmations.get(kind=ConfirmationKind.RELEASE, status=ConfirmationStatus.WAITING)

    def test_the_former_employer_is_asked_and_its_agreement_sends_the_case_on(self):
        case = self._change_submitted()
        self.assertEqual(case.status, CaseStatus.CONFIRMING)
        release = self._release(case)
        self.assertEqual(release.uscc, self.enterprise.enterprise.uscc)
        # 辽宁恒泰 has no account: only the former employer is asked.
        self.assertEqual(case.confirmations.count(), 1)
        sms = SmsMessage.objects.get(template="release_confirm_request")
        self.assertEqual(sms.mobile, "13700000003")
        self.assertIn("逾期未答复的视为同意解聘", sms.text)

        # The former employer reads who leaves, not the application.
        self.client.force_login(self.enterprise)
        r = self.client.get(reverse("cases:employer_case", args=[release.pk]))
        self.assertContains(r, "解聘确认")
        self.assertNotContains(r, "申请表（只读）")
        self.assertNotContains(r, "辽宁恒泰")
        self.assertContains(r, ">同意解聘</button>", html=False)
        self.assertContains(r, ">有异议</button>", html=False)
        r = self.client.post(reverse("cases:employer_answer", args=[release.pk]), {"answer": "agree"})
        self.assertRedirects(r, reverse("cases:employer_list"), fetch_redirect_response=False)

        case.refresh_from_db()
        self.assertEqual(case.status, CaseStatus.PENDING)
        self.assertIsNotNone(case.accept_due)
        self.assertEqual(EmployerConfirmation.objects.get(pk=release.pk).status, ConfirmationStatus.AGREED)
        self.assertEqual(
            list(case.events.values_list("action", "actor_role")),
            [
                (CaseAction.SUBMIT_TO_EMPLOYER, ActorRole.APPLICANT),
                (CaseAction.RELEASE_AGREE, ActorRole.FORMER_EMPLOYER),
                (CaseAction.FORWARD, ActorRole.SYSTEM),
            ],
        )

    def test_an_objection_needs_a_reason_and_goes_to_staff(self):
        case = self._change_submitted()
        release = self._release(case)
        with self.assertRaisesMessage(ApplicationError, "请填写异议理由"):
            confirmation_answer(confirmation=release, user=self.enterprise, answer=ConfirmationAnswer.OBJECT)
        # The former employer cannot answer the new employer's question's way.
        with self.assertRaisesMessage(ApplicationError, "不能这样答复"):
            confirmation_answer(confirmation=release, user=self.enterprise, answer=ConfirmationAnswer.CONFIRM)

        confirmation_answer(
            confirmation=release,
            user=self.enterprise,
            answer=ConfirmationAnswer.OBJECT,
            reason="劳动合同至2027年6月，尚未解除",
        )

        case.refresh_from_db()
        self.assertEqual(case.status, CaseStatus.PENDING)
        event = case.events.get(action=CaseAction.RELEASE_OBJECT)
        self.assertEqual(event.opinion, "劳动合同至2027年6月，尚未解除")
        self.client.force_login(self.acceptor)
        r = self.client.get(reverse("review:case", args=[case.pk]))
        self.assertContains(r, "原聘用单位对解聘有异议：")
        self.assertContains(r, "劳动合同至2027年6月，尚未解除")

    def test_an_objection_posted_on_the_page_needs_a_reason_and_reaches_the_workbench(self):
        case = self._change_submitted()
        release = self._release(case)
        answer_url = reverse("cases:employer_answer", args=[release.pk])
        self.client.force_login(self.enterprise)

        # 「有异议」 with no reason: back to the page, which says what is missing.
        r = self.client.post(answer_url, {"answer": "object", "reason": "  "}, follow=True)
        self.assertRedirects(r, reverse("cases:employer_case", args=[release.pk]))
        self.assertContains(r, "请填写异议理由，审批部门将据此核实")
        self.assertEqual(EmployerConfirmation.objects.get(pk=release.pk).status, ConfirmationStatus.WAITING)
        self.assertEqual(Case.objects.get(pk=case.pk).status, CaseStatus.CONFIRMING)

        r = self.client.post(answer_url, {"answer": "object", "reason": "劳动合同至2027年6月，尚未解除"})
        self.assertRedirects(r, reverse("cases:employer_list"), fetch_redirect_response=False)

        release.refresh_from_db()
        case.refresh_from_db()
        self.assertEqual(release.status, ConfirmationStatus.OBJECTED)
        self.assertEqual(
            (release.reason, release.answered_by), ("劳动合同至2027年6月，尚未解除", self.enterprise)
        )
        # The objection does not stop the case: the department decides, knowing of it.
        self.assertEqual(case.status, CaseStatus.PENDING)
        self.assertIsNotNone(case.accept_due)
        self.assertEqual(
            list(case.events.values_list("action", "actor_role", "opinion")),
            [
                (CaseAction.SUBMIT_TO_EMPLOYER, ActorRole.APPLICANT, ""),
                (CaseAction.RELEASE_OBJECT, ActorRole.FORMER_EMPLOYER, "劳动合同至2027年6月，尚未解除"),
                (CaseAction.FORWARD, ActorRole.SYSTEM, ""),
            ],
        )
        # A second post, an agreement now, is refused: the answer stands.
        self.client.post(answer_url, {"answer": "agree"})
        self.assertEqual(EmployerConfirmation.objects.get(pk=release.pk).status, ConfirmationStatus.OBJECTED)

        self.client.force_login(self.acceptor)
        r = self.client.get(reverse("review:case", args=[case.pk]))
        self.assertContains(r, "原聘用单位对解聘有异议：")
        self.assertContains(r, "辽宁宏建建设集团有限公司于")
        self.assertContains(r, "理由：劳动合同至2027年6月，尚未解除。")
        self.assertContains(r, "原单位对解聘有异议")  # and on the 办理记录

    def test_silence_shows_on_the_timelines_of_the_applicant_and_the_workbench(self):
        case = self._change_submitted()
        release = self._release(case)

        self.assertEqual(release_silences_record(today=release.due + timedelta(days=1)), 1)

        opinion = Case.objects.get(pk=case.pk).events.get(action=CaseAction.RELEASE_DEEMED).opinion
        self.assertIn("未答复，视为同意解聘", opinion)
        self.client.force_login(self.applicant)
        r = self.client.get(reverse("cases:detail", args=[case.pk]))
        timeline = r.content.decode().split('<ol class="timeline">', 1)[1].split("</ol>", 1)[0]
        self.assertIn("<strong>原单位逾期未答复，视为同意解聘</strong>", timeline)
        self.assertIn(f"意见：{opinion}", timeline)
        self.assertIn("<strong>送交受理部门</strong>", timeline)
        self.client.force_login(self.acceptor)
        r = self.client.get(reverse("review:case", args=[case.pk]))
        self.assertContains(r, "原单位逾期未答复，视为同意解聘")
        self.assertContains(r, opinion)
        self.assertNotContains(r, "原聘用单位对解聘有异议：")

    def test_silence_past_the_limit_counts_as_agreement_once(self):
        case = self._change_submitted()
        release = self._release(case)
        self.assertEqual(release_silences_record(today=release.due), 0)
        self.assertEqual(Case.objects.get(pk=case.pk).status, CaseStatus.CONFIRMING)

        after = release.due + timedelta(days=1)
        self.assertEqual(release_silences_record(today=after), 1)
        self.assertEqual(release_silences_record(today=after), 0)

        case.refresh_from_db()
        release.refresh_from_db()
        self.assertEqual(case.status, CaseStatus.PENDING)
        self.assertEqual(release.status, ConfirmationStatus.DEEMED)
        deemed = case.events.get(action=CaseAction.RELEASE_DEEMED)
        self.assertEqual(
            (deemed.actor, deemed.actor_role, deemed.actor_name), (None, ActorRole.SYSTEM, "系统")
        )
        self.assertIn("视为同意解聘", deemed.opinion)
        # A late answer after the job is refused.
        with self.assertRaisesMessage(ApplicationError, "无需再次办理"):
            confirmation_answer(
                confirmation=release, user=self.enterprise, answer=ConfirmationAnswer.OBJECT, reason="晚了"
            )

    def test_both_employers_are_asked_and_the_case_waits_for_both(self):
        new_employer = new_employer_account()
        case = self._change_submitted()
        employment = case.confirmations.get(kind=ConfirmationKind.EMPLOYMENT)
        self.assertEqual(employment.uscc, OTHER_EMPLOYER_USCC)

        confirmation_answer(confirmation=employment, user=new_employer, answer=ConfirmationAnswer.CONFIRM)
        self.assertEqual(Case.objects.get(pk=case.pk).status, CaseStatus.CONFIRMING)
        # Each enterprise answers its own question only.
        with self.assertRaisesMessage(ApplicationError, "没有办理该办件此环节的权限"):
            confirmation_answer(
                confirmation=self._release(case), user=new_employer, answer=ConfirmationAnswer.AGREE
            )

        confirmation_answer(
            confirmation=self._release(case), user=self.enterprise, answer=ConfirmationAnswer.AGREE
        )
        self.assertEqual(Case.objects.get(pk=case.pk).status, CaseStatus.PENDING)

    def test_a_return_keeps_the_former_employers_answer(self):
        new_employer = new_employer_account()
        case = self._change_submitted()
        confirmation_answer(
            confirmation=self._release(case),
            user=self.enterprise,
            answer=ConfirmationAnswer.OBJECT,
            reason="尚未办理离职手续",
        )
        employment = case.confirmations.get(kind=ConfirmationKind.EMPLOYMENT)
        confirmation_answer(
            confirmation=employment,
            user=new_employer,
            answer=ConfirmationAnswer.RETURN,
            reason="联系电话有误",
        )
        case.refresh_from_db()
        self.assertEqual(case.status, CaseStatus.DRAFT)

        case = case_submit(case=case, user=self.applicant)
        self.assertEqual(case.status, CaseStatus.CONFIRMING)
        waiting = case.confirmations.filter(status=ConfirmationStatus.WAITING)
        # The objection stands (silence cannot turn it into agreement); only 单位确认 is asked again.
        self.assertEqual(list(waiting.values_list("kind", flat=True)), [ConfirmationKind.EMPLOYMENT])
        self.assertTrue(case.confirmations.filter(status=ConfirmationStatus.OBJECTED).exists())


class ConfirmationJobsTestCase(BaseTestCase):
    def _waiting(self) -> Case:
        case = draft_case(self)
        for material in case.item.materials.filter(required=True).exclude(sealed_by_employer=True):
            attachment_add(
                case=case, material=material, checked=pdf_file(), original_name="x.pdf", user=self.applicant
            )
        return case

    def test_a_late_employer_is_told_to_the_applicant_once(self):
        case = case_submit(case=self._waiting(), user=self.applicant)
        confirmation = case.confirmations.get()
        self.assertEqual(confirmations_overdue_notify(today=confirmation.due), 0)

        after = confirmation.due + timedelta(days=1)
        self.assertEqual(confirmations_overdue_notify(today=after), 1)
        self.assertEqual(confirmations_overdue_notify(today=after), 0)

        sms = SmsMessage.objects.get(template="confirmation_overdue")
        self.assertEqual(sms.mobile, "13800000001")
        self.assertIn("改为纸质确认", sms.text)
        inbox = InboxMessage.objects.get(user=self.applicant, title="聘用单位逾期未确认")
        self.assertEqual(inbox.link, reverse("cases:detail", args=[case.pk]))
        confirmation.refresh_from_db()
        self.assertIsNotNone(confirmation.overdue_notified_at)
        self.assertEqual(confirmation.status, ConfirmationStatus.WAITING)  # still the employer's to answer

    def test_a_withdrawal_leaves_nothing_waiting(self):
        case = case_submit(case=self._waiting(), user=self.applicant)
        case_withdraw(case=case, user=self.applicant, reason="不再申请")
        confirmation = case.confirmations.get()
        self.assertEqual(confirmation.status, ConfirmationStatus.CANCELLED)
        self.assertEqual(confirmations_overdue_notify(today=confirmation.due + timedelta(days=1)), 0)
        self.assertEqual(Case.objects.get(pk=case.pk).status, CaseStatus.WITHDRAWN)
