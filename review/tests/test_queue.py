from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from cases.models import Case, CaseStatus
from cases.tests.helpers import initial_item, submitted_case
from catalog.calendar import workday_add
from catalog.models import CalendarYear
from lib.masking import mask_id_number
from portal.test import BaseTestCase
from review.services import case_accept


class QueueTestCase(BaseTestCase):
    def setUp(self):
        self.case = submitted_case(self)
        self.number = str(self.case.number)

    def test_it_shows_the_acceptor_the_pending_cases_with_their_deadline(self):
        self.client.force_login(self.acceptor)
        r = self.client.get("/workbench/")
        self.assertContains(r, "审批工作台")
        self.assertContains(r, f'href="/workbench/cases/{self.case.pk}/"')
        self.assertContains(r, self.number)
        self.assertContains(r, "张伟")
        # The ID number is masked in the list; the full one is not on the page.
        self.assertContains(r, mask_id_number(self.applicant.id_number))
        self.assertNotContains(r, self.applicant.id_number)
        self.assertContains(r, "二级注册建造师执业资格认定")
        self.assertContains(r, "初始注册")
        self.assertContains(r, "受理期限")
        self.assertContains(r, f"{self.case.accept_due:%Y-%m-%d}")
        self.assertContains(r, "剩余5个工作日")
        self.assertEqual([c.pk for c, *_ in r.context["rows"]], [self.case.pk])
        self.assertEqual(r.context["tab"], "pending")

    def test_it_shows_each_role_its_own_queue(self):
        self.client.force_login(self.reviewer)
        r = self.client.get("/workbench/")
        self.assertEqual(r.context["tab"], "reviewing")
        self.assertEqual(r.context["rows"], [])
        self.assertNotContains(r, self.number)

        case_accept(case=self.case, actor=self.acceptor)
        r = self.client.get("/workbench/")
        self.assertEqual([c.pk for c, *_ in r.context["rows"]], [self.case.pk])
        # After 受理 the deadline shown is the decision's.
        self.case.refresh_from_db()
        self.assertContains(r, "办结期限")
        self.assertContains(r, f"{self.case.decision_due:%Y-%m-%d}")
        self.assertContains(r, "剩余10个工作日")

        self.client.force_login(self.decider)
        r = self.client.get("/workbench/")
        self.assertEqual(r.context["tab"], "deciding")
        self.assertEqual(r.context["rows"], [])

    def test_it_filters_by_status(self):
        self.client.force_login(self.reviewer)
        r = self.client.get("/workbench/?status=pending")
        self.assertEqual([c.pk for c, *_ in r.context["rows"]], [self.case.pk])
        r = self.client.get("/workbench/?status=all")
        self.assertEqual([c.pk for c, *_ in r.context["rows"]], [self.case.pk])
        r = self.client.get("/workbench/?status=finished")
        self.assertEqual(r.context["rows"], [])
        counts = {t["value"]: t["count"] for t in r.context["tabs"]}
        self.assertEqual(counts["pending"], 1)
        self.assertEqual(counts["all"], 1)
        self.assertEqual(counts["finished"], 0)

    def test_it_lists_finished_cases_under_yibanjie(self):
        from review.services import case_reject

        case_reject(case=self.case, actor=self.acceptor, reason="不属于本机关职权范围")
        self.client.force_login(self.acceptor)
        r = self.client.get("/workbench/?status=finished")
        self.assertEqual([c.pk for c, *_ in r.context["rows"]], [self.case.pk])
        self.assertContains(r, "办结（不予受理）")
        self.assertEqual(self.client.get("/workbench/").context["rows"], [])

    def test_it_searches_by_number_and_by_name(self):
        other = submitted_case(self, applicant=self.other_applicant)
        self.client.force_login(self.acceptor)

        r = self.client.get("/workbench/", {"q": "李娜"})
        self.assertEqual([c.pk for c, *_ in r.context["rows"]], [other.pk])
        self.assertNotContains(r, self.number)

        r = self.client.get("/workbench/", {"q": f" {self.number} "})
        self.assertEqual([c.pk for c, *_ in r.context["rows"]], [self.case.pk])
        self.assertContains(r, f'value="{self.number}"')

        r = self.client.get("/workbench/", {"q": "王五"})
        self.assertEqual(r.context["rows"], [])
        self.assertContains(r, "没有符合条件的办件")

    def test_it_makes_overdue_cases_stand_out(self):
        Case.objects.filter(pk=self.case.pk).update(accept_due=timezone.localdate() - timedelta(days=14))
        self.client.force_login(self.acceptor)
        r = self.client.get("/workbench/")
        self.assertContains(r, "已超期")
        self.assertContains(r, "deadline-overdue")
        _, deadline, _ = r.context["rows"][0]
        self.assertTrue(deadline.overdue)
        self.assertLess(deadline.left, 0)
        self.assertEqual(deadline.badge, f"已超期{-deadline.left}个工作日")

    def test_it_makes_cases_due_within_two_workdays_stand_out(self):
        Case.objects.filter(pk=self.case.pk).update(
            accept_due=workday_add(start=timezone.localdate(), days=2)
        )
        self.client.force_login(self.acceptor)
        r = self.client.get("/workbench/")
        self.assertContains(r, "deadline-soon")
        self.assertContains(r, "剩余2个工作日")
        self.assertNotContains(r, "已超期")

    def test_it_warns_when_the_holiday_calendar_lacks_a_year(self):
        today = timezone.localdate()
        CalendarYear.objects.filter(year=today.year + 1).delete()
        self.client.force_login(self.acceptor)
        r = self.client.get("/workbench/")
        self.assertContains(r, f"{today.year + 1}年的节假日数据尚未维护")

        CalendarYear.objects.get_or_create(year=today.year)
        CalendarYear.objects.get_or_create(year=today.year + 1)
        r = self.client.get("/workbench/")
        self.assertNotContains(r, "节假日数据尚未维护")

    def test_it_pages_by_25(self):
        item = initial_item()
        for n in range(26):
            Case.objects.create(
                applicant=self.other_applicant,
                applicant_name="李娜",
                department=self.department,
                matter=item.matter,
                item=item,
                status=CaseStatus.PENDING,
                number=f"LN20990101{n:05d}",
                submitted_at=timezone.now(),
                accept_due=timezone.localdate() + timedelta(days=30),
            )
        self.client.force_login(self.acceptor)
        r = self.client.get("/workbench/")
        self.assertEqual(len(r.context["rows"]), 25)
        self.assertContains(r, "第 1 / 2 页")
        self.assertContains(r, "下一页")
        r = self.client.get("/workbench/", {"status": "pending", "page": "2"})
        self.assertEqual(len(r.context["rows"]), 2)

    def test_the_outsider_sees_nothing_of_this_department(self):
        self.client.force_login(self.outsider)
        r = self.client.get("/workbench/?status=all")
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r.context["rows"], [])
        self.assertNotContains(r, self.number)
        self.assertNotContains(r, "张伟")

    def test_it_refuses_applicants_and_admins_and_sends_strangers_to_login(self):
        r = self.client.get("/workbench/")
        self.assertRedirects(r, "/accounts/login/?next=/workbench/", fetch_redirect_response=False)
        for user in (self.applicant, self.enterprise, self.admin):
            self.client.force_login(user)
            r = self.client.get("/workbench/")
            self.assertEqual(r.status_code, 403, user)
            self.assertNotContains(r, self.number, status_code=403)

    def test_the_top_bar_links_the_workbench_for_workbench_staff_only(self):
        self.client.force_login(self.decider)
        self.assertContains(self.client.get("/"), 'href="/workbench/"')
        self.client.force_login(self.applicant)
        self.assertNotContains(self.client.get("/"), "审批工作台")
