"""保存并提交 a second through a real gunicorn (issue 14 measured it so: gunicorn, 4 workers,
DEBUG off), beside /healthz through the same server with the same clients in the same run.

Each person's draft is complete (`portal.bench.submit_drafts`); each client thread is one
browser after another: it opens the person's edit page (not timed: the page the POST is sent
from), then posts 保存并提交 with the session and CSRF cookies and token a browser sends, and
every tenth POST again at once (a double click). The POSTs run from several threads at once,
so the server's workers and the database take them in parallel, as they would from many
people."""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse

from accounts.models import User
from cases.models import Case
from portal.bench_memory import HOST, Session, free_port, running, session_cookie, wait_for_web

WORKERS = 4
CLIENTS = 8


def _post_form(session: Session, path: str, data: dict[str, Any]) -> int:
    body = urlencode(data, doseq=True).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    return session.request("POST", path, body, headers)[0]


def bench_submit_http(
    drafts: list[tuple[User, Case]],
    *,
    form: Callable[[Case], dict[str, Any]],
    out: Callable[[str], None],
) -> tuple[float, int]:
    """Submit every draft through gunicorn; returns (submits a second, replays sent)."""
    env = {**os.environ, "LOG_LEVEL": "ERROR"}
    env.setdefault("PROMETHEUS_MULTIPROC_DIR", str(Path(settings.VAR_DIR) / "bench" / "metrics"))
    Path(env["PROMETHEUS_MULTIPROC_DIR"]).mkdir(parents=True, exist_ok=True)
    port = free_port()
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    sessions = [(Session(port, session_cookie(person)), case) for person, case in drafts]
    errors: list[str] = []
    lock = threading.Lock()
    replays = 0

    def submit(item: tuple[Session, Case]) -> None:
        nonlocal replays
        session, case = item
        path = reverse("cases:edit", args=[case.pk])
        status = _post_form(session, path, form(case))
        again = None
        if case.pk % 10 == 0:  # a double click: the same POST at once
            again = _post_form(session, path, form(case))
        with lock:
            if status != 302 or again not in (None, 302):
                errors.append(f"{case.pk}: {status} {again}")
            replays += again is not None

    with running(
        [gunicorn, "portal.wsgi", "--bind", f"{HOST}:{port}", "--workers", str(WORKERS)], env
    ) as web:
        wait_for_web(port, web)
        with ThreadPoolExecutor(CLIENTS) as pool:
            # The pages the POSTs are sent from (and every worker warm), not timed.
            list(pool.map(lambda item: item[0].get(reverse("cases:edit", args=[item[1].pk])), sessions))
            start = time.perf_counter()
            list(pool.map(submit, sessions))
            elapsed = time.perf_counter() - start
            # The reference: /healthz through the same server and clients, as many requests.
            probe = Session(port, "bench=1")
            bare_start = time.perf_counter()
            statuses = list(pool.map(lambda _: probe.get("/healthz"), range(len(sessions) * 4)))
            bare = len(statuses) / (time.perf_counter() - bare_start)
    if errors:
        raise SystemExit(f"保存并提交（gunicorn）应答异常：{errors[:5]}")
    assert set(statuses) == {200}, statuses
    rate = len(sessions) / elapsed
    out(
        f"经 gunicorn（{WORKERS} 个工作进程，{CLIENTS} 个并发客户端，"
        f"{len(sessions)} 次，另重放 {replays} 次）："
        f"每秒 {rate:.0f} 次提交；参照：同一服务器、同样客户端的 /healthz 每秒 {bare:.0f} 次"
        f"（提交为其 {rate / bare:.0%}）"
    )
    return rate, replays
