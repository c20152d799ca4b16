"""The workbench at any size (issue 14): a page of each tab costs the same queries with one case
or thirty, reads the working-day calendar once for all its deadlines, and is read in the order
of an index rather than by sorting the department's cases."""

from __future__ import annotations

from datetime import timedelta

from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.answers import department_counts_replace
from cases.deadlines import case_deadline, case_deadlines
from cases.models import Case, CaseStatus
from cases.tests.helpers import initial_item
from catalog.models import CalendarDay
from portal.test import BaseTestCase
from review.selectors import ALL, FINISHED, case_queue
from review.services import case_accept

URL = reverse("review:queue")


class QueueScaleTestCase(BaseTestCase):
    def cases_make(self, count: int, *, status: CaseStatus) -> list[Case]:
        """`count` cases of the department in `status`, each due and submitted on its own day
        (so that every row has its own deadline to count), built directly: the list is the
        subject."""
        item = initial_item()
        now, today = timezone.now(), timezone.localdate()
        finished = status in (CaseStatus.APPROVED, CaseStatus.REJECTED)
        first = Case.objects.count()
        # Rows written past case_transition, as a bulk load writes them: the counts kept are
        # said to be out of date, as a load must say.
        department_counts_replace(department_id=self.department.pk)
        return Case.objects.bulk_create(
            [
                Case(
                    applicant=self.applicant if n % 2 else self.other_applicant,
                    applicant_name="张伟" if n % 2 else "李娜",
                    department=self.department,
                    matter=item.matter,
                    item=item,
                    status=status,
                    number=f"LN20990101{first + n:05d}",
                    submitted_at=now - timedelta(days=40 - n),
                    accept_due=today + timedelta(days=n - 10) if status == CaseStatus.PENDING else None,
                    accepted_at=now - timedelta(days=30 - n) if status != CaseStatus.PENDING else None,
                    decision_due=today + timedelta(days=n - 5) if status == CaseStatus.REVIEWING else None,
                    decided_at=now - timedelta(days=30 - n) if finished else None,
                )
                for n in range(count)
            ]
        )

    def queries_for(self, user, params: dict[str, str]) -> int:
        self.client.force_login(user)
        # The login's first page stamps the session (a write the pages after it do not make).
        self.client.get(reverse("accounts:profile"))
        with CaptureQueriesContext(connection) as queries:
            r = self.client.get(URL, params)
        self.assertEqual(r.status_code, 200)
        return len(queries.captured_queries)

    def assert_same_queries_with_1_and_30_rows(self, user, status: CaseStatus, params: dict[str, str]):
        self.cases_make(1, status=status)
        caches["public"].clear()
        counted = self.queries_for(user, params)  # the tab counts counted
        kept = self.queries_for(user, params)  # and kept (cases.answers)
        # The 好差评 figures are read from their tally on every view, kept or not.
        self.assertEqual(kept, counted - 1)
        self.cases_make(30, status=status)
        caches["public"].clear()
        with self.assertNumQueries(counted):
            r = self.client.get(URL, params)
        self.assertEqual(len(r.context["rows"]), 25)
        with self.assertNumQueries(kept):
            r = self.client.get(URL, {**params, "page": "2"})
        self.assertEqual(len(r.context["rows"]), 6)

    def test_the_default_tab_costs_the_same_queries_with_1_or_30_cases(self):
        self.assert_same_queries_with_1_and_30_rows(self.acceptor, CaseStatus.PENDING, {})

    def test_the_reviewers_tab_costs_the_same_queries_with_1_or_30_cases(self):
        self.assert_same_queries_with_1_and_30_rows(self.reviewer, CaseStatus.REVIEWING, {})

    def test_the_finished_tab_costs_the_same_queries_with_1_or_30_cases(self):
        self.assert_same_queries_with_1_and_30_rows(self.acceptor, CaseStatus.APPROVED, {"status": FINISHED})

    def test_the_all_tab_costs_the_same_queries_with_1_or_30_cases(self):
        self.assert_same_queries_with_1_and_30_rows(self.acceptor, CaseStatus.PENDING, {"status": ALL})

    def test_the_tab_counts_are_kept_until_a_case_of_the_department_changes_status(self):
        [case] = self.cases_make(1, status=CaseStatus.PENDING)  # the counts are out of date
        first = self.queries_for(self.acceptor, {})
        with CaptureQueriesContext(connection) as again:
            r = self.client.get(URL)
        self.assertEqual(len(again.captured_queries), first - 1)  # the count is kept
        counts = {t["value"]: t["count"] for t in r.context["tabs"]}
        self.assertEqual((counts["pending"], counts["reviewing"]), (1, 0))

        case_accept(case=case, actor=self.acceptor)
        r = self.client.get(URL)
        counts = {t["value"]: t["count"] for t in r.context["tabs"]}
        self.assertEqual((counts["pending"], counts["reviewing"]), (0, 1))
        self.assertEqual(r.context["rows"], [])
        # A search is counted afresh each time: it is not the department's standing count.
        with self.assertNumQueries(first):
            self.client.get(URL, {"q": "LN2099", "status": ALL})

    def test_the_finished_tab_shows_the_latest_decided_first_and_all_the_latest_submitted(self):
        finished = self.cases_make(3, status=CaseStatus.APPROVED)
        self.client.force_login(self.acceptor)
        r = self.client.get(URL, {"status": FINISHED})
        self.assertEqual([c.pk for c, *_ in r.context["rows"]], [c.pk for c in reversed(finished)])
        r = self.client.get(URL, {"status": ALL})
        self.assertEqual([c.pk for c, *_ in r.context["rows"]], [c.pk for c in reversed(finished)])

    def test_the_deadlines_of_a_page_are_those_of_each_case_with_one_calendar_read(self):
        today = timezone.localdate()
        # A holiday and a make-up workday among the deadlines, so that the calendar counts.
        CalendarDay.objects.update_or_create(day=today + timedelta(days=3), defaults={"is_workday": False})
        CalendarDay.objects.update_or_create(day=today - timedelta(days=4), defaults={"is_workday": True})
        cases = self.cases_make(20, status=CaseStatus.PENDING)
        cases += self.cases_make(5, status=CaseStatus.REVIEWING)
        cases += [Case(status=CaseStatus.CORRECTION), Case(status=CaseStatus.APPROVED)]
        one_by_one = [case_deadline(case, today=today) for case in cases]
        with self.assertNumQueries(1):
            together = case_deadlines(cases, today=today)
        self.assertEqual(together, one_by_one)
        self.assertTrue(any(d is not None and d.overdue for d in together))
        self.assertTrue(any(d is not None and d.left > 0 for d in together))

    def test_each_tab_is_read_in_the_order_of_an_index_without_sorting(self):
        tabs = {
            "": "cases_case_queue_accept_idx",
            str(CaseStatus.REVIEWING): "cases_case_queue_decision_idx",
            FINISHED: "cases_case_queue_finished_idx",
            ALL: "cases_case_queue_all_idx",
        }
        for status, index in tabs.items():
            with self.subTest(status=status or "default"):
                sql, params = case_queue(user=self.acceptor, status=status)[:25].query.sql_with_params()
                plan = self.plan(sql, params)
                self.assertIn(index, plan)
                self.assertNotIn("TEMP B-TREE", plan)  # SQLite's sort
                self.assertNotIn("Sort", plan)  # PostgreSQL's

    def plan(self, sql: str, params) -> str:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # A few rows: the planner would rightly scan and sort them; forbid it to see the index.
                cursor.execute("SET LOCAL enable_seqscan = off")
                cursor.execute("SET LOCAL enable_sort = off")
                cursor.execute(f"EXPLAIN {sql}", params)
            else:
                cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            return " ".join(str(row) for row in cursor.fetchall())
