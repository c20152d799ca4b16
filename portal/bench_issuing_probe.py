"""Run by `portal.bench_issuing` in a process of its own, never imported by the portal:

    python -m portal.bench_issuing_probe fresh DATA
        a fresh worker: Django set up and `issuing.warm_up` as in `run_worker`, then the
        certificate in DATA (a pickled CertificateData) for ten holders one after another (each
        copy a new font subset), and the tenth holder's next copy; prints their durations in
        seconds as a JSON list;
    valgrind --tool=callgrind --instr-atstart=no python -m portal.bench_issuing_probe callgrind DATA N
        warmed by two copies, then three counted segments, each ended by a callgrind dump:
        nothing (what the dumping itself costs), N copies, N times the floor (two SM2
        signatures, SM3 of every file, the zip of the same files). The caller subtracts the
        first segment from the others.

The instrumentation is switched on and dumps are taken with `callgrind_control` on this very
process, which waits for it sleeping, so nearly nothing but the work is counted."""

from __future__ import annotations

import io
import json
import os
import pickle
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

# Ten holders of ordinary names and employers (neither the demo's 李娜 nor the preload's sample).
HOLDERS = (
    ("王建国", "沈阳市政建设集团有限公司"),
    ("刘秀英", "大连路桥工程有限公司"),
    ("陈志强", "鞍山钢构安装工程有限公司"),
    ("杨丽娟", "抚顺水利电力工程有限公司"),
    ("赵海波", "锦州建筑装饰工程有限公司"),
    ("黄晓明", "营口交通工程集团有限公司"),
    ("周佳怡", "丹东机电安装有限公司"),
    ("吴俊峰", "盘锦房地产开发有限公司"),
    ("孙雨涵", "铁岭建设监理咨询有限公司"),
    ("马宏伟", "朝阳第一建筑工程有限公司"),
)


def callgrind(*args: str) -> None:
    """Send a command to the callgrind running this process and wait till it is done."""
    command = subprocess.Popen(  # noqa: S603 - valgrind's own tool, fixed arguments
        ["callgrind_control", *args, str(os.getpid())],  # noqa: S607 - valgrind's tools are on PATH
        stdout=subprocess.DEVNULL,
    )
    while command.poll() is None:
        time.sleep(0.002)


def main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()
    from certificates import issuing
    from certificates.crypto import get_signer, sm3
    from certificates.ofd import zip_package

    mode, path = argv[1], argv[2]
    with open(path, "rb") as f:
        data = pickle.load(f)  # noqa: S301 - written by the benchmark that started this process

    def copy_of(holder: Any, i: int) -> bytes:
        return issuing.sealed_ofd(
            replace(holder, verify_url=f"{holder.verify_url}?probe={i}"), when=datetime.now(UTC)
        )

    def copy(i: int) -> bytes:
        return copy_of(data, i)

    if mode == "fresh":
        issuing.warm_up()  # as run_worker does
        # Ten holders one after another, as a worker meets them: each copy draws a set of
        # characters of its own (a new font subset), none of them the preload's sample.
        durations = []
        for i, (name, employer) in enumerate(HOLDERS):
            holder = replace(data, name=name, employer=employer)
            start = time.perf_counter()
            copy_of(holder, i)
            durations.append(time.perf_counter() - start)
        # Then the tenth holder's next copy: the same characters, its subsets cached.
        start = time.perf_counter()
        copy_of(holder, 10)
        durations.append(time.perf_counter() - start)
        print(json.dumps(durations))
        return

    count = int(argv[3])
    with zipfile.ZipFile(io.BytesIO(copy(0))) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    signer = get_signer()

    def floor(i: int) -> Any:
        for content in files.values():
            sm3(content)
        digest = sm3(files["Doc_0/Signs/Sign_0/Signature.xml"] + bytes([i % 256]))
        signer.sign(digest)
        signer.sign(digest[::-1])
        return zip_package(files)

    steps: list[Callable[[int], Any]] = [copy, floor]
    for step in steps:
        step(1)
    callgrind("-i", "on")
    callgrind("-d")  # from here on, every segment ends with the same dump
    callgrind("-d")
    for step in steps:
        for i in range(count):
            step(i + 2)
        callgrind("-d")
    sys.stdout.flush()
    os._exit(0)  # the interpreter's shutdown is not part of any segment


if __name__ == "__main__":
    main(sys.argv)
