from __future__ import annotations

from datetime import timedelta

from django.test import RequestFactory
from django.utils import timezone

from accounts.models import User
from accounts.views import _next_url
from catalog.calendar import workday_add
from portal.test import BaseTestCase, staff_make
from supervision.selectors import board_for_leader
from supervision.tests.builders import pending_case, reviewing_case


class BoardTestCase(BaseTestCase):
    other_leader: User

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.other_leader = staff_make(
            username="waibu-kz", name="外厅科室负责人", role="leader", department=cls.other_department
        )

    def setUp(self):
        super().setUp()
        today = timezone.localdate()
        # The page reads today's date: due days are set around it.
        self.overdue = reviewing_case(self, due=today - timedelta(days=7))
        self.soon = pending_case(self, due=workday_add(start=today, days=1), applicant=self.other_applicant)

    def test_the_leader_sees_his_departments_late_and_nearly_due_cases(self):
        self.client.force_login(self.leader)
        r = self.client.get("/supervision/")
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, "已到期或超期（1）")
        self.assertContains(r, "即将到期（1）")
        self.assertContains(
            r, f'<a href="/workbench/cases/{self.overdue.pk}/">{self.overdue.number}</a>', html=True
        )
        self.assertContains(
            r, f'<a href="/workbench/cases/{self.soon.pk}/">{self.soon.number}</a>', html=True
        )
        self.assertContains(r, "审查人员")
        self.assertContains(r, "剩余1个工作日")
        # The header's link to it.
        self.assertContains(r, '<a href="/supervision/">督办</a>', html=True)

    def test_another_departments_leader_sees_none_of_them(self):
        self.client.force_login(self.other_leader)
        r = self.client.get("/supervision/")
        self.assertContains(r, "已到期或超期（0）")
        self.assertContains(r, "即将到期（0）")
        self.assertNotContains(r, str(self.overdue.number))
        board = board_for_leader(user=self.other_leader, today=timezone.localdate())
        self.assertEqual((board.overdue, board.due_soon), ([], []))

    def test_other_staff_are_refused(self):
        for user in (self.reviewer, self.decider, self.admin, self.applicant):
            self.client.force_login(user)
            self.assertEqual(self.client.get("/supervision/").status_code, 403, user)
        self.client.force_login(self.reviewer)
        self.assertNotContains(self.client.get("/workbench/"), 'href="/supervision/"')

    def test_the_leader_reads_a_case_on_the_workbench_and_takes_no_step(self):
        self.client.force_login(self.leader)
        r = self.client.get(f"/workbench/cases/{self.overdue.pk}/")
        self.assertEqual(r.status_code, 200)
        self.assertNotContains(r, 'id="actions"')
        self.assertNotContains(r, "申请延期")
        self.assertEqual(self.client.get("/workbench/").status_code, 200)

    def test_the_leader_lands_on_the_board_after_login(self):
        request = RequestFactory().get("/accounts/login/")
        self.assertEqual(_next_url(request, self.leader), "/supervision/")
        self.assertEqual(_next_url(request, self.reviewer), "/workbench/")
