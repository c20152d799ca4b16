"""What the decisions write into their notices: the date a case was submitted as the
applicant's calendar had it, and the staff's reasons as they typed them. The cases are built
(`cases.tests.builders`); the decision is the subject."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from cases.models import Case, CaseStatus, Notice, NoticeKind
from cases.tests.builders import case_build
from notifications.testing import frozen_now
from portal.test import BaseTestCase
from review.services import case_accept, case_deny, case_reject

SHANGHAI = ZoneInfo("Asia/Shanghai")
REASON = "一、劳动合同已过期；\n\n二、社保缴纳单位与聘用企业不一致。"


class NoticeTextTestCase(BaseTestCase):
    def built(self, status: CaseStatus) -> Case:
        case = case_build(self, status=status)
        # 07:30 on 5 March in Shenyang: 23:30 on 4 March in UTC, the time the row holds.
        case.submitted_at = datetime(2026, 3, 4, 23, 30, tzinfo=UTC)
        case.save(update_fields=["submitted_at"])
        return case

    def test_the_acceptance_gives_the_shanghai_date_of_a_morning_submission(self):
        case = self.built(CaseStatus.PENDING)
        with frozen_now(datetime(2026, 3, 5, 9, 0, tzinfo=SHANGHAI)):
            case = case_accept(case=case, actor=self.acceptor)

        notice = Notice.objects.get(case=case, kind=NoticeKind.ACCEPTANCE)
        self.assertEqual(
            notice.data,
            {
                "paragraphs": [
                    "你（单位）于2026年03月05日提出的二级注册建造师执业资格认定（初始注册）申请，"
                    "申请材料齐全、符合法定形式，根据《中华人民共和国行政许可法》第三十二条的规定，决定予以受理。",
                    f"本机关将在受理之日起{case.matter.promised_days}个工作日内作出决定"
                    f"（法定时限{case.matter.legal_days}个工作日），预计于{case.decision_due:%Y年%m月%d日}前办结。",
                ]
            },
        )
        self.assertEqual(notice.number, "辽建许受〔2026〕1号")

    def test_a_rejection_keeps_a_reason_of_several_lines_as_one_paragraph(self):
        case = case_reject(case=self.built(CaseStatus.PENDING), actor=self.acceptor, reason=f"  {REASON}\n")

        notice = Notice.objects.get(case=case, kind=NoticeKind.REJECTION)
        self.assertEqual(
            notice.data,
            {
                "paragraphs": [
                    "你（单位）提出的二级注册建造师执业资格认定（初始注册）申请，经审查，决定不予受理。",
                    "理由：" + REASON,
                ],
                "remedies": True,
            },
        )
        self.assertEqual(case.status, CaseStatus.REJECTED)

    def test_a_denial_keeps_a_reason_of_several_lines_as_one_paragraph(self):
        case = case_deny(case=self.built(CaseStatus.DECIDING), actor=self.decider, reason=REASON)

        notice = Notice.objects.get(case=case, kind=NoticeKind.DENIAL)
        self.assertEqual(notice.data["paragraphs"][1:], ["理由：" + REASON])
        self.assertEqual(len(notice.data["paragraphs"]), 2)
        self.assertTrue(notice.data["remedies"])
        self.assertEqual(case.status, CaseStatus.DENIED)
