"""`make bench`: how fast certificates are issued and verified. A benchmark, not a test: it
prints figures for a person to read and compares nothing.

It runs on its own database (scripts/bench.sh), gives the demo applicant 李娜 a granted
registration by approving her waiting case through the real services, then measures:

1. issuing one sealed 加注 copy in-process (`sealed_ofd`), N times: median and p95, and the
   share of each step (layout, font subsetting, the rest of the OFD XML, signing, zip);
2. the public verification page and the other public pages (home, search, 办事指南, 注册人员查询),
   through the whole Django stack in-process, beside a bare view measured in the same run, each
   with its share of the bare view's requests a second and its goal (`portal/bench_pages.py`);
3. 「加注」 click to download-ready with a real worker process polling the queue;
4. the 科室负责人's 统计分析 page over 100,000 cases written in bulk (`figures.history`),
   beside its goal and a reference page measured in the same run (ADR 0028)."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any
from unittest import mock

from django.conf import settings
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import StaffRole, User
from cases.models import Case, CaseStatus
from certificates import issuing, layout, signing
from certificates.models import (
    Certificate,
    CertificateCopy,
    CertificateSettings,
    CertificateStatus,
    CopyStatus,
)
from certificates.ofd import fonts
from certificates.ofd import writer as ofd_writer
from certificates.selectors import certificates_for_user
from certificates.services import certificate_copy_make, certificate_copy_request, verify_url
from figures.history import history_build
from lib.datacrypt import mobile_index
from portal.bench_pages import bench_public_pages
from review.services import case_accept, case_approve, case_review


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


@contextmanager
def timed_steps(totals: dict[str, float]) -> Iterator[None]:
    """Wrap the steps of issuing so their time adds up in `totals` (seconds)."""

    def wrap(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                totals[name] += time.perf_counter() - start

        return timed

    with (
        mock.patch("certificates.ofd.writer.compose", wrap("layout", layout.compose)),
        mock.patch("certificates.ofd.fonts.subset_font", wrap("fonts", fonts.subset_font)),
        mock.patch("certificates.issuing.build_ofd", wrap("ofd", ofd_writer.build_ofd)),
        mock.patch("certificates.issuing.ofd_sign", wrap("signing", signing.ofd_sign)),
        mock.patch("certificates.issuing.zip_package", wrap("zip", ofd_writer.zip_package)),
    ):
        yield


def granted_certificate() -> tuple[Certificate, User]:
    """李娜's certificate, approving her demo case first if that has not been done."""
    holder = User.objects.get(mobile_index=mobile_index("13800138002"), kind="person")
    case = Case.objects.filter(applicant=holder).order_by("id").first()
    if case is None:
        raise SystemExit("没有演示办件：请先运行 seed_demo")
    staff = {u.staff_role: u for u in User.objects.filter(kind="staff", department=case.department)}
    if case.status == CaseStatus.PENDING:
        case = case_accept(case=case, actor=staff[StaffRole.ACCEPTOR])
    if case.status == CaseStatus.REVIEWING:
        case = case_review(case=case, actor=staff[StaffRole.REVIEWER], opinion="性能测试：材料齐全")
    if case.status == CaseStatus.DECIDING:
        case = case_approve(case=case, actor=staff[StaffRole.DECIDER])
    certificate = certificates_for_user(user=holder).get(status=CertificateStatus.CURRENT)
    # The benchmark makes hundreds of copies a day; the province's daily limit is for people.
    CertificateSettings.objects.update_or_create(pk=1, defaults={"copies_per_day": 100_000})
    return certificate, holder


def fresh_copy(certificate: Certificate, holder: User) -> CertificateCopy:
    copy = certificate_copy_request(certificate=certificate, user=holder)
    certificate_copy_make(copy_id=copy.pk)
    copy.refresh_from_db()
    return copy


def bench_issuing(certificate: Certificate, holder: User, *, runs: int, out: Callable[[str], None]) -> None:
    copy = fresh_copy(certificate, holder)
    data = issuing.certificate_data(copy=copy, verify_url=verify_url(copy))
    fonts.preload()
    for _ in range(5):  # warm the glyph cache, as a running worker has it
        issuing.sealed_ofd(data, when=timezone.now())
    totals: dict[str, float] = defaultdict(float)
    durations: list[float] = []
    with timed_steps(totals):
        for i in range(runs):
            # A new QR address each time, as every real copy has.
            one = replace(data, verify_url=f"{data.verify_url}?bench={i}")
            start = time.perf_counter()
            issuing.sealed_ofd(one, when=timezone.now())
            durations.append(time.perf_counter() - start)
    total = sum(durations)
    xml = totals["ofd"] - totals["layout"] - totals["fonts"]
    out(
        f"签发一份加注件（进程内，{runs} 次）：中位数 {statistics.median(durations) * 1000:.1f} ms，"
        f"p95 {percentile(durations, 0.95) * 1000:.1f} ms，最慢 {max(durations) * 1000:.1f} ms"
    )
    for label, seconds in (
        ("版面排布（含二维码）", totals["layout"]),
        ("字体子集", totals["fonts"]),
        ("OFD XML 与图片", xml),
        ("签章（SM3 + SM2）", totals["signing"]),
        ("打包 zip", totals["zip"]),
    ):
        out(f"    {label:<16} {seconds / total * 100:5.1f}%   平均 {seconds / runs * 1000:.2f} ms")


