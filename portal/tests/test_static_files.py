"""Static files as production serves them: collected under names that carry a hash of their
content, linked by those names from the pages, and served with a cache lifetime of ten years.
(The rest of the suite links to the plain names and collects nothing: portal/testenv.py.)"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import tempfile
from io import StringIO
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.test import Client, override_settings

from portal.test import BaseTestCase
from portal.testenv import TEST_KEYS

IMMUTABLE = "max-age=315360000, public, immutable"


class HashedStaticFilesTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        static_root = self.enterContext(tempfile.TemporaryDirectory(prefix="portal-static-"))
        self.enterContext(
            override_settings(
                STATIC_ROOT=static_root,
                STORAGES={
                    **settings.STORAGES,
                    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
                },
                # Our own files only: the admin's hundred would take seconds and test Django.
                STATICFILES_FINDERS=["django.contrib.staticfiles.finders.FileSystemFinder"],
            )
        )
        call_command("collectstatic", "--noinput", stdout=StringIO())
        # A new client, so a new WhiteNoise, which reads the collected files as it starts.
        self.client = Client()

    def test_pages_link_to_hashed_names_served_for_ten_years(self):
        source = (Path(settings.BASE_DIR) / "static" / "css" / "portal.css").read_bytes()
        # The name follows the content alone, so every host that collects the same release
        # links to the same name.
        content_hash = hashlib.md5(source, usedforsecurity=False).hexdigest()[:12]
        hashed = f"/static/css/portal.{content_hash}.css"

        r = self.client.get("/")
        self.assertContains(r, f'<link rel="stylesheet" href="{hashed}">', html=True)

        r = self.client.get(hashed)
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r["Cache-Control"], IMMUTABLE)
        self.assertEqual(r.getvalue(), source)
        # Compressed when the browser accepts it.
        r = self.client.get(hashed, headers={"accept-encoding": "br, gzip"})
        self.assertEqual(r["Content-Encoding"], "br")

    def test_the_plain_name_is_still_served_but_not_kept(self):
        r = self.client.get("/static/js/sms.js")
        self.assertEqual(r.status_code, 200)
        self.assertNotIn("immutable", r["Cache-Control"])

    def test_every_page_script_is_linked_by_its_hashed_name(self):
        r = self.client.get("/accounts/register/")
        scripts = re.findall(r'<script src="([^"]+)"', r.content.decode())
        self.assertTrue(scripts)
        for src in scripts:
            self.assertRegex(src, r"^/static/js/[a-z0-9_]+\.[0-9a-f]{12}\.js$")
            self.assertEqual(self.client.get(src)["Cache-Control"], IMMUTABLE)


class UncollectedStaticFilesTestCase(BaseTestCase):
    @override_settings(
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
        }
    )
    def test_a_host_without_collectstatic_still_answers_in_chinese(self):
        empty = self.enterContext(tempfile.TemporaryDirectory(prefix="portal-static-"))
        with override_settings(STATIC_ROOT=empty):
            r = Client(raise_request_exception=False).get("/")
        self.assertEqual(r.status_code, 500)
        self.assertContains(r, "<h1>抱歉，系统暂时无法处理您的请求</h1>", status_code=500, html=True)
        self.assertContains(r, '<a href="/">返回首页</a>', status_code=500, html=True)


def test_production_uses_the_hashed_names() -> None:
    """What the test above sets is what the settings choose when nothing says otherwise."""
    with tempfile.TemporaryDirectory(prefix="portal-static-") as var_dir:
        result = subprocess.run(
            [
                sys.executable,
                "manage.py",
                "shell",
                "--no-imports",
                "-c",
                "from django.conf import settings; print(settings.STORAGES['staticfiles']['BACKEND'])",
            ],
            cwd=settings.BASE_DIR,
            env={"PATH": os.environ.get("PATH", ""), "VAR_DIR": var_dir, "SECRET_KEY": "x", **TEST_KEYS},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "whitenoise.storage.CompressedManifestStaticFilesStorage"
