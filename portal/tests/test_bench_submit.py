"""`make bench`'s 保存并提交 part keeps working: it submits, replays and finds no duplicate."""

from __future__ import annotations

from cases.models import Case, CaseStatus
from portal.bench import bench_submit
from portal.test import BaseTestCase


class BenchSubmitTestCase(BaseTestCase):
    def test_it_prints_the_figures_beside_their_goals(self):
        lines: list[str] = []
        # Not over HTTP: a gunicorn's own connections cannot see this test's uncommitted drafts.
        bench_submit(submits=11, out=lines.append, over_http=False)
        text = "\n".join(lines)
        self.assertIn("每秒", text)
        self.assertIn("PostgreSQL 上 ≥ 200 次/秒", text)
        self.assertIn("目标 ≤ 12", text)
        self.assertIn("重复办件：0（目标 0）", text)
        self.assertIn("另重放 2 次", text)
        self.assertEqual(Case.objects.filter(status=CaseStatus.PENDING).count(), 16)
