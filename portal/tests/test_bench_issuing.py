"""`make bench`'s issuing: the in-process figures come out beside their goal, and callgrind's
totals are read from its dump files (the benchmark itself is not a test)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.test import SimpleTestCase

from certificates.tests.helpers import ensure_keys
from certificates.tests.ofd_samples import certificate_data
from portal.bench_issuing import _callgrind_total, bench_in_process


class BenchIssuingTestCase(SimpleTestCase):
    def test_the_in_process_figures_come_out_beside_the_goal(self):
        ensure_keys()
        lines: list[str] = []

        bench_in_process(certificate_data(), runs=3, out=lines.append)

        self.assertIn("签发一份加注件（进程内，3 次）", lines[0])
        self.assertIn("目标：中位数 ≤ 8 ms", lines[0])
        self.assertEqual(len(lines), 6)  # the median, then each step's share

    def test_callgrinds_total_is_read_from_a_dump(self):
        with tempfile.TemporaryDirectory() as directory:
            dump = Path(directory) / "callgrind.out.3"
            dump.write_text("version: 1\ncmd: python\nevents: Ir\nsummary: 123\ntotals: 123456\n")
            self.assertEqual(_callgrind_total(dump), 123456)
