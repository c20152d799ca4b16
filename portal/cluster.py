"""`make cluster-test`: the several-host design, run on loopback as docs/operations.md deploys it.

Started here, each a process of its own: moto's S3 server, two gunicorn app servers with the
same environment (a PostgreSQL database `cluster_test_<pid>` of this run, dropped at its end, a
Redis server of its own on a free port, the bucket on moto,
one SECRET_KEY, key files made once with `certificate_keys --create` and shared), one worker,
one `run_periodic`, and nginx with a configuration made from deploy/nginx/lnzwfw.conf.

Through nginx, as people would use it:
1. a session made on one app server is used on the other;
2. the demo applicant 张三 logs in, fills in an 初始注册, uploads every material (one of them a
   2.3 MB PDF, which nginx's default limit would refuse with 413) and submits;
3. the holder 王强 asks for a 加注 copy and downloads the .ofd, which comes from the bucket;
4. load: readers GET pages while load users save a draft (retried with the same token until
   acknowledged) and upload files, and the holder asks for copies; one app server is killed
   with SIGKILL half way through.
Then it checks that every acknowledged write is in the database exactly once, that no write
was made twice, that every file a row names is in the bucket, that every copy was made, and
that no idempotent read failed (nginx must retry those on the other server; a read whose
answer had already begun when its server died cannot be retried and is only reported). It
prints the failed requests (those nginx could not retry: POSTs in flight on the killed server,
reads cut mid-answer) and the time. A failure says what went wrong and where the logs are."""

from __future__ import annotations

import io
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import timedelta
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import urllib3

from lib.datacrypt import blind_index_key_new, data_key_new
from lib.keyring import keyring_entry_make

ROOT = Path(__file__).resolve().parent.parent
SITE_FILE = ROOT / "deploy" / "nginx" / "lnzwfw.conf"
# The error pages nginx answers itself (413, 502, 504), read from the checkout.
ERROR_PAGES_DIR = ROOT / "deploy" / "nginx" / "errors"
VENV_BIN = Path(sys.executable).parent
# This run's own: two runs at once (two checkouts, CI beside a person) must not share them.
DATABASE = f"cluster_test_{os.getpid()}"
POSTGRES = "postgresql://postgres@127.0.0.1:5432"
BUCKET = "cluster-test"
BIG_UPLOAD_BYTES = 2_300_000
LOAD_SECONDS = 12.0
KILL_AFTER_SECONDS = 4.0
LOAD_USERS = 3
READERS = 3


class ClusterFailure(Exception):
    """What went wrong, in words for whoever reads the CI log."""


STARTED = time.monotonic()


