#!/usr/bin/env bash
# make bench: the certificate benchmark on a database of its own (var/bench/), so that its
# hundreds of copies never mix with the demo's or production's data.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p var/bench
[ -s var/portal.env ] || scripts/setup.sh >/dev/null
set -a; . var/portal.env; set +a
export SQLITE_PATH=var/bench/portal.sqlite3 MEDIA_ROOT=var/bench/media LOG_LEVEL=WARNING
unset DATABASE_URL
rm -f var/bench/portal.sqlite3*
.venv/bin/python manage.py migrate --noinput -v 0
.venv/bin/python manage.py certificate_keys --create >/dev/null
.venv/bin/python manage.py seed_catalog >/dev/null
.venv/bin/python manage.py seed_demo >/dev/null
exec .venv/bin/python manage.py bench "$@"
