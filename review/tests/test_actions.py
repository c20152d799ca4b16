from __future__ import annotations

import re
import threading
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from unittest import skipUnless

from django.db import connection
from django.test import TransactionTestCase
from django.utils import timezone

from accounts.models import StaffRole, User
from cases.models import ActorRole, Case, CaseAction, CaseEvent, CaseStatus, Notice, NoticeKind
from cases.tests.helpers import QUALIFIED_ON, submitted_case
from catalog.models import Department
from lib.datacrypt import mobile_index
from lib.dates import validity_end
from lib.errors import ApplicationError
from notifications.models import InboxMessage, SmsMessage
from notifications.testing import drain_task_queue
from portal.test import BaseTestCase, person_create, staff_make
from registry.models import Registration, RegistrationChange
from review.services import case_accept, case_approve, case_review

REGISTRATION_NUMBER = re.compile(r"辽221\d{4}\d{4}\d{5}")


class ActionTestCase(BaseTestCase):
    def setUp(self):
        self.case = submitted_case(self)

    def url(self, action: str) -> str:
        return f"/workbench/cases/{self.case.pk}/{action}/"

    def post(self, user, action: str, data: dict[str, str] | None = None):
        self.client.force_login(user)
        return self.client.post(self.url(action), data or {}, follow=True)

    def to_deciding(self) -> None:
        case_accept(case=self.case, actor=self.acceptor)
        case_review(case=self.case, actor=self.reviewer, opinion="符合初始注册条件")

    def events(self, action: str):
        return CaseEvent.objects.filter(case=self.case, action=action)

    def sms(self, template: str):
        return SmsMessage.objects.filter(mobile_index=mobile_index(self.applicant.mobile), template=template)

    def assert_nothing_written(self, status: str = CaseStatus.PENDING) -> None:
        self.case.refresh_from_db()
        self.assertEqual(self.case.status, status)
        # Only what submitting wrote: the SUBMIT event and the receipt.
        self.assertEqual(list(self.case.events.values_list("action", flat=True))[-1:], [self.last_action])
        self.assertEqual(
            SmsMessage.objects.filter(mobile_index=mobile_index(self.applicant.mobile)).count(),
            self.sms_before,
        )

    def snapshot(self) -> None:
        self.last_action = self.case.events.order_by("-id").values_list("action", flat=True)[0]
        self.sms_before = SmsMessage.objects.filter(mobile_index=mobile_index(self.applicant.mobile)).count()
        self.notices_before = self.case.notices.count()

    # --- 受理 -----------------------------------------------------------------------------

    def test_it_accepts(self):
        r = self.post(self.acceptor, "accept", {"accept-opinion": "材料齐全"})
        self.assertRedirects(r, f"/workbench/cases/{self.case.pk}/")
        self.assertContains(r, "已受理，受理通知书已生成，已短信通知申请人")

        self.case.refresh_from_db()
        self.assertEqual(self.case.status, CaseStatus.REVIEWING)
        self.assertIsNotNone(self.case.accepted_at)
        self.assertIsNotNone(self.case.decision_due)
        event = self.events(CaseAction.ACCEPT).get()
        self.assertEqual(event.actor, self.acceptor)
        self.assertEqual(event.actor_role, ActorRole.ACCEPTOR)
        self.assertEqual(event.opinion, "材料齐全")
        notice = Notice.objects.get(case=self.case, kind=NoticeKind.ACCEPTANCE)
        self.assertEqual(notice.event, event)
        sms = self.sms("case_accepted").get()
        self.assertIn(self.case.number, sms.text)
        self.assertIn(f"{self.case.decision_due:%Y年%m月%d日}", sms.text)
        self.assertEqual(sms.user, self.applicant)
        self.assertTrue(InboxMessage.objects.filter(user=self.applicant, title="申请已受理").exists())
        # The outbox row is delivered by the worker, not by the request.
        self.assertGreaterEqual(drain_task_queue(), 1)
        sms.refresh_from_db()
        self.assertEqual(sms.status, "delivered")

    def test_the_second_of_two_acceptors_is_told_and_nothing_is_written_twice(self):
        other_acceptor = staff_make(
            username="shouli2", name="受理员王芳", role=StaffRole.ACCEPTOR, department=self.department
        )
        self.post(self.acceptor, "accept")
        r = self.post(other_acceptor, "accept")
        self.assertRedirects(r, f"/workbench/cases/{self.case.pk}/")
        self.assertContains(r, "该办件当前状态为“审查中”，不能受理。可能已由其他人员办理")
        self.assertNotContains(r, "已受理，受理通知书已生成")
        self.assertEqual(self.events(CaseAction.ACCEPT).count(), 1)
        self.assertEqual(self.events(CaseAction.ACCEPT).get().actor, self.acceptor)
        self.assertEqual(Notice.objects.filter(case=self.case, kind=NoticeKind.ACCEPTANCE).count(), 1)
        self.assertEqual(self.sms("case_accepted").count(), 1)

    def test_a_role_acting_outside_its_step_is_refused(self):
        self.snapshot()
        r = self.post(self.reviewer, "accept")
        self.assertRedirects(r, f"/workbench/cases/{self.case.pk}/")
        self.assertContains(r, "您没有办理该办件此环节的权限")
        self.assert_nothing_written()
        self.assertEqual(self.case.notices.count(), self.notices_before)

        r = self.post(self.acceptor, "review", {"review-opinion": "同意"})
        self.assertContains(r, "不能审查通过")
        r = self.post(self.decider, "approve")
        self.assertContains(r, "不能准予许可")
        self.assert_nothing_written()
        self.assertFalse(Registration.objects.exists())

    # --- 一次性告知补正 -------------------------------------------------------------------

    def test_it_requests_every_correction_in_one_notice(self):
        r = self.post(
            self.acceptor,
            "correction",
            {
                "correction-pick_photo": "on",
                "correction-reason_photo": "照片背景不是白色",
                "correction-pick_labour_contract": "on",
                "correction-reason_labour_contract": "劳动合同已过期",
                "correction-opinion": "请一并补正",
            },
        )
        self.assertRedirects(r, f"/workbench/cases/{self.case.pk}/")
        self.assertContains(r, "已一次性告知补正2项材料")

        self.case.refresh_from_db()
        self.assertEqual(self.case.status, CaseStatus.CORRECTION)
        self.assertIsNone(self.case.accept_due)
        event = self.events(CaseAction.REQUEST_CORRECTION).get()
        self.assertEqual(event.actor, self.acceptor)
        self.assertEqual(event.opinion, "请一并补正")
        self.assertEqual([i["code"] for i in event.data["items"]], ["photo", "labour_contract"])
        notice = Notice.objects.get(case=self.case, kind=NoticeKind.CORRECTION)
        self.assertEqual(
            notice.data["items"],
            [
                {"name": "申请人本人白底1寸照片（图片）", "reason": "照片背景不是白色"},
                {"name": "劳动合同", "reason": "劳动合同已过期"},
            ],
        )
        self.assertIn("有2项材料需要补正", self.sms("case_correction").get().text)
        self.assertTrue(InboxMessage.objects.filter(user=self.applicant, title="申请材料需要补正").exists())

    def test_a_correction_needs_a_material_and_a_reason_for_each(self):
        self.snapshot()
        r = self.post(self.acceptor, "correction", {"correction-opinion": "请补正"})
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, "请至少勾选一项需要补正的材料")
        # What was typed stays in the form.
        self.assertContains(r, "请补正</textarea>")

        r = self.post(
            self.acceptor,
            "correction",
            {"correction-pick_photo": "on", "correction-reason_identity": "身份证复印件不清晰"},
        )
        self.assertContains(r, "请填写该材料需要补正的原因")
        self.assertContains(r, "已填写原因，请勾选该材料，或清空原因")
        self.assertContains(r, "身份证复印件不清晰</textarea>")
        self.assert_nothing_written()
        self.assertFalse(Notice.objects.filter(kind=NoticeKind.CORRECTION).exists())

    # --- 不予受理 -------------------------------------------------------------------------

    def test_it_rejects_with_a_reason(self):
        r = self.post(self.acceptor, "reject", {"reject-reason": "申请人不具备二级建造师资格"})
        self.assertContains(r, "已决定不予受理，不予受理决定书已生成，已短信通知申请人")
        self.case.refresh_from_db()
        self.assertEqual(self.case.status, CaseStatus.REJECTED)
        self.assertIsNotNone(self.case.decided_at)
        event = self.events(CaseAction.REJECT).get()
        self.assertEqual((event.actor, event.actor_role), (self.acceptor, ActorRole.ACCEPTOR))
        self.assertEqual(event.opinion, "申请人不具备二级建造师资格")
        notice = Notice.objects.get(case=self.case, kind=NoticeKind.REJECTION)
        self.assertIn("理由：申请人不具备二级建造师资格", notice.data["paragraphs"])
        self.assertTrue(notice.data["remedies"])
        self.assertEqual(self.sms("case_rejected").count(), 1)
        self.assertTrue(InboxMessage.objects.filter(user=self.applicant, title="申请不予受理").exists())

    def test_a_rejection_needs_a_reason(self):
        self.snapshot()
        r = self.post(self.acceptor, "reject", {"reject-reason": "  "})
        self.assertContains(r, '<a href="#id_reject-reason">请填写不予受理的理由</a>', html=True)
        self.assert_nothing_written()

    # --- 审查 -----------------------------------------------------------------------------

    def test_it_passes_the_review_with_an_opinion(self):
        case_accept(case=self.case, actor=self.acceptor)
        self.snapshot()
        r = self.post(self.reviewer, "review", {"review-opinion": "材料真实有效，符合初始注册条件"})
        self.assertContains(r, "审查意见已提交，办件已转审批人员决定")
        self.case.refresh_from_db()
        self.assertEqual(self.case.status, CaseStatus.DECIDING)
        event = self.events(CaseAction.REVIEW).get()
        self.assertEqual((event.actor, event.actor_role), (self.reviewer, ActorRole.REVIEWER))
        self.assertEqual(event.opinion, "材料真实有效，符合初始注册条件")
        # An internal step: no notice, no message to the applicant.
        self.assertEqual(self.case.notices.count(), self.notices_before)
        self.assertEqual(
            SmsMessage.objects.filter(mobile_index=mobile_index(self.applicant.mobile)).count(),
            self.sms_before,
        )

    def test_a_review_needs_an_opinion(self):
        case_accept(case=self.case, actor=self.acceptor)
        self.snapshot()
        r = self.post(self.reviewer, "review", {"review-opinion": ""})
        self.assertContains(r, '<a href="#id_review-opinion">请填写审查意见</a>', html=True)
        self.assert_nothing_written(status=CaseStatus.REVIEWING)

    # --- 决定 -----------------------------------------------------------------------------

    def test_it_approves_and_registers(self):
        self.to_deciding()
        r = self.post(self.decider, "approve", {"approve-opinion": "准予注册"})
        self.assertContains(r, "已准予许可")

        self.case.refresh_from_db()
        self.assertEqual(self.case.status, CaseStatus.APPROVED)
        self.assertIsNotNone(self.case.decided_at)
        event = self.events(CaseAction.APPROVE).get()
        self.assertEqual(
            (event.actor, event.actor_role, event.opinion), (self.decider, ActorRole.DECIDER, "准予注册")
        )

        registration = Registration.objects.get(person__id_index=self.applicant.id_index)
        self.assertRegex(registration.number, REGISTRATION_NUMBER)
        today = timezone.localdate()
        self.assertTrue(registration.number.startswith(f"辽221{QUALIFIED_ON.year}{today.year}"))
        self.assertEqual(event.data["registration_number"], registration.number)
        self.assertEqual(registration.created_by_case, self.case)
        specialty = registration.specialties.get()
        self.assertEqual(specialty.specialty, "10401001")
        self.assertEqual(specialty.valid_from, today)
        self.assertEqual(specialty.valid_to, validity_end(today, 3))
        # Three years to the day before the third anniversary: 1095 or 1096 days with the first,
        # on any date (today.replace(year=...) has no 29 February three years on).
        self.assertEqual((specialty.valid_to + timedelta(days=1)).year, today.year + 3)
        self.assertIn((specialty.valid_to - today).days + 1, (365 * 3, 365 * 3 + 1))
        self.assertTrue(RegistrationChange.objects.filter(registration=registration, case=self.case).exists())

        notice = Notice.objects.get(case=self.case, kind=NoticeKind.APPROVAL)
        self.assertIn(registration.number, "".join(notice.data["paragraphs"]))
        sms = self.sms("case_finished").get()
        self.assertIn("准予许可", sms.text)
        self.assertTrue(
            InboxMessage.objects.filter(user=self.applicant, title="申请已办结（准予许可）").exists()
        )
        # The timeline on the page shows the number.
        self.assertContains(r, f"注册编号：{registration.number}")

    def test_it_denies_with_reasons_and_remedies(self):
        self.to_deciding()
        r = self.post(self.decider, "deny", {"deny-reason": "劳动合同与聘用企业不一致"})
        self.assertContains(r, "已决定不予许可，不予行政许可决定书已生成，已短信通知申请人")
        self.case.refresh_from_db()
        self.assertEqual(self.case.status, CaseStatus.DENIED)
        event = self.events(CaseAction.DENY).get()
        self.assertEqual((event.actor, event.opinion), (self.decider, "劳动合同与聘用企业不一致"))
        notice = Notice.objects.get(case=self.case, kind=NoticeKind.DENIAL)
        self.assertTrue(notice.data["remedies"])
        self.assertIn("理由：劳动合同与聘用企业不一致", notice.data["paragraphs"])
        self.assertIn("不予许可", self.sms("case_finished").get().text)
        self.assertFalse(Registration.objects.exists())

    def test_a_denial_needs_reasons(self):
        self.to_deciding()
        self.snapshot()
        r = self.post(self.decider, "deny", {"deny-reason": ""})
        self.assertContains(r, '<a href="#id_deny-reason">请填写不予许可的理由</a>', html=True)
        self.assert_nothing_written(status=CaseStatus.DECIDING)

    # --- Who may post ---------------------------------------------------------------------

    def test_the_outsider_gets_404_on_every_case_url(self):
        self.snapshot()
        self.client.force_login(self.outsider)
        self.assertEqual(self.client.get(f"/workbench/cases/{self.case.pk}/").status_code, 404)
        for action in ("accept", "correction", "reject", "review", "approve", "deny"):
            r = self.client.post(
                self.url(action), {"reject-reason": "x", "review-opinion": "x", "deny-reason": "x"}
            )
            self.assertEqual(r.status_code, 404, action)
        self.assert_nothing_written()

    def test_applicants_get_403_and_nothing_is_written(self):
        self.snapshot()
        for user in (self.applicant, self.admin):
            self.client.force_login(user)
            for action in ("accept", "correction", "reject", "review", "approve", "deny"):
                self.assertEqual(self.client.post(self.url(action)).status_code, 403, action)
        self.assert_nothing_written()

    def test_actions_are_post_only(self):
        self.client.force_login(self.acceptor)
        self.assertEqual(self.client.get(self.url("accept")).status_code, 405)
        self.assert_status(CaseStatus.PENDING)

    def assert_status(self, status: str) -> None:
        self.case.refresh_from_db()
        self.assertEqual(self.case.status, status)


