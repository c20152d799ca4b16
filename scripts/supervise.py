"""Runs the portal's processes on one host and keeps them running (`make run`, scripts/run.sh).

    supervise.py NAME=COMMAND [NAME=COMMAND ...]

Each command is started; when one dies it is started again after a pause (1 s, doubling up
to 60 s while it keeps dying within a minute of its start), and the others go on serving.
Ctrl-C (SIGINT) or SIGTERM stops them all: SIGTERM first, SIGKILL for any still running 10 s
later. Standard library only: it runs before anything is imported from the project."""

from __future__ import annotations

import contextlib
import shlex
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from types import FrameType
from zoneinfo import ZoneInfo

FIRST_PAUSE = 1.0
MAX_PAUSE = 60.0
HEALTHY_SECONDS = 60.0  # a child that lived this long starts again after the first pause
STOP_SECONDS = 10.0
# The portal's log time (lib/logs.py LOG_TIME_ZONE, not imported: standard library only), so
# that these lines sort among the children's whatever the host's zone.
LOG_TIME_ZONE = ZoneInfo("Asia/Shanghai")


def say(message: str) -> None:
    moment = datetime.now(LOG_TIME_ZONE).isoformat(timespec="milliseconds")
    print(f"{moment} [守护] {message}", file=sys.stderr, flush=True)


@dataclass
class Child:
    name: str
    argv: list[str]
    process: subprocess.Popen[bytes] | None = None
    started: float = 0.0
    pause: float = FIRST_PAUSE
    restart_at: float | None = field(default=None)

    def start(self) -> None:
        self.process = subprocess.Popen(self.argv)  # noqa: S603 (the commands of scripts/run.sh)
        self.started = time.monotonic()
        self.restart_at = None
        say(f"已启动 {self.name}（进程号 {self.process.pid}）")

    def check(self, now: float) -> None:
        """Start again a child that died, once its pause is over."""
        if self.process is not None:
            code = self.process.poll()
            if code is None:
                return
            if now - self.started >= HEALTHY_SECONDS:
                self.pause = FIRST_PAUSE
            say(f"{self.name} 已退出（退出码 {code}），{self.pause:g} 秒后重新启动")
            self.process = None
            self.restart_at = now + self.pause
            self.pause = min(self.pause * 2, MAX_PAUSE)
        if self.restart_at is not None and now >= self.restart_at:
            self.start()


class Supervisor:
    def __init__(self, children: list[Child]) -> None:
        self.children = children
        self.stopping = False

    def stop_requested(self, signum: int, frame: FrameType | None) -> None:
        self.stopping = True

    def run(self) -> int:
        signal.signal(signal.SIGINT, self.stop_requested)
        signal.signal(signal.SIGTERM, self.stop_requested)
        for child in self.children:
            child.start()
        while not self.stopping:
            now = time.monotonic()
            for child in self.children:
                child.check(now)
            time.sleep(0.2)
        self.stop_all()
        return 0

    def stop_all(self) -> None:
        say("正在停止全部进程……")
        running = [c.process for c in self.children if c.process is not None and c.process.poll() is None]
        for process in running:
            with contextlib.suppress(ProcessLookupError):
                process.terminate()
        deadline = time.monotonic() + STOP_SECONDS
        for process in running:
            try:
                process.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        say("已全部停止")


def parse(arguments: list[str]) -> list[Child]:
    children = []
    for argument in arguments:
        name, sep, command = argument.partition("=")
        if not sep or not name or not command:
            raise SystemExit(f"用法：supervise.py 名称=命令 ……（{argument!r} 不对）")
        children.append(Child(name=name, argv=shlex.split(command)))
    return children


if __name__ == "__main__":
    sys.exit(Supervisor(parse(sys.argv[1:])).run())
