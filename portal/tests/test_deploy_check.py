"""`manage.py check --deploy` is clean with exactly the production settings that
docs/operations.md lists, read from the document itself so that the two cannot drift."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path

from django.conf import settings

from portal.testenv import TEST_KEYS

DOC = Path(settings.BASE_DIR) / "docs" / "operations.md"
SECTION = "## 安全响应头与 HTTPS（CSP、HSTS）"


def production_environment() -> dict[str, str]:
    text = DOC.read_text("utf-8")
    section = text[text.index(SECTION) :]
    block = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert block is not None, "docs/operations.md: the production settings block is missing"
    pairs = (line.split("=", 1) for line in block.group(1).splitlines() if line.strip())
    return {name.strip(): value.strip() for name, value in pairs}


def run_check(environment: dict[str, str]) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory(prefix="portal-deploy-") as var_dir:
        env = {"PATH": os.environ.get("PATH", ""), "VAR_DIR": var_dir, **TEST_KEYS, **environment}
        return subprocess.run(
            [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
            cwd=settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )


def test_it_finds_no_warning_with_the_documented_production_settings() -> None:
    environment = production_environment()
    assert environment["SECURE_HSTS_SECONDS"] == "31536000"
    assert environment["SECURE_SSL_REDIRECT"] == "true"
    # The document's placeholder stands for the operator's own random key.
    environment["SECRET_KEY"] = secrets.token_urlsafe(50)
    result = run_check(environment)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout + result.stderr


def test_it_warns_without_hsts_and_https_redirect() -> None:
    environment = production_environment()
    environment["SECRET_KEY"] = secrets.token_urlsafe(50)
    del environment["SECURE_HSTS_SECONDS"], environment["SECURE_SSL_REDIRECT"]
    result = run_check(environment)
    assert result.returncode != 0
    assert "security.W004" in result.stderr
    assert "security.W008" in result.stderr