def _make_personas(testcase: TransactionTestCase) -> None:
    # A TransactionTestCase has no setUpTestData: the same personas, made per test.
    BaseTestCase.setUpTestData.__func__(type(testcase))  # type: ignore[attr-defined]


@skipUnless(connection.vendor == "postgresql", "needs PostgreSQL: SQLite serialises all writers, so no race")
class ConcurrencyTestCase(TransactionTestCase):
    """Real threads, each with its own database connection, acting at the same moment."""

    # The catalogue is seeded for real: its copy (portal/test.py) is for TestCase classes,
    # whose rows a transaction rolls back; here every test's rows are flushed.
    real_seed = True
    department: Department
    applicant: User
    enterprise: User
    acceptor: User
    reviewer: User
    decider: User

    def setUp(self):
        _make_personas(self)

    def run_at_once(self, calls: list[Callable[[], object]]) -> list[object]:
        barrier = threading.Barrier(len(calls))
        results: list[object] = [None] * len(calls)

        def run(index: int, call: Callable[[], object]) -> None:
            try:
                barrier.wait(timeout=10)
                results[index] = call()
            except Exception as e:
                results[index] = e
            finally:
                connection.close()

        threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        return results

    def test_two_acceptors_at_once_one_succeeds(self):
        case = submitted_case(self)
        other = staff_make(
            username="shouli2", name="受理员王芳", role=StaffRole.ACCEPTOR, department=self.department
        )
        results = self.run_at_once(
            [lambda: case_accept(case=case, actor=self.acceptor), lambda: case_accept(case=case, actor=other)]
        )
        self.assertEqual(sum(isinstance(r, Case) for r in results), 1, results)
        errors = [r for r in results if isinstance(r, ApplicationError)]
        self.assertEqual(len(errors), 1, results)
        self.assertIn("不能受理", errors[0].message)
        self.assertEqual(CaseEvent.objects.filter(case=case, action=CaseAction.ACCEPT).count(), 1)
        self.assertEqual(Notice.objects.filter(case=case, kind=NoticeKind.ACCEPTANCE).count(), 1)
        self.assertEqual(SmsMessage.objects.filter(template="case_accepted").count(), 1)

    def test_ten_approvals_at_once_get_ten_distinct_numbers(self):
        cases = []
        for n in range(10):
            person = person_create(
                name=f"申请人{n}", first17=f"21010219880101{n:03d}", mobile=f"1360000{n:04d}"
            )
            case = submitted_case(self, applicant=person)
            case_accept(case=case, actor=self.acceptor)
            case_review(case=case, actor=self.reviewer, opinion="符合条件")
            cases.append(case)
        results = self.run_at_once([partial(case_approve, case=c, actor=self.decider) for c in cases])
        self.assertTrue(all(isinstance(r, Case) for r in results), results)
        numbers = list(Registration.objects.values_list("number", flat=True))
        self.assertEqual(len(numbers), 10)
        self.assertEqual(len(set(numbers)), 10)
        for number in numbers:
            self.assertRegex(number, REGISTRATION_NUMBER)
        self.assertEqual(Case.objects.filter(status=CaseStatus.APPROVED).count(), 10)
