"""Loaded first by pytest (`-p portal.testenv` in pyproject.toml), before pytest-django reads
the settings. The settings module refuses to start without a SECRET_KEY; tests get a throwaway
one here, and their files go to a temporary folder, not var/."""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production")
os.environ.setdefault("VAR_DIR", tempfile.mkdtemp(prefix="portal-test-"))
# Pages link to static files by their plain names: hashed names need `collectstatic` first,
# seconds the suite need not spend (portal/tests/test_static_files.py collects and checks them).
os.environ.setdefault("STATIC_HASHED_NAMES", "false")
# WhiteNoise warns at every request when its folder is missing; tests serve no built files.
os.makedirs(os.path.join(os.environ["VAR_DIR"], "static"), exist_ok=True)
