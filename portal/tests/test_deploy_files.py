"""deploy/: the files docs/operations.md「多台主机」 tells operators to install. Each test reads
the file as shipped, so that a new setting, a changed upload limit or a lost proxy header
shows here rather than on the province's hosts."""

from __future__ import annotations

import http.client
import http.server
import re
import secrets
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings

from lib.datacrypt import blind_index_key_new, data_key_new
from lib.keyring import keyring_entry_make
from portal.cluster import (
    ERROR_PAGES_DIR,
    SITE_FILE,
    free_port,
    nginx_binary,
    nginx_main_config,
    nginx_site_for_test,
)
from portal.context_processors import site_contacts
from portal.tests.test_deploy_check import run_check

DEPLOY = Path(settings.BASE_DIR) / "deploy"
ENV_EXAMPLE = DEPLOY / "portal.env.example"
# What a second host must have exactly as the first one has it (the issue: a different
# SITE_URL, bucket or key file on one host breaks that host's certificates or files).
MUST_BE_IDENTICAL = {
    "SECRET_KEY", "DATA_KEY", "BLIND_INDEX_KEY", "DATABASE_URL", "REDIS_URL", "S3_BUCKET",
    "S3_ENDPOINT_URL", "S3_REGION",
    "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY", "SITE_URL", "ALLOWED_HOSTS", "TRUSTED_PROXIES",
    "CERT_KEY_DIR", "CERT_CA_CERT", "CERT_SIGNING_KEY", "CERT_SIGNING_CERT", "CERT_SEAL_FILE", "CERT_SIGNER",
    "CERT_SIGNER_URL", "CERT_SIGNER_KEY_ID", "CERT_SIGNER_SECRET",
}  # fmt: skip


def settings_read_from_environment() -> set[str]:
    source = (Path(settings.BASE_DIR) / "portal" / "settings.py").read_text("utf-8")
    return set(re.findall(r'\benv(?:_bool|_int|_float|_list|_rates)?\(\s*"([A-Z][A-Z0-9_]*)"', source))


def example_sections() -> dict[str, str]:
    """Each variable of the template, with the header of the section it stands in."""
    sections, header = {}, ""
    for line in ENV_EXAMPLE.read_text("utf-8").splitlines():
        if line.startswith("# ----"):
            header = line
        elif match := re.match(r"([A-Z][A-Z0-9_]*)=", line):
            sections[match.group(1)] = header
    return sections


def example_values() -> dict[str, str]:
    pairs = (
        line.split("=", 1)
        for line in ENV_EXAMPLE.read_text("utf-8").splitlines()
        if re.match(r"[A-Z][A-Z0-9_]*=", line)
    )
    return dict(pairs)


def test_the_env_template_lists_every_setting_and_no_other() -> None:
    listed, read = set(example_sections()), settings_read_from_environment()
    assert read - listed == set(), "portal/settings.py reads these, deploy/portal.env.example lacks them"
    assert listed - read == set(), (
        "deploy/portal.env.example lists settings that portal/settings.py never reads"
    )


def test_what_must_be_identical_is_marked_so() -> None:
    sections = example_sections()
    for name in MUST_BE_IDENTICAL:
        assert sections[name].startswith("# ---- 每台相同"), (name, sections[name])
    assert sections["VAR_DIR"].startswith("# ---- 可各不相同"), sections["VAR_DIR"]


def test_the_env_template_passes_the_deploy_check() -> None:
    # Systemd reads it as written; the same values must start the portal with no warning.
    environment = {
        name: value
        for name, value in example_values().items()
        # this machine's paths (the metrics folder is made by the systemd unit)
        if name not in ("VAR_DIR", "STATIC_ROOT", "MEDIA_ROOT", "SQLITE_PATH", "PROMETHEUS_MULTIPROC_DIR")
    }
    assert environment["SECRET_KEY"].startswith("请替换")
    environment["SECRET_KEY"] = secrets.token_urlsafe(50)
    assert environment["AUDIT_KEY"].startswith("请替换")
    environment["AUDIT_KEY"] = keyring_entry_make("a1", length=32)
    # The data keys too: the operator generates them with the command the template gives.
    assert environment["DATA_KEY"].startswith("请替换")
    assert environment["BLIND_INDEX_KEY"].startswith("请替换")
    environment["DATA_KEY"] = data_key_new("k1")
    environment["BLIND_INDEX_KEY"] = blind_index_key_new()
    # The receivers' secrets: the placeholder is too short to start with, so it cannot stay.
    for name in ("EXCHANGE_LICENCE_SECRET", "EXCHANGE_CASE_SECRET"):
        assert environment[name].startswith("请替换")
        environment[name] = secrets.token_urlsafe(32)
    result = run_check(environment)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout + result.stderr


