from __future__ import annotations

from django.db import transaction

from cases.models import ActorRole, CaseAction, CaseEvent, CaseStatus, Notice, NoticeKind
from cases.services import attachment_add, case_submit, case_transition, case_withdraw
from cases.tests.helpers import (
    attach_required,
    draft_case,
    employer_offline,
    pdf_file,
    png_file,
    submitted_case,
)
from cases.transitions import TRANSITIONS, actions_for, can_withdraw, transition_find
from lib.errors import ApplicationError
from portal.test import BaseTestCase


class TransitionTableTestCase(BaseTestCase):
    def test_it_follows_the_legal_steps(self):
        path = [
            (CaseStatus.DRAFT, CaseAction.SUBMIT, CaseStatus.PENDING),
            (CaseStatus.PENDING, CaseAction.ACCEPT, CaseStatus.REVIEWING),
            (CaseStatus.REVIEWING, CaseAction.REVIEW, CaseStatus.DECIDING),
            (CaseStatus.DECIDING, CaseAction.APPROVE, CaseStatus.APPROVED),
        ]
        for source, action, target in path:
            t = transition_find(status=source, action=action)
            assert t is not None
            self.assertEqual(t.target, target)

    def test_finished_cases_go_nowhere(self):
        for status in (CaseStatus.APPROVED, CaseStatus.DENIED, CaseStatus.REJECTED, CaseStatus.WITHDRAWN):
            self.assertFalse([t for t in TRANSITIONS if t.source == status])

    def test_withdrawal_is_derived_from_the_table(self):
        self.assertTrue(can_withdraw(CaseStatus.DRAFT))
        self.assertTrue(can_withdraw(CaseStatus.PENDING))
        self.assertFalse(can_withdraw(CaseStatus.REVIEWING))
        self.assertEqual(
            actions_for(status=CaseStatus.PENDING, role=ActorRole.ACCEPTOR),
            [CaseAction.ACCEPT, CaseAction.REQUEST_CORRECTION, CaseAction.REJECT],
        )
        self.assertEqual(actions_for(status=CaseStatus.PENDING, role=ActorRole.DECIDER), [])


class CaseTransitionTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        # The manual's paper path: the employer has no verified account (ADR 19).
        employer_offline(cls.enterprise)

    def test_it_writes_the_status_and_one_event(self):
        case = submitted_case(self)
        with transaction.atomic():
            case, event = case_transition(
                case=case, action=CaseAction.ACCEPT, actor=self.acceptor, opinion="材料齐全"
            )
        case.refresh_from_db()
        self.assertEqual(case.status, CaseStatus.REVIEWING)
        self.assertEqual(
            (event.from_status, event.to_status, event.actor, event.actor_role, event.opinion),
            (CaseStatus.PENDING, CaseStatus.REVIEWING, self.acceptor, ActorRole.ACCEPTOR, "材料齐全"),
        )

    def test_it_refuses_a_step_not_in_the_table_and_writes_nothing(self):
        case = submitted_case(self)
        events = CaseEvent.objects.count()
        with (
            self.assertRaisesMessage(ApplicationError, "该办件当前状态为“待受理”，不能准予许可"),
            transaction.atomic(),
        ):
            case_transition(case=case, action=CaseAction.APPROVE, actor=self.decider)
        case.refresh_from_db()
        self.assertEqual(case.status, CaseStatus.PENDING)
        self.assertEqual(CaseEvent.objects.count(), events)

    def test_it_refuses_the_wrong_role_and_another_department(self):
        case = submitted_case(self)
        for actor in (self.reviewer, self.outsider, self.other_applicant, self.applicant):
            with (
                self.subTest(actor=actor.username),
                self.assertRaisesMessage(ApplicationError, "没有办理该办件此环节的权限"),
                transaction.atomic(),
            ):
                case_transition(case=case, action=CaseAction.ACCEPT, actor=actor)
        self.assertEqual(case.events.count(), 1)  # the submission only

    def test_it_runs_only_inside_a_transaction(self):
        case = submitted_case(self)
        # The test itself runs in a transaction, so leave it to make the point.
        with self.assertRaises(AssertionError), transaction.atomic(durable=False):
            transaction.get_connection().in_atomic_block = False
            try:
                case_transition(case=case, action=CaseAction.ACCEPT, actor=self.acceptor)
            finally:
                transaction.get_connection().in_atomic_block = True


class SubmitTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        # The manual's paper path: the employer has no verified account (ADR 19).
        employer_offline(cls.enterprise)

    def test_it_numbers_the_case_and_issues_the_receipt(self):
        case = submitted_case(self)
        self.assertEqual(case.status, CaseStatus.PENDING)
        self.assertRegex(case.number or "", r"^LN\d{8}\d{5}$")
        self.assertIsNotNone(case.accept_due)
        receipt = Notice.objects.get(case=case, kind=NoticeKind.RECEIPT)
        self.assertRegex(receipt.number, r"^辽建许收〔\d{4}〕\d+号$")
        self.assertTrue(any(m["name"] == "资格证书" for m in receipt.data["materials"]))

    def test_it_names_every_missing_material(self):
        case = draft_case(self)
        with self.assertRaises(ApplicationError) as ctx:
            case_submit(case=case, user=self.applicant)
        for name in ("申请表", "申请人本人白底1寸照片（图片）", "资格证书", "劳动合同"):
            self.assertIn(name, ctx.exception.message)
        case.refresh_from_db()
        self.assertEqual(case.status, CaseStatus.DRAFT)
        self.assertIsNone(case.number)

    def test_continuing_education_becomes_required_after_three_years(self):
        case = draft_case(self, qualification_date="2019-03-01", continuing_education_hours="90")
        for material in case.item.materials.filter(required=True):  # all but the conditional one
            kind = png_file() if material.kind == "image" else pdf_file()
            attachment_add(case=case, material=material, checked=kind, original_name="x", user=self.applicant)
        with self.assertRaisesMessage(ApplicationError, "继续教育证明"):
            case_submit(case=case, user=self.applicant)

    def test_a_second_submission_is_refused(self):
        case = submitted_case(self)
        with self.assertRaisesMessage(ApplicationError, "请勿重复提交"):
            case_submit(case=case, user=self.applicant)
        self.assertEqual(Notice.objects.filter(case=case, kind=NoticeKind.RECEIPT).count(), 1)
        self.assertEqual(case.events.count(), 1)

    def test_an_invalid_form_blocks_submission_naming_the_field(self):
        case = draft_case(self, employer_uscc="12345")
        attach_required(self, case)
        with self.assertRaisesMessage(ApplicationError, "聘用企业统一社会信用代码"):
            case_submit(case=case, user=self.applicant)

    def test_withdraw_before_acceptance(self):
        case = submitted_case(self)
        case = case_withdraw(case=case, user=self.applicant, reason="信息填错")
        self.assertEqual(case.status, CaseStatus.WITHDRAWN)
        self.assertEqual(case.events.last().action, CaseAction.WITHDRAW)  # type: ignore[union-attr]
        with self.assertRaises(ApplicationError):
            case_withdraw(case=case, user=self.applicant)

    def test_a_second_open_application_of_the_same_kind_is_refused(self):
        first = submitted_case(self)
        second = draft_case(self)
        attach_required(self, second)
        with self.assertRaisesMessage(
            ApplicationError, f"您已有一件正在办理的“初始注册”申请（办件编号{first.number}）"
        ):
            case_submit(case=second, user=self.applicant)
