"""The province's 办件 collection hears of every status change of a 办件, written by
`case_transition` in the transaction of the change (docs/exchange.md 「办件归集」)."""

from __future__ import annotations

import json
from typing import Any
from unittest.mock import patch

from django.test import override_settings
from django.utils import timezone

from accounts.models import Enterprise
from cases.models import Case, CaseAction, CaseEvent, CaseStatus
from cases.services import case_submit, case_withdraw
from cases.tests.helpers import draft_case, employer_offline, submitted_case
from cases.transitions import TRANSITIONS
from exchange.contracts import CaseRecordEvent, Channel
from exchange.models import OutboundRecord
from exchange.testing import SHARING_ON
from lib.errors import ApplicationError
from portal.test import BaseTestCase
from registry.services import RegistryError


def case_records(case: Case) -> list[OutboundRecord]:
    assert case.number
    return list(OutboundRecord.objects.filter(channel=Channel.CASE, subject=case.number).order_by("pk"))


def steps(case: Case) -> list[tuple[str, str, str]]:
    return [(r.payload["action"], r.payload["from_status"], r.payload["status"]) for r in case_records(case)]


@override_settings(**SHARING_ON)
class CaseRecordTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        # The paper path: these cases go straight to the department (no 单位确认, ADR 19).
        employer_offline(cls.enterprise)

    def review(self) -> Any:
        # Imported here: review orchestrates cases, and cases' tests reach it only to walk a case.
        from review import services

        return services

    def test_a_submission_is_recorded_with_the_number_matter_and_times(self):
        case = submitted_case(self)

        (record,) = case_records(case)
        event = case.events.get(action=CaseAction.SUBMIT)
        self.assertEqual(record.event, CaseRecordEvent.STATUS_CHANGED)
        self.assertEqual(record.occurred_at, event.created_at)
        submitted = timezone.localtime(event.created_at).isoformat()
        self.assertEqual(case.submitted_at, event.created_at)
        self.assertEqual(
            record.payload,
            {
                "case_number": case.number,
                "matter_code": case.matter.code,
                "matter_name": case.matter.name,
                "item_name": case.item.name,
                "department": {"name": self.department.name, "uscc": self.department.uscc},
                "applicant": {"kind": "person", "name": "张*"},
                "action": "submit",
                "action_name": "保存并提交",
                "from_status": "draft",
                "status": "pending",
                "status_name": "待受理",
                "finished": False,
                "occurred_at": submitted,
                "submitted_at": submitted,
                "accepted_at": None,
                "finished_at": None,
                "promised_days": case.matter.promised_days,
                "legal_days": case.matter.legal_days,
            },
        )

    def test_the_record_holds_no_personal_number(self):
        case = submitted_case(self)
        self.review().case_accept(case=case, actor=self.acceptor)

        text = json.dumps([r.payload for r in case_records(case)], ensure_ascii=False)
        self.assertNotIn(self.applicant.id_number, text)
        self.assertNotIn(self.applicant.id_number[-6:], text)
        self.assertNotIn(self.applicant.mobile, text)
        self.assertNotIn("张伟", text)

    def test_every_change_on_the_way_to_a_grant_is_recorded_in_order(self):
        review = self.review()
        case = submitted_case(self)
        case = review.case_request_correction(
            case=case,
            actor=self.acceptor,
            items=[review.CorrectionItem(material_code=case.item.materials.all()[0].code, reason="不清晰")],
        )
        case = case_submit(case=case, user=self.applicant)
        case = review.case_accept(case=case, actor=self.acceptor)
        case = review.case_review(case=case, actor=self.reviewer, opinion="符合注册条件")
        case = review.case_approve(case=case, actor=self.decider, opinion="准予许可")

        self.assertEqual(
            steps(case),
            [
                ("submit", "draft", "pending"),
                ("request_correction", "pending", "correction"),
                ("resubmit", "correction", "pending"),
                ("accept", "pending", "reviewing"),
                ("review", "reviewing", "deciding"),
                ("approve", "deciding", "approved"),
            ],
        )
        last = case_records(case)[-1].payload
        case.refresh_from_db()
        self.assertTrue(last["finished"])
        self.assertEqual(last["accepted_at"], timezone.localtime(case.accepted_at).isoformat())
        self.assertEqual(last["finished_at"], timezone.localtime(case.decided_at).isoformat())
        self.assertEqual(last["submitted_at"], timezone.localtime(case.submitted_at).isoformat())
        # One record per event the case has, no more.
        self.assertEqual(CaseEvent.objects.filter(case=case).count(), len(steps(case)))

    def test_every_transition_in_the_table_is_recorded(self):
        review = self.review()
        seen: set[tuple[str, str, str]] = set()

        granted = submitted_case(self)
        review.case_accept(case=granted, actor=self.acceptor)
        review.case_review(case=granted, actor=self.reviewer, opinion="符合")
        review.case_approve(case=granted, actor=self.decider)
        seen |= set(steps(granted))

        denied = submitted_case(self, applicant=self.other_applicant)
        review.case_accept(case=denied, actor=self.acceptor)
        review.case_review(case=denied, actor=self.reviewer, opinion="不符合")
        review.case_deny(case=denied, actor=self.decider, reason="不符合注册条件")
        seen |= set(steps(denied))

        rejected = submitted_case(self, applicant=self.other_applicant)
        review.case_reject(case=rejected, actor=self.acceptor, reason="不属于本机关职权范围")
        seen |= set(steps(rejected))

        withdrawn = submitted_case(self, applicant=self.other_applicant)
        case_withdraw(case=withdrawn, user=self.other_applicant)
        seen |= set(steps(withdrawn))

        corrected = submitted_case(self, applicant=self.other_applicant)
        material = corrected.item.materials.all()[0]
        corrected = review.case_request_correction(
            case=corrected,
            actor=self.acceptor,
            items=[review.CorrectionItem(material_code=material.code, reason="缺页")],
        )
        case_submit(case=corrected, user=self.other_applicant)
        seen |= set(steps(corrected))

        draft_withdrawal = (CaseAction.WITHDRAW, CaseStatus.DRAFT, CaseStatus.WITHDRAWN)
        # The 单位确认 steps (ADR 19) take the employer's path, walked with its records in
        # test_the_employer_steps_are_recorded_too below.
        # The 督办 steps (ADR 25) keep the status; supervision/tests walks them.
        supervision_steps = {CaseAction.EXTEND, CaseAction.PAUSE, CaseAction.RESUME, CaseAction.RESUME_DUE}
        expected = {
            (t.action.value, t.source.value, t.target.value)
            for t in TRANSITIONS
            if CaseStatus.CONFIRMING not in (t.source, t.target) and t.action not in supervision_steps
        } - {draft_withdrawal}
        self.assertEqual(seen, expected)

    def test_the_employer_steps_are_recorded_too(self):
        # The personas' enterprise with its verified account again: the case waits for it.
        Enterprise.objects.filter(user=self.enterprise).update(verified_at=timezone.now())
        case = submitted_case(self)
        self.assertEqual(case.status, CaseStatus.PENDING)  # confirmed online, then forwarded
        self.assertEqual(
            steps(case)[:3],
            [
                (CaseAction.SUBMIT_TO_EMPLOYER, CaseStatus.DRAFT, CaseStatus.CONFIRMING),
                (CaseAction.EMPLOYER_CONFIRM, CaseStatus.CONFIRMING, CaseStatus.CONFIRMING),
                (CaseAction.FORWARD, CaseStatus.CONFIRMING, CaseStatus.PENDING),
            ],
        )

    def test_a_draft_withdrawn_before_submission_is_no_办件_and_is_not_recorded(self):
        case = draft_case(self)

        case = case_withdraw(case=case, user=self.applicant)

        self.assertEqual(case.status, CaseStatus.WITHDRAWN)
        self.assertIsNone(case.number)
        self.assertFalse(OutboundRecord.objects.exists())

    def test_an_approval_that_rolls_back_leaves_no_record_of_it(self):
        review = self.review()
        case = submitted_case(self)
        review.case_accept(case=case, actor=self.acceptor)
        case = review.case_review(case=case, actor=self.reviewer, opinion="符合")

        # The register refuses the grant after the transition wrote its record: the whole
        # approval, record included, rolls back.
        with (
            patch("review.services.registration_apply_effect", side_effect=RegistryError("已注册")),
            self.assertRaises(ApplicationError),
        ):
            review.case_approve(case=case, actor=self.decider)

        self.assertEqual([s[0] for s in steps(case)], ["submit", "accept", "review"])
        self.assertFalse(OutboundRecord.objects.filter(channel=Channel.LICENCE).exists())
