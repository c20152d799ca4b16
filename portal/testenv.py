"""Loaded first by pytest (`-p portal.testenv` in pyproject.toml), before pytest-django reads
the settings. The settings module refuses to start without a SECRET_KEY, DATA_KEY and
BLIND_INDEX_KEY; tests get throwaway ones here, and their files go to a temporary folder, not var/."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator

import pytest

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production")
# Fixed, published test keys for personal data at rest (lib/datacrypt.py) and the audit chain
# (audit/chain.py): never a real key.
TEST_DATA_KEY = "test1:dGVzdC1kYXRhLWtleS0wMQ=="
TEST_BLIND_INDEX_KEY = "dGVzdC1ibGluZC1pbmRleC1rZXktMzItYnl0ZXMhISE="
TEST_AUDIT_KEY = "test:dGVzdC1hdWRpdC1rZXktbm90LWZvci1wcm9kdWN0aW8="
# For a test that starts a process with an environment of its own.
TEST_KEYS = {"DATA_KEY": TEST_DATA_KEY, "BLIND_INDEX_KEY": TEST_BLIND_INDEX_KEY, "AUDIT_KEY": TEST_AUDIT_KEY}
for _name, _value in TEST_KEYS.items():
    os.environ.setdefault(_name, _value)
os.environ.setdefault("VAR_DIR", tempfile.mkdtemp(prefix="portal-test-"))
# The certificate fonts' store (certificates/ofd/fontstore.py) is a cache of what the system's
# fonts hold: kept between runs outside the test's folder, so that each run does not convert
# the same glyphs again.
os.environ.setdefault(
    "CERTIFICATE_FONT_STORE",
    os.path.join(tempfile.gettempdir(), "portal-test-fonts", "certificate-fonts.sqlite3"),
)
# Pages link to static files by their plain names: hashed names need `collectstatic` first,
# seconds the suite need not spend (portal/tests/test_static_files.py collects and checks them).
os.environ.setdefault("STATIC_HASHED_NAMES", "false")
# Records for the 电子证照库 and the 办件 collection (exchange/) are off: a test of an approval
# counts the tasks it queued, and sharing is the subject only of the tests that turn it on
# (exchange.testing.SHARING_ON).
os.environ.setdefault("EXCHANGE_LICENCE_GATEWAY", "off")
os.environ.setdefault("EXCHANGE_CASE_GATEWAY", "off")
# WhiteNoise warns at every request when its folder is missing; tests serve no built files.
os.makedirs(os.path.join(os.environ["VAR_DIR"], "static"), exist_ok=True)

# The production hasher (PBKDF2, a million rounds) is slow on purpose: hundreds of
# milliseconds for every account a test makes and every password it checks, most of the suite's
# time. Tests hash with MD5 instead; no test's subject is the hash itself (the password rules
# are validators, which do not depend on it). The production hashers stay listed after it, so
# that a password hashed by them is still checked.
FAST_HASHER = "django.contrib.auth.hashers.MD5PasswordHasher"


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hasher(django_test_environment: None) -> Iterator[None]:
    from django.conf import settings
    from django.test import override_settings

    with override_settings(PASSWORD_HASHERS=[FAST_HASHER, *settings.PASSWORD_HASHERS]):
        yield