def test_nginx_lets_the_largest_upload_through() -> None:
    site = SITE_FILE.read_text("utf-8")
    sizes = re.findall(r"^\s*client_max_body_size (\d+)m;", site, re.MULTILINE)
    assert len(sizes) == 1, sizes
    # The multipart envelope and the other form fields travel in the same body.
    assert int(sizes[0]) * 1024 * 1024 >= settings.UPLOAD_MAX_BYTES + 1024 * 1024


def test_nginx_passes_what_the_portal_reads_and_adds_no_second_policy() -> None:
    site = SITE_FILE.read_text("utf-8")
    directives = [
        line.strip() for line in site.splitlines() if line.strip() and not line.strip().startswith("#")
    ]
    for expected in (
        "proxy_set_header Host $host;",
        "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
        "proxy_set_header X-Forwarded-Proto $scheme;",
        "proxy_set_header X-Request-ID $portal_request_id;",
        "proxy_next_upstream error timeout http_502 http_503;",
    ):
        assert expected in directives, expected
    # A POST already sent is never sent again to another server: it could be done twice.
    assert not any("non_idempotent" in line for line in directives)
    assert not any("content-security-policy" in line.lower() for line in directives)
    assert not any("strict-transport-security" in line.lower() for line in directives)


def test_nginx_accepts_the_site_file() -> None:
    with tempfile.TemporaryDirectory(prefix="nginx-t-") as run:
        run_dir = Path(run)
        site = run_dir / "lnzwfw.conf"
        site.write_text(
            nginx_site_for_test(
                SITE_FILE.read_text("utf-8"),
                upstreams=["127.0.0.1:18001", "127.0.0.1:18002"],
                listen="127.0.0.1:18000",
                access_log=run_dir / "access.log",
            ),
            "utf-8",
        )
        conf = run_dir / "nginx.conf"
        conf.write_text(nginx_main_config(site_path=site, run_dir=run_dir), "utf-8")
        result = subprocess.run(  # noqa: S603
            [nginx_binary(), "-t", "-e", str(run_dir / "error.log"), "-c", str(conf)],
            capture_output=True,
            text=True,
            check=False,
        )
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


# What nginx answers itself, never reaching the portal: a body over client_max_body_size, no
# app server reachable (502; 503 when all are marked down), an app server too slow (504).
NGINX_OWN_ERRORS = (413, 502, 503, 504)


def error_pages() -> dict[int, Path]:
    site = SITE_FILE.read_text("utf-8")
    pages = {}
    for codes, uri in re.findall(r"^\s*error_page ([\d ]+) /_errors/(\S+);", site, re.MULTILINE):
        for code in codes.split():
            pages[int(code)] = ERROR_PAGES_DIR / uri
    return pages


def test_nginx_answers_its_own_errors_with_the_portals_chinese_pages() -> None:
    pages = error_pages()
    assert set(pages) == set(NGINX_OWN_ERRORS)
    for code, page in pages.items():
        html = page.read_text("utf-8")
        assert '<html lang="zh-CN">' in html, code
        assert "返回首页" in html and "<h1>" in html, code
        # Shown when no app server answers: nothing may come from the portal's /static/.
        assert not re.search(r'(src|href)="/static/', html), code
        # The same contacts as the portal's own error pages.
        for value in site_contacts().values():
            assert value in html, (code, value)
        assert '<!--# echo var="portal_request_id"' in html, code


