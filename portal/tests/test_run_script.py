"""`make run` (scripts/run.sh) keeps the portal up when one of its processes dies: the worker is
killed, started again, and the web server answers throughout; Ctrl-C still stops all three."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from tempfile import TemporaryDirectory
from unittest import TestCase

from portal.tests.servers import free_port

ROOT = Path(__file__).resolve().parents[2]
STARTED = re.compile(r"已启动 (\w+)（进程号 (\d+)）")


class RunScriptTestCase(TestCase):
    def setUp(self) -> None:
        self.tmp = Path(self.enterContext(TemporaryDirectory(prefix="portal-run-")))
        (self.tmp / "static").mkdir()
        self.env_file = self.tmp / "portal.env"
        self.env_file.write_text(
            f"SECRET_KEY=run-script-test\nAUDIT_KEY={os.environ['AUDIT_KEY']}\nVAR_DIR={self.tmp}\nWEB_WORKERS=1\nLOG_LEVEL=WARNING\n"
        )
        self.env = {
            key: value
            for key, value in os.environ.items()
            if key not in ("DATABASE_URL", "REDIS_URL", "S3_BUCKET", "VAR_DIR", "SECRET_KEY")
        }
        self.env |= {"PORTAL_ENV_FILE": str(self.env_file), "PORT": str(free_port())}
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
            cwd=ROOT,
            env={**self.env, "SECRET_KEY": "run-script-test", "VAR_DIR": str(self.tmp)},
            check=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()

    def read(self, stream: object) -> None:
        for raw in iter(stream.readline, b""):  # type: ignore[attr-defined]
            self.lines.put(raw.decode(errors="replace"))

    def wait_for(self, pattern: re.Pattern[str] | str, seconds: float = 30) -> re.Match[str]:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.5)
            except queue.Empty:
                continue
            if match := re.search(pattern, line):
                return match
        self.fail(f"no line matching {pattern!r} within {seconds} s")

    def web_answers(self, seconds: float = 30) -> bool:
        url = f"http://127.0.0.1:{self.env['PORT']}/accounts/login/"
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    return bool(response.status == 200)
            except OSError:
                time.sleep(0.3)
        return False

    def test_a_dead_worker_comes_back_and_ctrl_c_stops_everything(self):
        process = subprocess.Popen(  # noqa: S603 (the script under test)
            [str(ROOT / "scripts" / "run.sh")],
            cwd=ROOT,
            env=self.env,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )

        def kill_leftovers() -> None:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)

        self.addCleanup(kill_leftovers)
        threading.Thread(target=self.read, args=(process.stderr,), daemon=True).start()
        pids = {}
        for _ in range(3):
            match = self.wait_for(STARTED)
            pids[match.group(1)] = int(match.group(2))
        self.assertEqual(set(pids), {"web", "worker", "periodic"})
        self.assertTrue(self.web_answers())

        os.kill(pids["worker"], signal.SIGKILL)
        self.wait_for("worker 已退出（退出码 -9），1 秒后重新启动")
        self.assertTrue(self.web_answers(seconds=1))  # the web server did not stop with it
        match = self.wait_for(STARTED, seconds=10)
        self.assertEqual(match.group(1), "worker")
        self.assertNotEqual(int(match.group(2)), pids["worker"])
        self.assertEqual(process.poll(), None)
        self.assertTrue(self.web_answers(seconds=5))

        os.killpg(process.pid, signal.SIGINT)  # Ctrl-C reaches the whole group
        self.assertEqual(process.wait(20), 0)
        self.wait_for("已全部停止", seconds=5)
        for pid in (pids["web"], pids["periodic"], int(match.group(2))):
            with self.assertRaises(ProcessLookupError):
                os.kill(pid, 0)


def test_the_supervisor_stamps_its_lines_as_the_portal_does() -> None:
    # Host time without an offset would not sort among the children's JSON lines (lib/logs.py).
    result = subprocess.run(
        [sys.executable, "-c", "import supervise; supervise.say('试一下')"],
        cwd=Path(__file__).resolve().parents[2] / "scripts",
        env={**os.environ, "TZ": "UTC"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+08:00 \[守护\] 试一下\n", result.stderr), (
        result.stderr
    )