def bench_click_to_ready(
    certificate: Certificate, holder: User, *, clicks: int, out: Callable[[str], None]
) -> None:
    env = dict(os.environ)
    worker = subprocess.Popen(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "run_worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(3)  # the worker starts and opens its fonts
        durations = []
        for _ in range(clicks):
            start = time.perf_counter()
            with transaction.atomic():
                copy = certificate_copy_request(certificate=certificate, user=holder)
            while True:
                copy.refresh_from_db(fields=["status"])
                if copy.status != CopyStatus.PENDING:
                    break
                if time.perf_counter() - start > 30:
                    raise SystemExit("工作进程 30 秒内没有完成加注")
                time.sleep(0.01)
            durations.append(time.perf_counter() - start)
    finally:
        worker.terminate()
        worker.wait(timeout=10)
    out(
        f"「加注」点击到可下载（工作进程运行中，{clicks} 次）："
        f"中位数 {statistics.median(durations) * 1000:.0f} ms，"
        f"p95 {percentile(durations, 0.95) * 1000:.0f} ms"
    )


# The statistics page's goal on this machine: the median of a page view (ADR 0028).
FIGURES_GOAL_SECONDS = 1.0


def _page_times(client: Client, url: str, *, runs: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU seconds of each of `runs` views of `url` (SQLite works in this
    process, so on a machine shared with other work the CPU time shows what the page costs)."""
    assert client.get(url).status_code == 200, url  # warm: templates, the calendar
    durations, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        durations.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        assert response.status_code == 200, url
    return durations, cpu


def bench_figures(*, cases: int, runs: int, out: Callable[[str], None]) -> None:
    leader = User.objects.get(username="kezhang")
    assert leader.department is not None
    start = time.perf_counter()
    made = history_build(department=leader.department, cases=cases)
    out(f"写入历史办件 {made} 件（bulk_create）：{time.perf_counter() - start:.1f} s")
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(leader)
    page, page_cpu = _page_times(client, reverse("figures:page"), runs=runs)
    # The reference: a page that reads next to nothing, through the same stack in the same run.
    bare, _ = _page_times(client, reverse("portal:help"), runs=runs)
    median = statistics.median(page)
    verdict = "达到" if median <= FIGURES_GOAL_SECONDS else "未达到"
    out(
        f"统计分析页（{Case.objects.count()} 件办件，近12个月，{runs} 次）："
        f"中位数 {median * 1000:.0f} ms，p95 {percentile(page, 0.95) * 1000:.0f} ms"
        f"（目标：中位数 ≤ {FIGURES_GOAL_SECONDS * 1000:.0f} ms，{verdict}）；"
        f"本进程 CPU 时间中位数 {statistics.median(page_cpu) * 1000:.0f} ms"
    )
    out(
        f"    参照：帮助手册页（同一进程、同一次运行）中位数 {statistics.median(bare) * 1000:.1f} ms，"
        f"p95 {percentile(bare, 0.95) * 1000:.1f} ms"
    )


def run(
    *,
    runs: int,
    clicks: int,
    out: Callable[[str], None],
    figures_cases: int = 100_000,
    only_figures: bool = False,
    only_pages: bool = False,
) -> None:
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    out(f"机器：{os.cpu_count()} 核；Python {sys.version.split()[0]}；数据库 {engine}")
    if only_figures:
        bench_figures(cases=figures_cases, runs=20, out=out)
        return
    certificate, holder = granted_certificate()
    if only_pages:
        bench_public_pages(fresh_copy(certificate, holder), seconds=12.0, out=out)
        return
    bench_issuing(certificate, holder, runs=runs, out=out)
    bench_public_pages(fresh_copy(certificate, holder), seconds=12.0, out=out)
    bench_click_to_ready(certificate, holder, clicks=clicks, out=out)
    bench_figures(cases=figures_cases, runs=20, out=out)
