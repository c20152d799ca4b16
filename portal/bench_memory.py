"""`make bench --only-memory` (issue 14): the resident memory of a web worker and of the task
worker, after warm-up and after a mixed load, beside the goals.

A real gunicorn with the project's gunicorn.conf.py (one worker, a free port) and a real
`run_worker` run against the bench database. Warm-up is what every worker sees first: the
ordinary pages for the web worker, one 加注 copy for the task worker. The load then mixes
ordinary pages, the public verification page, 打印申请表 and 证书 PDFs (WeasyPrint and the
picture copy), 证书预览, material uploads, verification uploads and 加注 clicks (each one a
copy the task worker makes), from signed-in sessions over HTTP as browsers send them.
Memory is VmRSS read from /proc: what `ps` and the issue call RSS."""

from __future__ import annotations

import http.client
import io
import os
import secrets
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.test import Client
from django.urls import reverse
from PIL import Image

from accounts.models import User
from cases.models import Case
from cases.types import required_materials
from certificates.models import Certificate, CertificateCopy, CopyStatus
from certificates.services import certificate_copy_request

HOST = "127.0.0.1"
WEB_GOAL_MB = 120
WORKER_GOAL_MB = 150
GROWTH_GOAL = 1.5  # after the load, at most this times the warm figure
COURSE_POINTS = 6  # RSS read this many times during the load
CSRF_TOKEN = "".join(secrets.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(32))


def _status_mb(pid: int, field: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} for {pid}")


def rss_mb(pid: int) -> float:
    """VmRSS of a process, in MB (MiB, as ps and top count)."""
    return _status_mb(pid, "VmRSS")


def file_mb(pid: int) -> float:
    """The part of RSS that is pages of mapped files (libraries, fonts): shared with every
    process that maps them, and given back by the kernel when memory runs short."""
    return _status_mb(pid, "RssFile")


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        port: int = s.getsockname()[1]
        return port


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


@dataclass
class Session:
    """One signed-in browser: its session cookie, and the CSRF cookie and token it sends."""

    port: int
    cookie: str

    def request(
        self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection(HOST, self.port, timeout=120)
        try:
            connection.request(
                method,
                path,
                body=body or None,
                headers={
                    "Host": HOST,
                    "Cookie": f"{self.cookie}; csrftoken={CSRF_TOKEN}",
                    "X-CSRFToken": CSRF_TOKEN,
                    "Accept": "text/html",
                    **(headers or {}),
                },
            )
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def get(self, path: str) -> int:
        return self.request("GET", path)[0]

    def post_file(self, path: str, field: str, name: str, data: bytes, mime: str, accept: str) -> int:
        boundary = "----bench" + secrets.token_hex(8)
        body = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{name}"\r\n'
                f"Content-Type: {mime}\r\n\r\n"
            ).encode()
            + data
            + f"\r\n--{boundary}--\r\n".encode()
        )
        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}", "Accept": accept}
        return self.request("POST", path, body, headers)[0]


def session_cookie(user: User | None) -> str:
    if user is None:
        return "bench=1"
    client = Client(HTTP_HOST=HOST)
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def _photo_jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (600, 800), (200, 210, 220)).save(out, "JPEG", quality=85)
    return out.getvalue()


