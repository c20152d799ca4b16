"""`manage.py bench --fresh` (what `make bench` runs) empties and rebuilds only the bench's own
database: pointed at any other, it refuses before touching anything."""

from __future__ import annotations

import os
from unittest import mock

from django.core.management import call_command
from django.db import connection

from accounts.models import User
from portal.test import BaseTestCase


class BenchFreshTestCase(BaseTestCase):
    def test_the_portals_own_database_is_refused_and_kept(self) -> None:
        # As an operator would, by mistake, with the portal's settings: no BENCH_DATABASE_URL
        # names this database, and (on SQLite) it is not in var/bench/.
        people = User.objects.count()
        self.assertGreater(people, 0)
        environment = {k: v for k, v in os.environ.items() if k != "BENCH_DATABASE_URL"}
        with mock.patch.dict(os.environ, environment, clear=True), self.assertRaises(SystemExit) as refused:
            call_command("bench", "--fresh", "--only-pages")
        if connection.vendor == "postgresql":
            self.assertIn("BENCH_DATABASE_URL", str(refused.exception))
        else:
            self.assertIn("var/bench/", str(refused.exception))
        self.assertEqual(User.objects.count(), people)
