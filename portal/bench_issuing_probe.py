"""Run by `portal.bench_issuing` in a process of its own, never imported by the portal:

    python -m portal.bench_issuing_probe fresh DATA
        a fresh worker: Django set up and `issuing.warm_up` as in `run_worker`, then ten copies
        of the certificate in DATA (a pickled CertificateData), each a new QR address, and an
        eleventh for another holder; prints their durations in seconds as a JSON list;
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

    def copy(i: int) -> bytes:
        return issuing.sealed_ofd(
            replace(data, verify_url=f"{data.verify_url}?probe={i}"), when=datetime.now(UTC)
        )

    if mode == "fresh":
        issuing.warm_up()  # as run_worker does
        durations = []
        for i in range(10):
            start = time.perf_counter()
            copy(i)
            durations.append(time.perf_counter() - start)
        # An eleventh for another holder, whose name and employer are new to this worker.
        other = replace(data, name="欧阳雯婧", employer="鞍山鑫磊钢构工程有限公司")
        start = time.perf_counter()
        issuing.sealed_ofd(other, when=datetime.now(UTC))
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
