#!/usr/bin/env bash
# make bench: the certificate benchmark on a database of its own (var/bench/), so that its
# hundreds of copies never mix with the demo's or production's data.
# BENCH_DATABASE_URL=postgres://…/bench_db: the same on PostgreSQL instead of SQLite. That
# database is the benchmark's alone: everything in it is dropped first (never point it at the
# portal's own database).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p var/bench
# The portal's keys (made once by scripts/setup.sh, with the rest of its set-up) and static files;
# the portal's own database is not touched.
for key in SECRET_KEY DATA_KEY BLIND_INDEX_KEY AUDIT_KEY; do
  grep -q "^$key=" var/portal.env 2>/dev/null || { scripts/setup.sh >/dev/null; break; }
done
set -a; . var/portal.env; set +a
scripts/static.sh
export SQLITE_PATH=var/bench/portal.sqlite3 MEDIA_ROOT=var/bench/media LOG_LEVEL=WARNING
unset DATABASE_URL
rm -f var/bench/portal.sqlite3*
if [ -n "${BENCH_DATABASE_URL:-}" ]; then
  export DATABASE_URL=$BENCH_DATABASE_URL
fi
# --fresh: the schema, keys, catalogue and demo data made in the bench's own process (each
# manage.py command started apart costs a second or two of imports).
exec .venv/bin/python manage.py bench --fresh "$@"
