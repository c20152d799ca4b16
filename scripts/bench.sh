#!/usr/bin/env bash
# make bench: the certificate benchmark on a database of its own (var/bench/), so that its
# hundreds of copies never mix with the demo's or production's data.
# BENCH_DATABASE_URL=postgres://…/bench_db: the same on PostgreSQL instead of SQLite. That
# database is the benchmark's alone: everything in it is dropped first (never point it at the
# portal's own database).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p var/bench
[ -s var/portal.env ] || scripts/setup.sh >/dev/null
set -a; . var/portal.env; set +a
export SQLITE_PATH=var/bench/portal.sqlite3 MEDIA_ROOT=var/bench/media LOG_LEVEL=WARNING
unset DATABASE_URL
rm -f var/bench/portal.sqlite3*
if [ -n "${BENCH_DATABASE_URL:-}" ]; then
  export DATABASE_URL=$BENCH_DATABASE_URL
  .venv/bin/python manage.py shell -c '
from django.db import connection
assert connection.vendor == "postgresql", "BENCH_DATABASE_URL: PostgreSQL only"
with connection.cursor() as cursor:
    cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
'
fi
.venv/bin/python manage.py migrate --noinput -v 0
.venv/bin/python manage.py certificate_keys --create >/dev/null
.venv/bin/python manage.py seed_catalog >/dev/null
.venv/bin/python manage.py seed_demo >/dev/null
exec .venv/bin/python manage.py bench "$@"
