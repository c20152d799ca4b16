"""`make bench`, issuing one sealed 加注 copy (issue 14), beside its goals:

1. in this process, N copies after a warm-up: median and p95 (goal p50 ≤ 8 ms), and the share of
   each step (layout, font subsets, the rest of the OFD XML, signing, zip);
2. a fresh worker process (`portal.bench_issuing_probe fresh`), ten holders one after another:
   its first copy against its tenth (goal: the first no slower), and a holder's next copy;
3. instructions a copy by callgrind, which counts the same on a busy machine as on an idle one,
   beside the floor measured in the same process (two SM2 signatures, SM3 of every file, the zip
   of the same files): goal ≤ 2.5 × the floor (`portal.bench_issuing_probe callgrind`)."""

from __future__ import annotations

import json
import os
import pickle
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any
from unittest import mock

from django.conf import settings
from django.utils import timezone

from certificates import issuing, layout, signing
from certificates.document import CertificateData
from certificates.ofd import fonts
from certificates.ofd import writer as ofd_writer

GOAL_P50_SECONDS = 0.008
GOAL_FLOOR_RATIO = 2.5
# Copies (and floors) counted by callgrind: three keep the run under half a minute.
CALLGRIND_COPIES = 3


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def verdict(met: bool) -> str:
    return "达到" if met else "未达到"


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


def bench_issuing(data: CertificateData, *, runs: int, out: Callable[[str], None]) -> None:
    bench_in_process(data, runs=runs, out=out)
    with tempfile.TemporaryDirectory(prefix="bench-issuing-") as directory:
        path = Path(directory) / "data.pickle"
        path.write_bytes(pickle.dumps(data))
        bench_first_copy(path, out=out)
        bench_instructions(path, Path(directory), out=out)


def bench_in_process(data: CertificateData, *, runs: int, out: Callable[[str], None]) -> None:
    fonts.preload()
    for _ in range(5):  # warm whatever a running worker has warm
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
    median = statistics.median(durations)
    xml = totals["ofd"] - totals["layout"] - totals["fonts"]
    out(
        f"签发一份加注件（进程内，{runs} 次）：中位数 {median * 1000:.1f} ms，"
        f"p95 {percentile(durations, 0.95) * 1000:.1f} ms，最慢 {max(durations) * 1000:.1f} ms"
        f"（目标：中位数 ≤ {GOAL_P50_SECONDS * 1000:.0f} ms，{verdict(median <= GOAL_P50_SECONDS)}）"
    )
    for label, seconds in (
        ("版面排布（含二维码）", totals["layout"]),
        ("字体子集", totals["fonts"]),
        ("OFD XML 与图片", xml),
        ("签章（SM3 + SM2）", totals["signing"]),
        ("打包 zip", totals["zip"]),
    ):
        out(f"    {label:<16} {seconds / total * 100:5.1f}%   平均 {seconds / runs * 1000:.2f} ms")


def _probe(*args: str, wrapper: tuple[str, ...] = ()) -> str:
    result = subprocess.run(  # noqa: S603 - our own module with fixed arguments
        [*wrapper, sys.executable, "-m", "portal.bench_issuing_probe", *args],
        cwd=settings.BASE_DIR,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    return result.stdout


def bench_first_copy(path: Path, *, out: Callable[[str], None]) -> None:
    """Ten copies in a fresh process that preloaded its fonts as `run_worker` does."""
    durations = json.loads(_probe("fresh", str(path)).strip().splitlines()[-1])
    first, tenth, again = durations[0], durations[9], durations[10]
    rest = statistics.median(durations[1:10])
    out(
        f"新工作进程（run_worker 的预热后，十位持证人依次各一份）：第 1 份 {first * 1000:.1f} ms，"
        f"第 10 份 {tenth * 1000:.1f} ms，第 2～10 份中位数 {rest * 1000:.1f} ms"
        "（目标：第 1 份不慢于第 10 份；计时有噪声，按不超过"
        f"第 10 份与第 2～10 份中位数中较大者的 1.25 倍判断，{verdict(first <= 1.25 * max(tenth, rest))}）"
    )
    out(
        f"    第 10 位持证人紧接着的下一份（同样的字，字体子集已缓存）：{again * 1000:.1f} ms；"
        "上面进程内的中位数也是同一持证人反复签发"
    )


def _callgrind_total(path: Path) -> int:
    for line in path.read_text().splitlines():
        if line.startswith("totals:"):
            return int(line.split()[1])
    raise ValueError(f"no totals in {path}")


def bench_instructions(path: Path, directory: Path, *, out: Callable[[str], None]) -> None:
    """Instructions a copy and a floor by callgrind, each segment less an empty one."""
    if shutil.which("valgrind") is None or shutil.which("callgrind_control") is None:
        out("每份指令数：未测（没有 valgrind，见 scripts/system-packages.sh）")
        return
    stem = directory / "callgrind.out"
    start = time.perf_counter()
    _probe(
        "callgrind",
        str(path),
        str(CALLGRIND_COPIES),
        wrapper=(
            "valgrind",
            "--tool=callgrind",
            "--instr-atstart=no",
            f"--callgrind-out-file={stem}",
        ),
    )
    # Dump 1 is the switch-on, 2 the empty segment, 3 the copies, 4 the floors.
    empty, copies, floors = (_callgrind_total(Path(f"{stem}.{n}")) for n in (2, 3, 4))
    per_copy = (copies - empty) / CALLGRIND_COPIES
    per_floor = (floors - empty) / CALLGRIND_COPIES
    ratio = per_copy / per_floor
    out(
        f"每份指令数（callgrind，{CALLGRIND_COPIES} 份，{time.perf_counter() - start:.0f} s）："
        f"{per_copy / 1e6:.1f} M；下限（两次 SM2 签名 + 每个文件的 SM3 + 同样文件的 zip）"
        f"{per_floor / 1e6:.1f} M，{ratio:.2f} 倍（目标 ≤ {GOAL_FLOOR_RATIO} 倍，"
        f"{verdict(ratio <= GOAL_FLOOR_RATIO)}）"
    )