@contextmanager
def running(args: list[str], env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen(  # noqa: S603 - our own programs with fixed arguments
        args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=settings.BASE_DIR
    )
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_for_web(port: int, master: subprocess.Popen[bytes]) -> int:
    """The gunicorn worker's pid, once it answers."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if master.poll() is not None:
            raise SystemExit("gunicorn 未能启动")
        try:
            if Session(port, "bench=1").get("/healthz") == 200:
                workers = _children(master.pid)
                if workers:
                    return workers[0]
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("gunicorn 60 秒内没有应答")


def _copy_ready(copy_id: int, *, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = CertificateCopy.objects.values_list("status", flat=True).get(pk=copy_id)
        if status != CopyStatus.PENDING:
            return
        time.sleep(0.05)
    raise SystemExit("工作进程 60 秒内没有完成加注")


def _verdict(value: float, goal: float) -> str:
    return "达到" if value <= goal else "未达到"


def bench_memory(
    *,
    certificate: Certificate,
    holder: User,
    upload_case: Case,
    uploader: User,
    requests: int,
    seconds: float,
    out: Callable[[str], None],
) -> None:
    env = {
        **os.environ,
        # The load sends hundreds of verification uploads from one address.
        "RATE_LIMITS": "verify_upload.client=1000000/60,verify_upload.site=1000000/60",
        "PROMETHEUS_MULTIPROC_DIR": str(Path(settings.VAR_DIR) / "bench" / "metrics"),
        "LOG_LEVEL": "ERROR",
    }
    Path(env["PROMETHEUS_MULTIPROC_DIR"]).mkdir(parents=True, exist_ok=True)
    port = free_port()
    python = sys.executable
    gunicorn = str(Path(python).with_name("gunicorn"))
    manage = str(Path(settings.BASE_DIR) / "manage.py")
    sealed = next(c for c in CertificateCopy.objects.filter(status=CopyStatus.READY).order_by("-pk"))
    with sealed.file.open("rb") as f:
        ofd = f.read()
    material = required_materials(item=upload_case.item, form_data=upload_case.form_data)[0]
    photo = _photo_jpeg()
    person = Session(port, session_cookie(holder))
    applicant = Session(port, session_cookie(uploader))
    public = Session(port, "bench=1")
    holder_case = Case.objects.filter(applicant=holder).order_by("id").first()
    assert holder_case is not None
    first = certificate.copies.filter(status=CopyStatus.READY).order_by("-pk").first()
    assert first is not None
    verify_path = reverse("certificates:verify", args=[first.token])

    ordinary: list[tuple[str, Callable[[], int]]] = [
        ("首页", lambda: public.get("/")),
        ("搜索", lambda: public.get("/catalog/search/?" + urlencode({"q": "二建"}))),
        ("核验页", lambda: public.get(verify_path)),
        ("我的办件", lambda: person.get(reverse("cases:mine"))),
        ("我的证照", lambda: person.get(reverse("certificates:mine"))),
        ("办件详情", lambda: person.get(reverse("cases:detail", args=[holder_case.pk]))),
    ]
    heavy: list[tuple[str, Callable[[], int]]] = [
        ("打印申请表 PDF", lambda: person.get(reverse("cases:print", args=[holder_case.pk]))),
        ("证书预览", lambda: person.get(reverse("certificates:preview", args=[certificate.pk]))),
        ("证书 PDF", lambda: person.get(reverse("certificates:pdf", args=[certificate.pk]))),
        (
            "材料上传",
            lambda: applicant.post_file(
                reverse("cases:upload", args=[upload_case.pk, material.code]),
                "file",
                "photo.jpg",
                photo,
                "image/jpeg",
                "application/json",
            ),
        ),
        (
            "核验上传",
            lambda: public.post_file(
                reverse("certificates:verify_upload"), "file", "copy.ofd", ofd, "application/ofd", "text/html"
            ),
        ),
        (
            "加注",
            lambda: person.request(
                "POST",
                reverse("certificates:annotate", args=[certificate.pk]),
                headers={"Accept": "application/json"},
            )[0],
        ),
    ]
    # Of every 20 requests: 12 ordinary pages, and each heavy kind once or twice.
    mix = [
        *ordinary,
        *ordinary,
        heavy[0],
        heavy[1],
        heavy[1],
        heavy[2],
        heavy[3],
        heavy[3],
        heavy[4],
        heavy[5],
    ]

    with (
        running([gunicorn, "portal.wsgi", "--bind", f"{HOST}:{port}", "--workers", "1"], env) as web,
        running([python, manage, "run_worker"], env) as worker,
    ):
        web_pid = wait_for_web(port, web)
        for _ in range(20):
            for _label, call in ordinary:
                call()
        web_warm, web_warm_files = rss_mb(web_pid), file_mb(web_pid)
        copy = certificate_copy_request(certificate=certificate, user=holder)
        _copy_ready(copy.pk)
        worker_warm, worker_warm_files = rss_mb(worker.pid), file_mb(worker.pid)
        out(
            f"内存（VmRSS）：Web 工作进程（gunicorn，gunicorn.conf.py，1 个工作进程）预热后 {web_warm:.0f} MB"
            f"（目标 ≤ {WEB_GOAL_MB} MB，{_verdict(web_warm, WEB_GOAL_MB)}）；"
            f"任务工作进程（run_worker）加注一份后 {worker_warm:.0f} MB"
            f"（目标 ≤ {WORKER_GOAL_MB} MB，{_verdict(worker_warm, WORKER_GOAL_MB)}）"
        )
        statuses: dict[str, Counter[int]] = {}
        spent: dict[str, float] = {}
        # RSS through the load: whether it levels off, not only where it ends.
        course: list[tuple[int, float, float]] = []
        start = time.monotonic()
        done = 0
        while done < requests and time.monotonic() - start < seconds:
            label, call = mix[done % len(mix)]
            began = time.monotonic()
            statuses.setdefault(label, Counter())[call()] += 1
            spent[label] = spent.get(label, 0.0) + time.monotonic() - began
            done += 1
            if began - start >= (len(course) + 1) * seconds / COURSE_POINTS:
                course.append((done, rss_mb(web_pid), rss_mb(worker.pid)))
        elapsed = time.monotonic() - start
        pending = list(CertificateCopy.objects.filter(status=CopyStatus.PENDING).values_list("pk", flat=True))
        for pk in pending:
            _copy_ready(pk, timeout=120)
        web_after, worker_after = rss_mb(web_pid), rss_mb(worker.pid)
        files = {"web": (file_mb(web_pid)), "worker": file_mb(worker.pid)}
    scaled = "" if done >= requests else f"；按约 {seconds:.0f} 秒的时限从 {requests} 次缩为 {done} 次"
    out(
        f"    混合负载 {done} 次请求（{elapsed:.0f} s{scaled}）："
        + "，".join(f"{label} {sum(c.values())}" for label, c in statuses.items())
    )
    out(
        "    每类平均用时："
        + "，".join(
            f"{label} {spent[label] / sum(c.values()) * 1000:.1f} ms" for label, c in statuses.items()
        )
    )
    out(
        "    负载中的 RSS（请求数：Web / 任务工作进程）："
        + "，".join(f"{n} 次 {web:.0f} / {task:.0f} MB" for n, web, task in course)
    )
    out(
        "    各类应答状态："
        + "；".join(
            f"{label} " + "/".join(f"{s}×{n}" for s, n in sorted(c.items())) for label, c in statuses.items()
        )
    )
    for who, warm, after, goal, (warm_files, after_files) in (
        ("Web 工作进程", web_warm, web_after, WEB_GOAL_MB, (web_warm_files, files["web"])),
        ("任务工作进程", worker_warm, worker_after, WORKER_GOAL_MB, (worker_warm_files, files["worker"])),
    ):
        ratio = after / warm
        out(
            f"    {who}：负载后 {after:.0f} MB，为预热后的 {ratio:.2f} 倍"
            f"（目标 ≤ {GROWTH_GOAL} 倍，即 ≤ {warm * GROWTH_GOAL:.0f} MB，{_verdict(ratio, GROWTH_GOAL)}；"
            f"按目标值计 ≤ {goal * GROWTH_GOAL:.0f} MB，{_verdict(after, goal * GROWTH_GOAL)}）；"
            f"其中映射文件页（库、字体文件，各进程共享，内存紧张时可回收）预热后 {warm_files:.0f} MB、"
            f"负载后 {after_files:.0f} MB"
        )