@contextmanager
def nginx_running(*, upstream: str, access_log: Path | None = None) -> Iterator[str]:
    """The site file as the cluster test runs it, in front of `upstream`, its access log written
    to `access_log` (by default beside its configuration); yields its address."""
    with tempfile.TemporaryDirectory(prefix="nginx-") as run:
        run_dir = Path(run)
        port = free_port()
        site = run_dir / "lnzwfw.conf"
        listen = f"127.0.0.1:{port}"
        site.write_text(
            nginx_site_for_test(
                SITE_FILE.read_text("utf-8"),
                upstreams=[upstream],
                listen=listen,
                access_log=access_log or run_dir / "access.log",
            )
        )
        conf = run_dir / "nginx.conf"
        conf.write_text(nginx_main_config(site_path=site, run_dir=run_dir), "utf-8")
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (run_dir / f"nginx-{kind}").mkdir(mode=0o777)
            (run_dir / f"nginx-{kind}").chmod(0o777)
        run_dir.chmod(0o755)
        process = subprocess.Popen(  # noqa: S603
            [nginx_binary(), "-e", str(run_dir / "nginx-error.log"), "-c", str(conf)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            deadline = time.monotonic() + 10
            while True:
                with socket.socket() as s:
                    if s.connect_ex(("127.0.0.1", port)) == 0:
                        break
                assert process.poll() is None, process.stderr.read() if process.stderr else ""
                assert time.monotonic() < deadline, "nginx did not start"
                time.sleep(0.05)
            yield listen
        finally:
            process.terminate()
            process.wait(timeout=10)


def test_nginx_serves_the_chinese_pages_with_the_request_number() -> None:
    with nginx_running(upstream=f"127.0.0.1:{free_port()}") as address:  # nobody listens there
        connection = http.client.HTTPConnection(address, timeout=20)
        connection.request("GET", "/cases/mine/", headers={"X-Request-ID": "req-5f3a"})
        r = connection.getresponse()
        page = r.read().decode()
        assert r.status == 502
        assert "<h1>系统暂时无法访问</h1>" in page
        assert "请求编号：req-5f3a（" in page
        assert r.getheader("X-Request-ID") == "req-5f3a"
        # A scan over the limit, refused before it reaches an app server.
        body = b"x" * (13 * 1024 * 1024)
        connection = http.client.HTTPConnection(address, timeout=20)
        connection.request("POST", "/cases/1/materials/photo/", body=body)
        r = connection.getresponse()
        page = r.read().decode()
        assert r.status == 413
        assert "<h1>上传的文件过大</h1>" in page
        # The pages are not addresses of their own.
        connection = http.client.HTTPConnection(address, timeout=20)
        connection.request("GET", "/_errors/413.html")
        r = connection.getresponse()
        assert r.status != 200


def test_every_access_log_of_the_site_leaves_out_the_query_and_the_referer() -> None:
    # GET searches carry full numbers (/audit/?person=…, the admin's ?q=…), and the Referer of
    # the next request repeats them: neither may reach nginx's log.
    site = SITE_FILE.read_text("utf-8")
    formats = re.findall(r"^log_format (\w+) ((?:'[^']*'\s*)+);", site, re.MULTILINE)
    assert [name for name, _ in formats] == ["lnzwfw_noquery"]
    fields = "".join(re.findall(r"'([^']*)'", formats[0][1]))
    assert "$uri" in fields
    leaky = re.findall(r"\$(?:request|request_uri|args|query_string|arg_\w+|http_referer)\b", fields)
    assert leaky == [], leaky
    logs = re.findall(r"^\s*access_log (.*);", site, re.MULTILINE)
    servers = re.findall(r"^server \{", site, re.MULTILINE)
    # One in each server block: a server without its own falls back to nginx.conf's (combined).
    assert len(logs) == len(servers) == 2
    assert all(line.split()[-1] == "lnzwfw_noquery" for line in logs), logs


class _Upstream(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_nginx_logs_the_path_without_the_number_searched_for() -> None:
    number = "210102199003070011"
    upstream = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Upstream)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    try:
        with tempfile.TemporaryDirectory(prefix="nginx-log-") as logs:
            log = Path(logs) / "access.log"
            with nginx_running(upstream=f"127.0.0.1:{upstream.server_address[1]}", access_log=log) as address:
                connection = http.client.HTTPConnection(address, timeout=20)
                connection.request(
                    "GET",
                    f"/audit/?person={number}&page=2",
                    headers={"Referer": f"http://{address}/admin/accounts/user/?q={number}"},
                )
                r = connection.getresponse()
                assert (r.status, r.read()) == (200, b"ok")
            written = log.read_text("utf-8")
    finally:
        upstream.shutdown()
        upstream.server_close()
    assert '"GET /audit/ HTTP/1.1" 200' in written, written
    assert number not in written and "person=" not in written and "q=" not in written, written


@pytest.mark.parametrize(
    ("unit", "command"),
    [
        ("lnzwfw-web.service", "/opt/lnzwfw/.venv/bin/gunicorn portal.wsgi"),
        ("lnzwfw-worker.service", "/opt/lnzwfw/.venv/bin/python manage.py run_worker"),
        ("lnzwfw-periodic.service", "/opt/lnzwfw/.venv/bin/python manage.py run_periodic"),
    ],
)
def test_each_unit_restarts_reads_the_env_file_and_runs_hardened(unit: str, command: str) -> None:
    lines = (DEPLOY / "systemd" / unit).read_text("utf-8").replace("\\\n", " ").splitlines()
    options = dict(line.split("=", 1) for line in lines if "=" in line and not line.startswith("#"))
    assert re.sub(r"\s+", " ", options["ExecStart"]).startswith(command)
    assert options["Restart"] == "always"
    assert options["EnvironmentFile"] == "/etc/lnzwfw/portal.env"
    assert (options["User"], options["Group"]) == ("lnzwfw", "lnzwfw")
    assert options["WorkingDirectory"] == "/opt/lnzwfw"
    for hardening in ("NoNewPrivileges", "PrivateTmp", "ProtectHome", "PrivateDevices"):
        assert options[hardening] == "yes", hardening
    assert options["ProtectSystem"] == "strict"
    assert options["ReadWritePaths"] == example_values()["VAR_DIR"]  # the only place it may write


def guide_step(heading: str) -> str:
    guide = (Path(settings.BASE_DIR) / "docs" / "operations.md").read_text("utf-8")
    match = re.search(rf"^### {re.escape(heading)}.*?\n(.*?)(?=^#)", guide, re.DOTALL | re.MULTILINE)
    assert match is not None, f"docs/operations.md: no step {heading!r}"
    return match.group(1)


def folders_made(step: str) -> set[str]:
    """What the step's shell blocks create: `useradd --home-dir`, `install -d`, tmpfiles lines."""
    made = set()
    for block in re.findall(r"```sh\n(.*?)```", step, re.DOTALL):
        for line in block.splitlines():
            words = line.split("#", 1)[0].split()
            if words[:1] == ["useradd"]:
                made.add(words[words.index("--home-dir") + 1])
            elif words[:2] == ["install", "-d"]:
                made.update(word for word in words if word.startswith("/"))
    return made


def test_step_1_makes_every_folder_the_env_template_names() -> None:
    # The issue: the template named the metrics folder, only the units' ExecStartPre made it,
    # and settings refuse to start without it, so step 3's migrate failed.
    folders = {
        name: value
        for name, value in example_values().items()
        if name.endswith(("_DIR", "_ROOT")) and value.startswith("/")
    }
    assert "PROMETHEUS_MULTIPROC_DIR" in folders and "CERT_KEY_DIR" in folders
    made = folders_made(guide_step("第 1 步"))
    assert {name: path for name, path in folders.items() if path not in made} == {}


def test_the_metrics_folder_is_emptied_at_boot_for_the_units_user() -> None:
    step = guide_step("第 1 步")
    assert "install -m 0644 deploy/tmpfiles.d/lnzwfw.conf /etc/tmpfiles.d/lnzwfw.conf" in step
    lines = [
        line.split()
        for line in (DEPLOY / "tmpfiles.d" / "lnzwfw.conf").read_text("utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert lines == [["D", example_values()["PROMETHEUS_MULTIPROC_DIR"], "0750", "lnzwfw", "lnzwfw", "-"]]
    web = (DEPLOY / "systemd" / "lnzwfw-web.service").read_text("utf-8")
    assert "User=lnzwfw" in web
    assert web.count(f"ReadWritePaths={example_values()['VAR_DIR']}") == 1
    assert example_values()["PROMETHEUS_MULTIPROC_DIR"].startswith(example_values()["VAR_DIR"] + "/")


def test_the_guide_counts_the_fingerprint_lines_the_command_prints() -> None:
    command = Path(settings.BASE_DIR) / "certificates" / "management" / "commands" / "certificate_keys.py"
    printed = len(re.findall(r'self\.stdout\.write\(f"[^"]*SHA-256', command.read_text("utf-8")))
    guide = (Path(settings.BASE_DIR) / "docs" / "operations.md").read_text("utf-8")
    counts = re.findall(r"([一二三四五六七八九])行指纹", guide)
    assert counts, "docs/operations.md no longer says how many fingerprint lines to compare"
    assert {"一二三四五六七八九".index(count) + 1 for count in counts} == {printed}
