"""`make bench`'s public pages: every page and the bare view answer 200 through the WSGI
application, and the figures come out for each (the benchmark itself is not a test)."""

from __future__ import annotations

from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from certificates.services import certificate_copy_request
from certificates.tests.helpers import approved_case, ensure_keys
from notifications.testing import drain_task_queue
from portal.bench_pages import bench_public_pages, public_pages, requests_per_second
from portal.test import BaseTestCase


class BenchPagesTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        # The bench calls the WSGI application itself, so each request starts and ends with
        # close_old_connections; inside this test's transaction (autocommit off) that closes
        # PostgreSQL's connection. Django's test Client disconnects it the same way; the bench
        # itself runs outside any transaction and keeps its connection (CONN_MAX_AGE).
        for signal in (request_started, request_finished):
            signal.disconnect(close_old_connections)
            self.addCleanup(signal.connect, close_old_connections)
        ensure_keys()
        _, certificate = approved_case(self)
        self.copy = certificate_copy_request(certificate=certificate, user=self.applicant)
        drain_task_queue()
        self.copy.refresh_from_db()

    def test_it_measures_each_page_beside_the_bare_view(self):
        pages = public_pages(self.copy)
        rates = requests_per_second(pages, seconds=0.2, rounds=1)
        self.assertEqual(set(rates), {"bare", *(p.label for p in pages)})
        self.assertTrue(all(rate > 0 for rate in rates.values()))

    def test_it_prints_each_ratio_beside_its_goal(self):
        lines: list[str] = []
        bench_public_pages(self.copy, seconds=0.2, out=lines.append)
        self.assertIn("空视图", lines[1])
        self.assertIn("证书核验页", lines[2])
        self.assertIn("目标 ≥ 60%", lines[2])
        self.assertIn("目标 ≥ 30%", lines[3])
