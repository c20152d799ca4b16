"""`make bench`'s lists at scale (issue 14): a small load through the same code, every page
answers 200 through the WSGI application, and each figure comes out beside its goal with its
queries and the register query's plan (the benchmark itself is not a test)."""

from __future__ import annotations

from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection

from cases.models import Case
from portal.bench_lists import bench_lists
from portal.test import BaseTestCase
from registry.models import Registration


class BenchListsTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        # As for the public pages' bench (test_bench_pages): the WSGI application's own
        # connection handling would close the test's transaction.
        for signal in (request_started, request_finished):
            signal.disconnect(close_old_connections)
            self.addCleanup(signal.connect, close_old_connections)

    def test_it_loads_the_lists_and_prints_each_page_beside_its_goal(self):
        lines: list[str] = []
        bench_lists(cases=60, runs=1, out=lines.append, acceptor=self.acceptor, mine_cases=8)
        self.assertGreaterEqual(Case.objects.filter(department=self.department).count(), 60)
        self.assertEqual(Registration.objects.count(), 60 // 5)
        self.assertIn("其中“我的办件”申请人 8 件", lines[0])
        self.assertIn("空视图", lines[2])
        pages = lines[3:-1]
        # The queue's three tabs, its first tab after a status change and after a new rating,
        # 我的办件 and the register's query.
        self.assertEqual(len(pages), 7)
        self.assertIn("办件状态变化", pages[1])
        self.assertIn("新的评价", pages[2])
        for line in pages:
            self.assertIn("目标：PostgreSQL 上中位数 ≤ 50 ms", line)
            self.assertRegex(line, r"SQL \d+ 条，共 [\d.]+ ms")
        self.assertIn("注册人员查询的执行计划", lines[-1])
        if connection.vendor == "sqlite":
            self.assertIn("使用索引 registry_number_upper", lines[-1])
        # PostgreSQL's planner rightly scans a table of 12 rows; at the bench's 20,000
        # registrations it takes the index, which the bench prints (README「性能基准」).
