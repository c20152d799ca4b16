"""The demo database that `make run` makes holds no demo ID number or mobile in clear anywhere
in its files: the database, its WAL and its shared-memory file, read as raw bytes."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from django.conf import settings
from django.test import SimpleTestCase

from portal.testenv import TEST_KEYS

# Every ID number and mobile the demo holds, read back through the models (decrypted), one a line.
LIST_PERSONAL_DATA = """
from accounts.models import Enterprise, KnownIdentity, User
from notifications.models import SmsMessage
from registry.models import Person
values = set()
for model, fields in [(User, ["id_number", "mobile"]), (KnownIdentity, ["id_number"]),
                      (Enterprise, ["agent_id_number"]), (Person, ["id_number", "mobile"]),
                      (SmsMessage, ["mobile"])]:
    for row in model.objects.values_list(*fields):
        values.update(value for value in row if value)
print("\\n".join(sorted(values)))
"""


class DemoDatabaseFilesTestCase(SimpleTestCase):
    def manage(self, var_dir: str, *args: str) -> str:
        # The demo's set-up as scripts/setup.sh runs it, on SQLite in a folder of its own,
        # whatever database the test run itself uses.
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in ("DATABASE_URL", "REDIS_URL", "S3_BUCKET", "SQLITE_PATH", "CERT_KEY_DIR")
        }
        env |= {"VAR_DIR": var_dir, "SECRET_KEY": "demo-files-test", **TEST_KEYS, "LOG_LEVEL": "WARNING"}
        done = subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
            [sys.executable, "manage.py", *args],
            cwd=settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        self.assertEqual(done.returncode, 0, done.stderr)
        return done.stdout

    def test_no_demo_id_number_or_mobile_is_in_the_database_files(self):
        with tempfile.TemporaryDirectory(prefix="portal-demo-files-") as var_dir:
            for command in (
                ["migrate", "--noinput", "-v", "0"],
                ["certificate_keys", "--create"],
                ["seed_catalog"],
                ["seed_demo"],
            ):
                self.manage(var_dir, *command)
            values = self.manage(var_dir, "shell", "--no-imports", "-c", LIST_PERSONAL_DATA).split()
            # The demo's people, staff and 经办人, and the newcomers waiting in the 实名目录.
            self.assertIn("13800138000", values)
            self.assertIn("13800138013", values)
            self.assertIn("210102198503120017", values)
            self.assertGreaterEqual(len(values), 15)

            files = [Path(var_dir, "portal.sqlite3" + suffix) for suffix in ("", "-wal", "-shm")]
            self.assertTrue(files[0].stat().st_size > 100_000)
            for path in files:
                if not path.exists():  # the last connection's checkpoint removed it
                    continue
                data = path.read_bytes()
                found = [value for value in values if value.encode("ascii") in data]
                self.assertEqual(found, [], f"{path.name} holds in clear: {found}")
