"""AUDIT_RETENTION_DAYS: the trail is kept at least 180 days (the issue; 网络安全法 Art. 21 asks
six months of logs). A shorter setting stops every process at start, loudly, rather than let
`audit_archive` remove rows too early."""

from __future__ import annotations

import os
import subprocess
import sys

from django.conf import settings

from portal.testenv import TEST_KEYS


def started_with(retention: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "SECRET_KEY": "x",
        "VAR_DIR": os.environ["VAR_DIR"],
        "AUDIT_RETENTION_DAYS": retention,
        **TEST_KEYS,
    }
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_it_refuses_fewer_than_180_days() -> None:
    result = started_with("30")
    assert result.returncode != 0
    assert "ImproperlyConfigured: AUDIT_RETENTION_DAYS must be at least 180, not 30" in result.stderr
    assert "审计记录至少保留180天" in result.stderr


def test_it_takes_180_days_and_more() -> None:
    for days in ("180", "365"):
        result = started_with(days)
        assert result.returncode == 0, result.stderr
