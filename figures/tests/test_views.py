"""The statistics page and its exports: who may read them, what they hold, how many queries."""

from __future__ import annotations

import csv
import io
from datetime import date

from django.test import SimpleTestCase
from django.urls import reverse
from openpyxl import load_workbook

from audit.models import AuditAction, AuditEvent
from cases.models import Case, CaseAction
from figures.tests.builders import case_walked
from portal.test import BaseTestCase

A = CaseAction
PERIOD = {"start": "2026-03", "end": "2026-04"}


class FiguresViewTestCase(BaseTestCase):
    granted: Case
    rejected: Case

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.granted = case_walked(
            cls,
            [
                (A.SUBMIT, date(2026, 3, 2)),
                (A.ACCEPT, date(2026, 3, 4)),
                (A.REVIEW, date(2026, 3, 9)),
                (A.APPROVE, date(2026, 3, 11)),
            ],
            decision_due=date(2026, 3, 18),
        )
        cls.rejected = case_walked(
            cls,
            [(A.SUBMIT, date(2026, 4, 1)), (A.REJECT, date(2026, 4, 2))],
            opinions={A.REJECT: "申请人不具备资格"},
        )

    def test_it_shows_the_leader_his_departments_figures(self):
        self.client.force_login(self.leader)

        response = self.client.get(reverse("figures:page"), PERIOD)

        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "统计期间 2026年03月至2026年04月")
        self.assertContains(response, self.department.name)
        tables = {t.key: t for t in response.context["tables"]}
        self.assertEqual(
            tables["received"].rows, [["2026年03月", 1, 0, "0.0%"], ["2026年04月", 1, 0, "0.0%"]]
        )
        self.assertEqual(tables["reasons"].rows, [["申请人不具备资格", "不予受理", 1]])
        # A chart beside its table, named for screen readers, and no style attribute (CSP).
        self.assertContains(response, '<svg viewBox="0 0 480', count=7)
        self.assertContains(response, 'aria-labelledby="chart-received-t chart-received-d"')
        self.assertContains(response, "条形图（件）：2026年03月 1；2026年04月 1。")
        self.assertNotContains(response, "style=")
        self.assertContains(response, '<th scope="row" data-label="月份">2026年03月</th>', html=False)

    def test_it_defaults_to_the_last_twelve_months_and_refuses_a_reversed_period(self):
        self.client.force_login(self.leader)

        response = self.client.get(reverse("figures:page"))
        self.assertEqual(len(response.context["figures"].months), 12)

        response = self.client.get(reverse("figures:page"), {"start": "2026-05", "end": "2026-03"})
        self.assertContains(response, "起始月份不能晚于截止月份")
        self.assertEqual(len(response.context["figures"].months), 12)

    def test_the_leaders_menu_links_it_and_nobody_elses(self):
        self.client.force_login(self.leader)
        self.assertContains(self.client.get(reverse("portal:home")), ">统计分析</a>")
        self.client.force_login(self.decider)
        self.assertNotContains(self.client.get(reverse("portal:home")), ">统计分析</a>")

    def test_it_refuses_everyone_else(self):
        for name in ("figures:page", "figures:csv", "figures:xlsx"):
            url = reverse(name)
            self.client.logout()
            self.assertRedirects(self.client.get(url), f"{reverse('accounts:login')}?next={url}")
            for user in (
                self.applicant,
                self.enterprise,
                self.acceptor,
                self.decider,
                self.admin,
                self.auditor,
            ):
                with self.subTest(url=url, user=user.name):
                    self.client.force_login(user)
                    self.assertEqual(self.client.get(url).status_code, 403)

    def test_it_exports_the_same_figures_as_csv(self):
        self.client.force_login(self.leader)

        response = self.client.get(reverse("figures:csv"), PERIOD)

        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "text/csv; charset=utf-8")
        self.assertIn(
            "filename*=utf-8''%E7%BB%9F%E8%AE%A1%E5%88%86%E6%9E%90_202603-202604.csv",
            response["Content-Disposition"],
        )
        text = response.content.decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text)))
        self.assertEqual(rows[1], ["统计期间：2026年03月至2026年04月"])
        start = rows.index(["收件与补正（按月）"])
        self.assertEqual(
            rows[start + 1 : start + 5],
            [
                ["月份", "收件", "需补正", "补正率"],
                ["2026年03月", "1", "0", "0.0%"],
                ["2026年04月", "1", "0", "0.0%"],
                ["合计", "2", "0", "0.0%"],
            ],
        )
        start = rows.index(["办结与按期办结率（按月）"])
        self.assertEqual(rows[start + 2], ["2026年03月", "1", "1", "1", "100.0%"])
        self.assertIn(["申请人不具备资格", "不予受理", "1"], rows)

    def test_it_exports_the_same_figures_as_xlsx(self):
        self.client.force_login(self.leader)

        response = self.client.get(reverse("figures:xlsx"), PERIOD)

        self.assertEqual(response.status_code, 200)
        self.assertIn("_202603-202604.xlsx", response["Content-Disposition"])
        book = load_workbook(io.BytesIO(response.content))
        self.assertEqual(book.sheetnames[:3], ["说明", "主要指标", "收件与补正（按月）"])
        self.assertEqual(book["说明"]["B1"].value, None)
        self.assertEqual(book["说明"]["A2"].value, "统计期间：2026年03月至2026年04月")
        rows = [list(r) for r in book["收件与补正（按月）"].iter_rows(values_only=True)]
        self.assertEqual(rows[1], ["2026年03月", 1, 0, "0.0%"])
        steps = [list(r) for r in book["各环节用时（工作日）"].iter_rows(values_only=True)]
        self.assertEqual(steps[1][:5], ["受理", "从收件（补正后为再次提交）到受理", 1, 2, 2])
        reasons = [list(r) for r in book["不予理由（按出现次数）"].iter_rows(values_only=True)]
        self.assertEqual(reasons[1], ["申请人不具备资格", "不予受理", 1])

    def test_each_export_is_an_export_row_of_aggregates_and_the_page_is_not(self):
        self.client.force_login(self.leader)
        self.client.get(reverse("figures:page"), PERIOD)
        self.client.get(reverse("figures:csv"), PERIOD, REMOTE_ADDR="10.2.2.2")
        self.client.get(reverse("figures:xlsx"), PERIOD, REMOTE_ADDR="10.2.2.2")
        events = list(AuditEvent.objects.filter(action=AuditAction.EXPORT).order_by("id"))
        self.assertEqual([e.detail["格式"] for e in events], ["CSV", "XLSX"])
        department = self.leader.department
        assert department is not None
        for event in events:
            self.assertEqual((event.actor_id, event.actor_role), (self.leader.pk, self.leader.staff_role))
            self.assertEqual((event.object_type, event.object_id), ("catalog.Department", str(department.pk)))
            self.assertEqual((event.subject_id, event.client_address), (None, "10.2.2.2"))
            self.assertEqual(event.object_label, "统计分析 2026年03月至2026年04月")
            self.assertEqual(event.detail["内容"], "汇总数字，不含个人信息")

    def test_a_refused_export_is_no_export_row(self):
        self.client.force_login(self.reviewer)
        self.assertEqual(self.client.get(reverse("figures:csv"), PERIOD).status_code, 403)
        self.assertFalse(AuditEvent.objects.filter(action=AuditAction.EXPORT).exists())

    def test_the_page_takes_the_same_few_queries_however_many_cases(self):
        self.client.force_login(self.leader)
        self.client.get(reverse("figures:page"), PERIOD)  # the session and the calendar warm up
        with self.assertNumQueries(QUERIES):
            self.client.get(reverse("figures:page"), PERIOD)
        for day in (3, 5, 6):
            case_walked(
                self,
                [
                    (A.SUBMIT, date(2026, 4, day + 10)),
                    (A.ACCEPT, date(2026, 4, day + 11)),
                    (A.REVIEW, date(2026, 4, day + 12)),
                ],
                decision_due=date(2026, 4, 30),
            )
        with self.assertNumQueries(QUERIES):
            self.client.get(reverse("figures:page"), PERIOD)


# Session and user (2), department (1), cases received and decided (2), 补正 requests (1),
# the 办理项's names (1), steps (1, a UNION ALL of three) and their calendar (1), overdue (1),
# reasons (1), ratings (2), certificates (3), the menu's unread count (1). The session is not
# saved: the first page after the login renewed its idle timeout (SessionRenewMiddleware).
QUERIES = 17


class SpreadsheetTextTestCase(SimpleTestCase):
    def test_a_reason_that_looks_like_a_formula_stays_text(self):
        # The refusal reasons are free text: "=HYPERLINK(…)" typed by someone must not become a
        # formula in the director's Excel.
        from figures.exports import _cells
        from figures.tables import Table

        table = Table(
            key="reasons",
            title="不予理由",
            columns=["理由", "类型", "件数"],
            rows=[
                ['=HYPERLINK("http://example.com")', "不予受理", 1],
                ["-1+1", "不予许可", 2],
                ["材料不全", "不予受理", -3],
            ],
        )
        self.assertEqual(
            _cells(table)[1:],
            [
                ['\'=HYPERLINK("http://example.com")', "不予受理", 1],
                ["'-1+1", "不予许可", 2],
                ["材料不全", "不予受理", -3],
            ],
        )
