"""manage.py reads `$VAR_DIR/portal.env`, which `make run` writes, so that README commands work
in a fresh shell; a variable already in the environment wins."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from django.conf import settings

from portal import envfile
from portal.testenv import TEST_KEYS

PRINT_SETTINGS = "from django.conf import settings; print(settings.SECRET_KEY, settings.SITE_URL)"


def manage(var_dir: str, **environment: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ.get("PATH", ""), "VAR_DIR": var_dir, **TEST_KEYS, **environment}
    return subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", PRINT_SETTINGS],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def var_dir():
    with tempfile.TemporaryDirectory(prefix="portal-envfile-") as path:
        yield path


def test_it_reads_the_file_that_make_run_wrote_and_lets_the_environment_win(var_dir) -> None:
    Path(var_dir, "portal.env").write_text(
        "# written by scripts/setup.sh\nexport SECRET_KEY='from-the-file'\n\nSITE_URL=http://file.example\n"
    )
    result = manage(var_dir, SITE_URL="https://zwfw.example")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["from-the-file", "https://zwfw.example"]


def test_it_still_refuses_to_start_without_a_key(var_dir) -> None:
    result = manage(var_dir)
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_it_names_the_line_it_cannot_read(var_dir) -> None:
    Path(var_dir, "portal.env").write_text("SECRET_KEY=x\nthis is not a setting\n")
    result = manage(var_dir)
    assert result.returncode != 0
    assert "portal.env: line 2 is not NAME=value" in result.stderr


def test_it_reads_what_sh_reads() -> None:
    values = envfile.parse('A=1\n  # comment\nexport B="two words"\nC=\'x=y\'\nD=\nE="unbalanced\nF=a#b\n')
    assert values == {"A": "1", "B": "two words", "C": "x=y", "D": "", "E": '"unbalanced', "F": "a#b"}


def test_it_looks_in_var_by_default() -> None:
    assert envfile.default_path({}) == Path(settings.BASE_DIR) / "var" / "portal.env"
    assert envfile.default_path({"VAR_DIR": "/srv/portal"}) == Path("/srv/portal/portal.env")


def test_it_leaves_the_environment_alone_without_a_file(var_dir) -> None:
    environ = {"VAR_DIR": var_dir}
    assert envfile.load(environ) is None
    assert environ == {"VAR_DIR": var_dir}