def say(text: str) -> None:
    print(f"[集群测试 +{time.monotonic() - STARTED:5.1f}s] {text}", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


# --- nginx: the deploy file, pointed at loopback ---------------------------------------------


def _replace_once(pattern: str, replacement: str, text: str, what: str) -> str:
    new, count = re.subn(pattern, replacement, text, count=1, flags=re.MULTILINE)
    if count != 1:
        raise ClusterFailure(
            f"{SITE_FILE.relative_to(ROOT)} 中找不到{what}（模式 {pattern!r}）："
            "站点文件改了结构，请同时更新 portal/cluster.py 的 nginx_site_for_test"
        )
    return new


def nginx_site_for_test(site: str, *, upstreams: Sequence[str], listen: str, access_log: Path) -> str:
    """deploy/nginx/lnzwfw.conf as the cluster test runs it: the same proxying, limits, headers
    and failover, with our app servers in the upstream, plain HTTP on `listen`, no TLS, no
    port-80 redirect, the error pages read from the checkout and the access log (in the site's
    own format) written to `access_log`. Everything else is used as written."""
    servers = "".join(f"    server {u} max_fails=2 fail_timeout=10s;\n" for u in upstreams)
    site = _replace_once(
        r"^(upstream portal_app \{\n)((?:\s*#.*\n)*)((?:    server .*\n)+)",
        rf"\1\2{servers}",
        site,
        "upstream 中的 server 行",
    )
    site = _replace_once(
        r"^server \{\n    listen 80;[\s\S]*?\n\}\n\n?", "", site, "80 端口跳转 HTTPS 的 server 段"
    )
    site = _replace_once(r"^    listen 443 ssl[^;]*;\n", f"    listen {listen};\n", site, "listen 443 ssl")
    site = _replace_once(r"^    listen \[::\]:443 ssl[^;]*;\n", "", site, "listen [::]:443 ssl")
    site = _replace_once(
        r"^        alias /etc/nginx/lnzwfw-errors/;\n",
        f"        alias {ERROR_PAGES_DIR}/;\n",
        site,
        "错误页目录 alias /etc/nginx/lnzwfw-errors/",
    )
    site = _replace_once(
        r"^(    access_log )/var/log/nginx/\S+( \w+;)$", rf"\g<1>{access_log}\g<2>", site, "access_log"
    )
    without_tls = re.sub(r"^    ssl_.*\n", "", site, flags=re.MULTILINE)
    if without_tls == site:
        raise ClusterFailure(f"{SITE_FILE.relative_to(ROOT)} 中找不到 ssl_ 指令：站点文件改了结构")
    return without_tls


def nginx_main_config(*, site_path: Path, run_dir: Path) -> str:
    """A whole nginx.conf in `run_dir` (pid, logs, temporary files) that includes the site."""
    # As root nginx's workers drop to an unprivileged user; they write request bodies to the
    # temporary directories, which are made writable for them.
    user = "user nobody nogroup;\n" if os.geteuid() == 0 else ""
    temp = "\n".join(
        f"    {kind}_temp_path {run_dir / ('nginx-' + kind)};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return (
        f"{user}daemon off;\nworker_processes 1;\npid {run_dir / 'nginx.pid'};\n"
        f"error_log {run_dir / 'nginx-error.log'} warn;\n"
        "events { worker_connections 256; }\n"
        "http {\n    include /etc/nginx/mime.types;\n    default_type application/octet-stream;\n"
        f"    access_log {run_dir / 'nginx-access.log'};\n{temp}\n    include {site_path};\n}}\n"
    )


def nginx_binary() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if found is None:
        raise ClusterFailure("找不到 nginx：请运行 scripts/system-packages.sh test（Debian 软件包 nginx）")
    return found


# --- processes ---------------------------------------------------------------------------------


@dataclass
class Processes:
    """Every process the test started, each in a session of its own so that killing one kills
    its children too (a gunicorn master and its workers, like a host going down)."""

    run_dir: Path
    env: dict[str, str]
    running: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def log(self, name: str) -> Path:
        return self.run_dir / f"{name}.log"

    def start(self, name: str, argv: Sequence[str]) -> subprocess.Popen[bytes]:
        with self.log(name).open("ab") as out:
            process = subprocess.Popen(  # noqa: S603 - fixed programs of this checkout
                list(argv),
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.running[name] = process
        return process

    def run(self, name: str, argv: Sequence[str], *, timeout: float = 240) -> None:
        """Run a one-off command to the end; its output goes to its log."""
        process, started = self.start(name, argv), time.monotonic()
        try:
            code = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise ClusterFailure(
                f"`{' '.join(argv[1:])}` 超过 {timeout:.0f} 秒未结束（日志 {self.log(name)}）"
            ) from None
        finally:
            self.running.pop(name, None)
        if code != 0:
            raise ClusterFailure(f"`{' '.join(argv[1:])}` 失败，退出码 {code}：\n{self.tail(name)}")
        say(f"{' '.join(Path(a).name for a in argv[1:3])}：{time.monotonic() - started:.1f} 秒")

    def kill9(self, name: str) -> None:
        process = self.running.pop(name)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def check_alive(self) -> None:
        for name, process in self.running.items():
            if process.poll() is not None:
                raise ClusterFailure(
                    f"进程 {name} 意外退出（退出码 {process.returncode}）：\n{self.tail(name)}"
                )

    def stop_all(self) -> None:
        for process in self.running.values():
            if process.poll() is None:
                with suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        for process in self.running.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self.running.clear()

    def tail(self, name: str, lines: int = 30) -> str:
        try:
            text = self.log(name).read_text("utf-8", errors="replace")
        except FileNotFoundError:
            return "（无日志）"
        return "\n".join("    " + line for line in text.splitlines()[-lines:])


def wait_until(what: str, check: Callable[[], bool], *, timeout: float, processes: Processes) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        processes.check_alive()
        try:
            if check():
                return
        except (OSError, urllib3.exceptions.HTTPError):
            pass
        time.sleep(0.2)
    raise ClusterFailure(f"{timeout:.0f} 秒内{what}")


# --- HTTP: a browser of our own, counting what failed ------------------------------------------


@dataclass
class Outcome:
    method: str
    path: str
    status: int | None  # None: no answer at all
    at: float
    note: str = ""


@dataclass
class Tally:
    """Every request the test made, for the figures and for the reasons of failures."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    outcomes: list[Outcome] = field(default_factory=list)

    def add(self, outcome: Outcome) -> None:
        with self.lock:
            self.outcomes.append(outcome)

    def failed(self, *, methods: set[str] | None = None) -> list[Outcome]:
        with self.lock:
            return [
                o
                for o in self.outcomes
                if (o.status is None or o.status >= 500) and (methods is None or o.method in methods)
            ]


# A read whose answer had begun when its app server was killed: nginx had already sent the
# status and part of the body, so it could not hand the request to the other server, and it
# closes the connection instead (「upstream prematurely closed connection while reading
# upstream」). No balancer can mend that; a browser shows a broken page and the user reloads.
# Reported among the failed requests, but not counted against nginx's duty to retry reads
# that had no answer yet.
CUT_MID_ANSWER = "（应答中途被切断）"


def _cut_mid_answer(error: urllib3.exceptions.HTTPError) -> bool:
    text = str(error)
    return isinstance(error, urllib3.exceptions.ProtocolError) and (
        "IncompleteRead" in text or "InvalidChunkLength" in text or "Connection broken" in text
    )


class Browser:
    """Cookies, the CSRF token and multipart posts, like a browser; redirects are not
    followed so that each answer can be judged. All hosts are 127.0.0.1, so one cookie jar
    serves the balancer and both app servers, as one browser would across a real domain."""

    def __init__(self, base: str, tally: Tally, pool: urllib3.PoolManager) -> None:
        self.base = base
        self.tally = tally
        self.pool = pool
        self.cookies: dict[str, str] = {}

    def request(
        self,
        method: str,
        path: str,
        *,
        base: str | None = None,
        fields: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        multipart: bool = False,
    ) -> urllib3.BaseHTTPResponse | None:
        url = (base or self.base) + path
        sent = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()), **(headers or {})}
        if method == "POST":
            sent["X-CSRFToken"] = self.cookies.get("csrftoken", "")
            sent["Referer"] = url
        try:
            if method == "POST" and multipart:
                response = self.pool.request(
                    method, url, fields=dict(fields or {}), headers=sent, redirect=False, timeout=60
                )
            elif method == "POST":
                response = self.pool.request(
                    method, url, fields=list(_pairs(fields or {})), headers=sent, redirect=False,
                    encode_multipart=False, timeout=60,
                )  # fmt: skip
            else:
                response = self.pool.request(method, url, headers=sent, redirect=False, timeout=60)
        except urllib3.exceptions.HTTPError as e:
            note = type(e).__name__
            if _cut_mid_answer(e):
                note += CUT_MID_ANSWER
            self.tally.add(Outcome(method, path, None, time.monotonic(), note=note))
            return None
        for header in response.headers.getlist("Set-Cookie"):
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        self.tally.add(Outcome(method, path, response.status, time.monotonic()))
        return response

    def get(self, path: str, *, base: str | None = None, expect: int = 200) -> urllib3.BaseHTTPResponse:
        response = self.request("GET", path, base=base)
        if response is None or response.status != expect:
            got = "没有应答" if response is None else f"{response.status}"
            raise ClusterFailure(f"GET {(base or self.base)}{path} 应为 {expect}，实际 {got}")
        return response

    def page(self, path: str, *, base: str | None = None) -> str:
        return self.get(path, base=base).data.decode("utf-8")

    def post(
        self,
        path: str,
        fields: Mapping[str, Any],
        *,
        multipart: bool = False,
        headers: Mapping[str, str] | None = None,
    ) -> urllib3.BaseHTTPResponse | None:
        return self.request("POST", path, fields=fields, multipart=multipart, headers=headers)

    def login(self, identifier: str, password: str, *, base: str | None = None) -> None:
        """Log in, trying again when the answer was lost (a login may be repeated safely:
        the server that got it may have been the one killed)."""
        got = ""
        for _ in range(3):
            if self.request("GET", "/accounts/login/?kind=person", base=base) is None:  # the CSRF cookie
                continue
            response = self.request(
                "POST",
                "/accounts/login/",
                base=base,
                fields={"kind": "person", "identifier": identifier, "password": password},
            )
            if response is not None and response.status == 302:
                return
            got = "没有应答" if response is None else f"{response.status}"
            if response is not None and response.status < 500:
                break
        raise ClusterFailure(f"{identifier} 登录失败：应为 302，实际 {got}")


def _pairs(fields: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    for name, value in fields.items():
        for one in value if isinstance(value, list) else [value]:
            yield name, str(one)


def location(response: urllib3.BaseHTTPResponse) -> str:
    return str(response.headers.get("Location", ""))


# --- the deployment ------------------------------------------------------------------------------


@dataclass
class Cluster:
    processes: Processes
    nginx: str
    app: list[str]  # base URLs of the app servers, straight, bypassing nginx
    s3_endpoint: str


def environment(
    *, run_dir: Path, site_url: str, s3_endpoint: str, redis_url: str, nginx_port: int
) -> dict[str, str]:
    """One environment for every process, as deploy/portal.env.example lists it."""
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "LC_ALL", "TZ")}
    return {
        **keep,
        "SECRET_KEY": secrets.token_urlsafe(50),
        "AUDIT_KEY": keyring_entry_make("a1", length=32),
        # One set of data keys for every process of the cluster, as on real hosts.
        "DATA_KEY": data_key_new("c1"),
        "BLIND_INDEX_KEY": blind_index_key_new(),
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "CSRF_TRUSTED_ORIGINS": f"http://127.0.0.1:{nginx_port}",
        "SITE_URL": site_url,
        "DATABASE_URL": f"{POSTGRES}/{DATABASE}",
        "REDIS_URL": redis_url,
        "S3_BUCKET": BUCKET,
        "S3_ENDPOINT_URL": s3_endpoint,
        "S3_REGION": "us-east-1",
        "S3_ACCESS_KEY_ID": "cluster-test",
        "S3_SECRET_ACCESS_KEY": "cluster-test",
        "TRUSTED_PROXIES": "127.0.0.1",
        "VAR_DIR": str(run_dir / "var"),
        "STATIC_ROOT": str(run_dir / "static"),
        "CERT_KEY_DIR": str(run_dir / "keys"),
        "SMS_GATEWAY": "console",
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
        "DJANGO_SETTINGS_MODULE": "portal.settings",
    }


def database_recreate() -> None:
    import psycopg

    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {DATABASE}")


def database_drop() -> None:
    import psycopg

    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")


def redis_ready(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_timeout=1).ping())
    except redis.RedisError:
        return False


def s3_client(endpoint: str) -> Any:
    import boto3  # type: ignore[import-untyped]

    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="cluster-test",
        aws_secret_access_key="cluster-test",  # noqa: S106 - moto's, on loopback
    )


def http_ok(pool: urllib3.PoolManager, url: str) -> bool:
    return pool.request("GET", url, redirect=False, timeout=2, retries=False).status == 200


def cluster_start(processes: Processes, pool: urllib3.PoolManager) -> Cluster:
    run_dir = processes.run_dir
    ports = {name: free_port() for name in ("s3", "redis", "app1", "app2", "nginx")}
    nginx = f"http://127.0.0.1:{ports['nginx']}"
    s3_endpoint = f"http://127.0.0.1:{ports['s3']}"
    redis_url = f"redis://127.0.0.1:{ports['redis']}/0"
    env = environment(
        run_dir=run_dir,
        site_url=nginx,
        s3_endpoint=s3_endpoint,
        redis_url=redis_url,
        nginx_port=ports["nginx"],
    )
    os.environ.update(env)  # this process reads the same database, cache and bucket to check
    processes.env = env
    python, manage = str(VENV_BIN / "python"), str(ROOT / "manage.py")

    started = time.monotonic()
    database_recreate()
    redis_server = shutil.which("redis-server")
    if redis_server is None:
        raise ClusterFailure("找不到 redis-server：scripts/system-packages.sh dev 安装它")
    redis_options = ["--bind", "127.0.0.1", "--port", str(ports["redis"]), "--save", "", "--appendonly", "no"]
    processes.start("redis", [redis_server, *redis_options])
    wait_until("Redis 没有启动", lambda: redis_ready(redis_url), timeout=30, processes=processes)
    processes.start("s3", [str(VENV_BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(ports["s3"])])
    wait_until("moto 的 S3 服务没有启动", lambda: http_ok(pool, s3_endpoint), timeout=30, processes=processes)
    s3_client(s3_endpoint).create_bucket(Bucket=BUCKET)
    say(f"PostgreSQL 数据库 {DATABASE}、Redis（端口 {ports['redis']}）、S3 桶 {BUCKET} 已就绪")

    # Once, on the first host (docs/operations.md): schema, keys, reference and demo data.
    processes.run("migrate", [python, manage, "migrate", "--noinput", "-v", "0"])
    processes.run("certificate_keys", [python, manage, "certificate_keys", "--create"])
    processes.run("seed_catalog", [python, manage, "seed_catalog"])
    processes.run("seed_demo", [python, manage, "seed_demo"])
    # On every host.
    processes.run("collectstatic", [python, manage, "collectstatic", "--noinput", "-v", "0"])
    processes.run("certificate_keys_check", [python, manage, "certificate_keys", "--check"])
    say(f"迁移、密钥、目录与演示数据：{time.monotonic() - started:.1f} 秒")

    app = []
    for name in ("app1", "app2"):
        bind = f"127.0.0.1:{ports[name]}"
        processes.start(
            name,
            [
                str(VENV_BIN / "gunicorn"),
                "portal.wsgi",
                "--bind",
                bind,
                "--workers",
                "2",
                "--timeout",
                "60",
                "--no-control-socket",
            ],
        )
        app.append(f"http://{bind}")
    processes.start("worker", [python, manage, "run_worker"])
    processes.start("periodic", [python, manage, "run_periodic"])

    site_path = run_dir / "lnzwfw.conf"
    site_path.write_text(
        nginx_site_for_test(
            SITE_FILE.read_text("utf-8"),
            upstreams=[a.removeprefix("http://") for a in app],
            listen=f"127.0.0.1:{ports['nginx']}",
            access_log=run_dir / "nginx-access.log",
        ),
        "utf-8",
    )
    conf = run_dir / "nginx.conf"
    conf.write_text(nginx_main_config(site_path=site_path, run_dir=run_dir), "utf-8")
    for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (run_dir / f"nginx-{kind}").mkdir(mode=0o777)
        (run_dir / f"nginx-{kind}").chmod(0o777)
    run_dir.chmod(0o755)
    binary = nginx_binary()
    test = subprocess.run(  # noqa: S603
        [binary, "-t", "-q", "-e", str(run_dir / "nginx-error.log"), "-c", str(conf)],
        capture_output=True,
        text=True,
        check=False,
    )
    if test.returncode != 0:
        raise ClusterFailure(f"nginx 不接受由 deploy/nginx/lnzwfw.conf 生成的配置：\n{test.stderr}")
    processes.start("nginx", [binary, "-e", str(run_dir / "nginx-error.log"), "-c", str(conf)])

    for base in [*app, nginx]:
        wait_until(
            f"{base} 没有应答 /healthz",
            lambda url=base + "/healthz": http_ok(pool, url),  # type: ignore[misc]
            timeout=60,
            processes=processes,
        )
    say(f"两台应用服务器、工作进程、周期维护和 nginx 已启动（{nginx}）")
    return Cluster(processes=processes, nginx=nginx, app=app, s3_endpoint=s3_endpoint)


# --- the journey ----------------------------------------------------------------------------------


def big_pdf(size: int) -> bytes:
    """A valid one-page PDF of about `size` bytes: its page content is a long comment."""
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, NameObject

    writer = PdfWriter()
    page = writer.add_blank_page(width=595, height=842)
    stream = DecodedStreamObject()
    line = b"% " + secrets.token_hex(36).encode() + b"\n"
    stream.set_data(line * max(1, size // len(line)))
    page[NameObject("/Contents")] = writer._add_object(stream)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def demo_image(*, photo: bool) -> bytes:
    from portal.demo import _demo_image

    return _demo_image(photo=photo)


def initial_form(item_pk: int) -> dict[str, Any]:
    from django.utils import timezone

    from portal.demo import demo_newcomers

    # An employer with no account on the portal (the newcomer enterprise of the demo's directory):
    # the manual's paper path, so the case reaches the department at 保存并提交. The demo
    # company has a verified account and would confirm online first (ADR 19).
    _, (company_name, company_uscc, _legal) = demo_newcomers()
    qualified = timezone.localdate().replace(day=1) - timedelta(days=365)
    return {
        "education": "本科",
        "major": "土木工程",
        "qualification_number": f"LN{qualified.year}000200",
        "qualification_specialties": ["10401001"],
        "qualification_date": qualified.isoformat(),
        "employer_name": company_name,
        "employer_uscc": company_uscc,
        "employer_contact": "王五",
        "employer_phone": "024-23447766",
        "specialties": ["10401001"],
        "continuing_education_hours": "",
        "submit_method": "online",
    }


def initial_item_pk() -> int:
    from catalog.models import ServiceItem
    from catalog.registration_types import RegistrationType

    return ServiceItem.objects.get(matter__code="ejjzs-zgrd", code=RegistrationType.INITIAL).pk


def upload(browser: Browser, case_pk: int, code: str, name: str, data: bytes, mime: str) -> bool:
    """Upload one file; True when the portal said it took it (the acknowledgement)."""
    response = browser.post(
        f"/cases/{case_pk}/materials/{code}/", {"file": (name, data, mime)}, multipart=True
    )
    if response is None or response.status != 302:
        return False
    back = browser.request("GET", f"/cases/{case_pk}/edit/")
    return back is not None and back.status == 200 and "上传成功" in back.data.decode("utf-8")


def journey_sessions_cross_servers(cluster: Cluster, tally: Tally, pool: urllib3.PoolManager) -> None:
    from portal.demo import APPLICANT_PASSWORD

    browser = Browser(cluster.nginx, tally, pool)
    browser.login("13800138000", APPLICANT_PASSWORD, base=cluster.app[0])
    profile = browser.page("/accounts/profile/", base=cluster.app[1])
    if "张三" not in profile:
        raise ClusterFailure(
            "在应用服务器1登录后，应用服务器2不认这个会话：会话没有放在共享的数据库/Redis 中"
        )
    say("会话跨服务器：在应用服务器1登录，在应用服务器2继续")


def journey_apply(cluster: Cluster, tally: Tally, pool: urllib3.PoolManager) -> int:
    from cases.models import Case, CaseStatus
    from catalog.models import ServiceItem
    from portal.demo import APPLICANT_PASSWORD

    browser = Browser(cluster.nginx, tally, pool)
    browser.login("13800138000", APPLICANT_PASSWORD)
    item = ServiceItem.objects.get(pk=initial_item_pk())
    browser.page(f"/cases/start/{item.pk}/")
    form = {**initial_form(item.pk), "client_token": str(uuid.uuid4())}
    saved = browser.post(f"/cases/start/{item.pk}/", form)
    match = re.fullmatch(r"/cases/(\d+)/edit/", location(saved) if saved else "")
    if saved is None or saved.status != 302 or match is None:
        raise ClusterFailure(
            f"张三保存申请表失败：{saved.status if saved else '没有应答'} {location(saved) if saved else ''}"
        )
    case_pk = int(match.group(1))
    big_done = False
    for material in item.materials.filter(required=True):
        if material.kind == "image":
            data, name, mime = demo_image(photo=material.code == "photo"), f"{material.code}.png", "image/png"
        elif not big_done:
            data, name, mime = big_pdf(BIG_UPLOAD_BYTES), "扫描件-2.3MB.pdf", "application/pdf"
            big_done = True
        else:
            data, name, mime = big_pdf(20_000), f"{material.code}.pdf", "application/pdf"
        response = browser.post(
            f"/cases/{case_pk}/materials/{material.code}/", {"file": (name, data, mime)}, multipart=True
        )
        if response is not None and response.status == 413:
            raise ClusterFailure(
                f"nginx 以 413 拒绝了 {len(data) / 1e6:.1f} MB 的上传："
                "deploy/nginx/lnzwfw.conf 的 client_max_body_size 太小"
            )
        page = browser.page(f"/cases/{case_pk}/edit/")
        if response is None or response.status != 302 or f"“{material.name}”上传成功" not in page:
            raise ClusterFailure(
                f"张三上传“{material.name}”（{len(data)} 字节）失败："
                f"{response.status if response else '没有应答'}"
            )
    if not big_done:
        raise ClusterFailure("初始注册没有要求 PDF 材料：2.3 MB 的上传无处可传，请改 portal/cluster.py")
    submitted = browser.post(f"/cases/{case_pk}/edit/", {**initial_form(item.pk), "action": "submit"})
    if submitted is None or location(submitted) != f"/cases/{case_pk}/receipt/":
        page = browser.page(f"/cases/{case_pk}/edit/")
        errors = re.findall(r'class="[^"]*(?:error|errorlist|alert)[^"]*"[^>]*>(.*?)<', page)
        raise ClusterFailure(
            f"张三提交申请失败：{submitted.status if submitted else '没有应答'}；页面提示：{errors[:5]}"
        )
    case = Case.objects.get(pk=case_pk)
    if case.status != CaseStatus.PENDING or not case.number:
        raise ClusterFailure(
            f"张三的办件提交后状态为 {case.status}、编号 {case.number!r}，应为待受理且有编号"
        )
    say(f"张三经 nginx 上传了 2.3 MB 的材料并提交了申请（办件编号 {case.number}）")
    return case_pk


def holder_certificate_pk() -> int:
    from accounts.models import User
    from certificates.models import CertificateSettings, CertificateStatus
    from certificates.selectors import certificates_for_user
    from lib.datacrypt import mobile_index

    holder = User.objects.get(mobile_index=mobile_index("13800138003"), kind="person")
    # The load phase asks for many copies; the daily limit is for people.
    CertificateSettings.objects.update_or_create(pk=1, defaults={"copies_per_day": 10_000})
    return certificates_for_user(user=holder).get(status=CertificateStatus.CURRENT).pk


def copy_request(browser: Browser, cert_pk: int) -> int | None:
    """「加注」: the copy's id when the portal acknowledged it."""
    response = browser.post(f"/certificates/{cert_pk}/annotate/", {}, headers={"Accept": "application/json"})
    if response is None or response.status != 200:
        return None
    answer = json.loads(response.data)
    return int(answer["copy_id"]) if answer.get("ok") else None


def journey_copy(cluster: Cluster, tally: Tally, pool: urllib3.PoolManager) -> Browser:
    from certificates.models import CertificateCopy
    from portal.demo import APPLICANT_PASSWORD

    browser = Browser(cluster.nginx, tally, pool)
    browser.login("13800138003", APPLICANT_PASSWORD)
    cert_pk = holder_certificate_pk()
    if str(cert_pk) not in browser.page("/certificates/mine/"):
        raise ClusterFailure("王强的“我的证照”页没有他的证书")
    copy_pk = copy_request(browser, cert_pk)
    if copy_pk is None:
        raise ClusterFailure("王强的加注请求没有被受理")
    from certificates.models import CopyStatus

    deadline, status = time.monotonic() + 60, {}
    while time.monotonic() < deadline:
        status = json.loads(browser.get(f"/certificates/copies/{copy_pk}/status/").data)
        if status["status"] != CopyStatus.PENDING:
            break
        time.sleep(0.3)
    if status.get("download_url") is None:
        raise ClusterFailure(
            f"加注件 60 秒内没有生成（工作进程日志 {cluster.processes.log('worker')}）：{status}"
        )
    ofd = browser.get(status["download_url"]).data
    stored = CertificateCopy.objects.get(pk=copy_pk).file.name
    in_bucket = s3_client(cluster.s3_endpoint).get_object(Bucket=BUCKET, Key=stored)["Body"].read()
    if not ofd.startswith(b"PK") or ofd != in_bucket:
        raise ClusterFailure(f"下载的 .ofd（{len(ofd)} 字节）与桶中的 {stored}（{len(in_bucket)} 字节）不同")
    say(f"王强加注并下载了 .ofd（{len(ofd)} 字节，与对象存储中的 {stored} 一致）")
    return browser


# --- load, with one app server killed -------------------------------------------------------------


@dataclass
class Writes:
    """What the portal acknowledged, and what was tried without an answer."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    drafts: dict[str, int] = field(default_factory=dict)  # client token -> user pk
    uploads_acknowledged: dict[str, int] = field(default_factory=dict)  # file name -> case pk
    uploads_tried: dict[str, int] = field(default_factory=dict)
    copies: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def load_users_create() -> list[tuple[str, int]]:
    """Verified 自然人 for the load, as after 注册 (mobile, pk)."""
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from accounts.models import IdType, KnownIdentity, User, UserKind, person_username_new
    from lib.idcard import id_number_check_char
    from portal.demo import APPLICANT_PASSWORD

    users = []
    for n in range(LOAD_USERS):
        first17 = f"21010419900201{n + 100:03d}"
        number = first17 + id_number_check_char(first17)
        name, mobile = f"负载{'甲乙丙丁戊己庚辛'[n]}", f"1390000{n:04d}"
        KnownIdentity.objects.create(name=name, id_type=IdType.RESIDENT, id_number=number)
        user = User.objects.create(
            username=person_username_new(), password=make_password(APPLICANT_PASSWORD),
            kind=UserKind.PERSON, name=name, id_type=IdType.RESIDENT, id_number=number, mobile=mobile,
            real_name_verified_at=timezone.now(),
        )  # fmt: skip
        users.append((mobile, user.pk))
    return users


def writer_thread(
    cluster: Cluster,
    tally: Tally,
    pool: urllib3.PoolManager,
    writes: Writes,
    mobile: str,
    stop: threading.Event,
) -> None:
    from catalog.models import ServiceItem
    from portal.demo import APPLICANT_PASSWORD

    try:
        browser = Browser(cluster.nginx, tally, pool)
        browser.login(mobile, APPLICANT_PASSWORD)
        item = ServiceItem.objects.get(pk=initial_item_pk())
        material = item.materials.exclude(kind="image").first()
        assert material is not None
        token = str(uuid.uuid4())
        case_pk = None
        while case_pk is None and not stop.is_set():
            # The same form posted again (the same token) after no answer: never a second draft.
            saved = browser.post(f"/cases/start/{item.pk}/", {**initial_form(item.pk), "client_token": token})
            match = re.fullmatch(r"/cases/(\d+)/edit/", location(saved) if saved else "")
            if match:
                case_pk = int(match.group(1))
        with writes.lock:
            writes.drafts[token] = case_pk or 0
        n = 0
        while case_pk and not stop.is_set():
            n += 1
            name = f"负载-{mobile}-{n}.pdf"
            with writes.lock:
                writes.uploads_tried[name] = case_pk
            if upload(browser, case_pk, material.code, name, big_pdf(30_000), "application/pdf"):
                with writes.lock:
                    writes.uploads_acknowledged[name] = case_pk
            browser.request("GET", "/cases/mine/")
    except Exception as e:  # reported by the main thread, which fails the run
        with writes.lock:
            writes.errors.append(f"负载用户 {mobile}：{type(e).__name__}: {e}")


def reader_thread(browser: Browser, paths: Sequence[str], stop: threading.Event) -> None:
    n = 0
    while not stop.is_set():
        browser.request("GET", paths[n % len(paths)])
        n += 1


def copier_thread(browser: Browser, cert_pk: int, writes: Writes, stop: threading.Event) -> None:
    while not stop.is_set():
        copy_pk = copy_request(browser, cert_pk)
        if copy_pk is not None:
            with writes.lock:
                writes.copies.append(copy_pk)
        browser.request("GET", "/certificates/mine/")
        stop.wait(1.0)


def load_with_a_kill(cluster: Cluster, tally: Tally, pool: urllib3.PoolManager, holder: Browser) -> Writes:
    writes = Writes()
    stop = threading.Event()
    mobiles = [mobile for mobile, _ in load_users_create()]
    home = Browser(cluster.nginx, tally, pool).page("/")
    stylesheet = re.search(r'href="(/static/[^"]+\.css)"', home)
    reads = ["/", "/help/", "/catalog/departments/", "/catalog/matters/ejjzs-zgrd/", "/registry/query/"]
    if stylesheet:
        reads.append(stylesheet.group(1))
    cert_pk = holder_certificate_pk()
    threads = [
        threading.Thread(target=writer_thread, args=(cluster, tally, pool, writes, m, stop)) for m in mobiles
    ]
    threads += [
        threading.Thread(
            target=reader_thread, args=(Browser(cluster.nginx, tally, pool), reads[i:] + reads[:i], stop)
        )
        for i in range(READERS)
    ]
    threads.append(threading.Thread(target=copier_thread, args=(holder, cert_pk, writes, stop)))
    started = time.monotonic()
    for thread in threads:
        thread.start()
    time.sleep(KILL_AFTER_SECONDS)
    cluster.processes.kill9("app2")
    killed_at = time.monotonic()
    say(f"负载进行中：已用 SIGKILL 杀掉应用服务器2（{cluster.app[1]}）及其全部工作进程")
    time.sleep(max(0.0, LOAD_SECONDS - KILL_AFTER_SECONDS))
    stop.set()
    for thread in threads:
        thread.join(timeout=90)
    say(
        f"负载 {time.monotonic() - started:.1f} 秒：{len(tally.outcomes)} 个请求，"
        f"杀掉后 {time.monotonic() - killed_at:.1f} 秒"
    )
    return writes


# --- the checks -------------------------------------------------------------------------------------


def check_writes(cluster: Cluster, writes: Writes, tally: Tally, load_started: float) -> list[str]:
    from django.db.models import Count

    from cases.models import Attachment, Case
    from certificates.models import CertificateCopy, CopyStatus

    problems = list(writes.errors)
    for token, case_pk in writes.drafts.items():
        rows = list(Case.objects.filter(client_token=token).values_list("pk", flat=True))
        if rows != [case_pk]:
            problems.append(f"草稿（表单令牌 {token}）应正好一件（{case_pk}），数据库中是 {rows}")
    load_users = Case.objects.filter(client_token__in=list(writes.drafts)).values_list(
        "applicant_id", flat=True
    )
    for applicant, count in (
        Case.objects.filter(applicant_id__in=list(load_users))
        .values_list("applicant_id")
        .annotate(n=Count("pk"))
    ):
        if count != 1:
            problems.append(
                f"负载用户 {applicant} 应只有一件办件，数据库中有 {count} 件（同一表单被执行了两次）"
            )

    # The file names are stored encrypted (no lookup by value): the load's cases' files are read
    # and their names compared here.
    names = Counter(
        name
        for name in Attachment.objects.filter(case_id__in=set(writes.uploads_tried.values())).values_list(
            "display_name", flat=True
        )
        if name in writes.uploads_tried
    )
    for name in writes.uploads_acknowledged:
        if names.get(name, 0) != 1:
            problems.append(f"已确认的上传 {name} 在数据库中有 {names.get(name, 0)} 条，应正好 1 条")
    for name, count in names.items():
        if count > 1:
            problems.append(
                f"上传 {name} 在数据库中有 {count} 条：一次请求被执行了两次（nginx 不应重发已发出的 POST）"
            )

    deadline = time.monotonic() + 90
    while CertificateCopy.objects.filter(pk__in=writes.copies, status=CopyStatus.PENDING).exists():
        if time.monotonic() > deadline:
            problems.append("负载结束 90 秒后仍有加注件在排队：工作进程没有把它们做完")
            break
        time.sleep(0.5)
    copies = dict(CertificateCopy.objects.filter(pk__in=writes.copies).values_list("pk", "status"))
    for pk in writes.copies:
        if copies.get(pk) != CopyStatus.READY:
            problems.append(f"已确认的加注件 {pk} 状态为 {copies.get(pk)}，应为已完成")

    keys = bucket_keys(cluster.s3_endpoint)
    referenced = [a.file.name for a in Attachment.objects.all()] + [
        c.file.name for c in CertificateCopy.objects.exclude(file="")
    ]
    lost = [name for name in referenced if name not in keys]
    if lost:
        problems.append(f"{len(lost)} 个数据库记录指向的文件不在桶中，例如 {lost[:3]}")
    orphans = len(keys - set(referenced))
    failed_reads = [
        o
        for o in tally.failed(methods={"GET", "HEAD"})
        if o.at >= load_started and not o.note.endswith(CUT_MID_ANSWER)
    ]
    if failed_reads:
        listed = "；".join(f"{o.method} {o.path} → {o.status or o.note}" for o in failed_reads[:5])
        problems.append(f"{len(failed_reads)} 个只读请求失败，nginx 应把它们转给另一台：{listed}")
    say(
        f"核对：{len(writes.drafts)} 份草稿、{len(writes.uploads_acknowledged)}/{len(writes.uploads_tried)} "
        f"个上传得到确认、{len(writes.copies)} 份加注件；桶中 {len(keys)} 个对象，"
        f"数据库引用 {len(referenced)} 个，无记录引用的 {orphans} 个（被杀进程留下的，由清理任务处理）"
    )
    return problems


def bucket_keys(endpoint: str) -> set[str]:
    keys: set[str] = set()
    paginator = s3_client(endpoint).get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=BUCKET):
        keys.update(item["Key"] for item in page.get("Contents", []))
    return keys


# --- the run -------------------------------------------------------------------------------------


@contextmanager
def stopped_on_signals() -> Iterator[None]:
    """SIGTERM (CI's timeout, the script's trap) ends the run through the finally clauses."""

    def stop(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def main() -> int:
    started = time.monotonic()
    run_dir = Path(tempfile.mkdtemp(prefix="cluster-test-"))
    pool = urllib3.PoolManager(maxsize=16, retries=False)
    tally = Tally()
    processes = Processes(run_dir=run_dir, env={})
    ok = False
    with stopped_on_signals():
        try:
            cluster = cluster_start(processes, pool)
            import django

            django.setup()
            journey_sessions_cross_servers(cluster, tally, pool)
            journey_apply(cluster, tally, pool)
            holder = journey_copy(cluster, tally, pool)
            load_started = time.monotonic()
            writes = load_with_a_kill(cluster, tally, pool, holder)
            problems = check_writes(cluster, writes, tally, load_started)
            after = Browser(cluster.nginx, tally, pool)
            after.login("13800138000", "Jianzao-2026")
            if "待受理" not in after.page("/cases/mine/"):
                problems.append("杀掉一台后，张三在“我的办件”中看不到已提交的申请")
            processes.check_alive()
            failed = tally.failed()
            say(
                f"失败的请求：{len(failed)} / {len(tally.outcomes)}"
                + (
                    "（" + "；".join(f"{o.method} {o.path} → {o.status or o.note}" for o in failed[:8]) + "）"
                    if failed
                    else ""
                )
            )
            if problems:
                raise ClusterFailure("\n  - ".join(["发现问题：", *problems]))
            ok = True
        except ClusterFailure as e:
            say(f"失败：{e}")
        finally:
            if not ok:
                for name in ("app1", "app2", "worker", "periodic", "nginx-error"):
                    say(f"{name} 日志最后几行：\n{processes.tail(name, 15)}")
            processes.stop_all()
            with suppress(Exception):  # PostgreSQL gone: nothing of ours is left in it
                database_drop()
            say(f"用时 {time.monotonic() - started:.1f} 秒")
    if ok:
        shutil.rmtree(run_dir, ignore_errors=True)
        say("通过")
        return 0
    say(f"未通过；日志保留在 {run_dir}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
