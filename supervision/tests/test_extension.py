from __future__ import annotations

from datetime import date

from accounts.models import User
from cases.deadlines import case_deadline
from cases.models import ActorRole, Case, CaseAction, NoticeKind
from notifications.models import InboxMessage
from portal.test import BaseTestCase, staff_make
from review.services import case_approve
from supervision.models import Extension, ExtensionStatus
from supervision.tests.builders import FRIDAY, deciding_case, reviewing_case, sms_to

EXTENDED = date(2031, 3, 28)  # FRIDAY + 10 working days


class ExtensionTestCase(BaseTestCase):
    other_leader: User

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.other_leader = staff_make(
            username="waibu-kz", name="外厅科室负责人", role=ActorRole.LEADER, department=cls.other_department
        )

    def setUp(self):
        super().setUp()
        self.case = reviewing_case(self)

    def ask(self, user=None, reason: str = "需要向原发证机关核实资格证书"):
        self.client.force_login(user or self.reviewer)
        return self.client.post(
            f"/supervision/cases/{self.case.pk}/extension/", {"extension-reason": reason}, follow=True
        )

    def answer(self, extension: Extension, answer: str, opinion: str = "", user=None):
        self.client.force_login(user or self.leader)
        return self.client.post(
            f"/supervision/extensions/{extension.pk}/decide/",
            {f"x{extension.pk}-answer": answer, f"x{extension.pk}-opinion": opinion},
            follow=True,
        )

    def test_the_handler_asks_and_the_leader_is_told(self):
        r = self.ask()
        self.assertRedirects(r, f"/workbench/cases/{self.case.pk}/#supervision")
        self.assertContains(r, "延期申请已提交，等待科室负责人审批")

        extension = Extension.objects.get(case=self.case)
        self.assertEqual(
            (extension.status, extension.due_before, extension.requested_by),
            (ExtensionStatus.REQUESTED, FRIDAY, self.reviewer),
        )
        message = InboxMessage.objects.get(user=self.leader, title="延期申请待审批")
        self.assertIn("需要向原发证机关核实资格证书", message.body)
        self.assertEqual(message.link, "/supervision/")
        # The leader's page lists it with its form; the case page says it waits.
        self.client.force_login(self.leader)
        r = self.client.get("/supervision/")
        self.assertContains(r, "待审批的延期申请（1）")
        self.assertContains(r, f'action="/supervision/extensions/{extension.pk}/decide/"')

    def test_only_the_handler_of_the_step_may_ask(self):
        r = self.ask(self.decider)
        self.assertContains(r, "只有当前环节的办理人员可以申请延期")
        r = self.ask(self.outsider)
        self.assertEqual(r.status_code, 404)
        self.assertFalse(Extension.objects.exists())

    def test_the_leader_grants_it_and_the_due_day_moves_by_ten_working_days(self):
        self.ask()
        extension = Extension.objects.get()

        r = self.answer(extension, "approve", "同意")
        self.assertContains(r, "办结期限延长至2031-03-28")

        self.case.refresh_from_db()
        self.assertEqual(self.case.decision_due, EXTENDED)
        extension.refresh_from_db()
        self.assertEqual(
            (extension.status, extension.new_due, extension.decided_by),
            (ExtensionStatus.APPROVED, EXTENDED, self.leader),
        )
        event = self.case.events.get(action=CaseAction.EXTEND)
        self.assertEqual(
            (event.actor_role, event.from_status, event.to_status),
            (ActorRole.LEADER, "reviewing", "reviewing"),
        )
        self.assertIn("办结期限由2031年03月14日延长至2031年03月28日", event.opinion)
        notice = self.case.notices.get(kind=NoticeKind.EXTENSION)
        self.assertEqual(notice.event, event)
        self.assertIn("第四十二条", "".join(notice.data["paragraphs"]))
        self.assertIn("2031年03月28日前作出决定", "".join(notice.data["paragraphs"]))
        self.client.force_login(self.applicant)
        pdf = self.client.get(f"/cases/{self.case.pk}/notices/{notice.pk}/")
        self.assertEqual((pdf.status_code, pdf["Content-Type"]), (200, "application/pdf"))
        self.assertRegex(notice.number, r"^辽建许延〔\d{4}〕\d+号$")
        [sms] = sms_to(self.applicant.mobile, "case_extended")
        self.assertIn("办理期限延长10个工作日，预计2031年03月28日前办结", sms.text)
        self.assertTrue(InboxMessage.objects.filter(user=self.applicant, title="办理期限已延长").exists())
        self.assertTrue(InboxMessage.objects.filter(user=self.reviewer, title="延期申请已审批").exists())

        # The applicant's timeline shows the 延期 with the new day.
        self.client.force_login(self.applicant)
        r = self.client.get(f"/cases/{self.case.pk}/")
        self.assertContains(r, "延期")
        self.assertContains(r, "延长至2031年03月28日")
        self.assertContains(r, "延期告知书")

        # Once per case.
        r = self.ask()
        self.assertContains(r, "办结期限只能延长一次")
        self.assertEqual(Extension.objects.count(), 1)

    def test_a_refusal_needs_an_opinion_and_leaves_the_due_day(self):
        self.ask()
        extension = Extension.objects.get()

        r = self.answer(extension, "refuse")
        self.assertContains(r, "不予批准的，请填写审批意见")
        r = self.answer(extension, "refuse", "理由不充分，请按期办结")
        self.assertContains(r, "不予批准")

        extension.refresh_from_db()
        self.case.refresh_from_db()
        self.assertEqual((extension.status, self.case.decision_due), (ExtensionStatus.REFUSED, FRIDAY))
        self.assertFalse(self.case.events.filter(action=CaseAction.EXTEND).exists())
        self.assertEqual(sms_to(self.applicant.mobile, "case_extended"), [])
        told = InboxMessage.objects.get(user=self.reviewer, title="延期申请已审批")
        self.assertIn("理由不充分", told.body)
        # Answered once; a new request may follow a refusal.
        r = self.answer(extension, "approve")
        self.assertContains(r, "该延期申请已未批准，不能再次审批")
        self.ask(reason="补充了新的理由")
        self.assertEqual(Extension.objects.filter(status=ExtensionStatus.REQUESTED).count(), 1)

    def test_another_departments_leader_gets_404_and_an_empty_list(self):
        self.ask()
        extension = Extension.objects.get()
        r = self.answer(extension, "approve", user=self.other_leader)
        self.assertEqual(r.status_code, 404)
        extension.refresh_from_db()
        self.assertEqual(extension.status, ExtensionStatus.REQUESTED)
        self.client.force_login(self.other_leader)
        r = self.client.get("/supervision/")
        self.assertContains(r, "待审批的延期申请（0）")
        self.assertNotContains(r, str(self.case.number))

    def test_a_case_decided_meanwhile_is_not_extended(self):
        case = deciding_case(self, applicant=self.other_applicant)
        self.case = case
        self.ask(self.decider)
        extension = Extension.objects.get(case=case)
        case_approve(case=case, actor=self.decider)

        r = self.answer(extension, "approve")
        self.assertContains(r, "不能延期")
        extension.refresh_from_db()
        self.assertEqual(extension.status, ExtensionStatus.REQUESTED)
        self.assertIsNone(case_deadline(Case.objects.get(pk=case.pk), today=FRIDAY))
