#!/usr/bin/env bash
# One-time and every-time set-up for the single-host demo: a secret key kept outside the
# repository, the database schema, static files, the catalogue and the demo accounts.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p var
if [ ! -s var/portal.env ]; then
  key=$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(50))')
  umask 077
  printf 'SECRET_KEY=%s\n' "$key" > var/portal.env
  echo "已生成 var/portal.env（SECRET_KEY），请勿提交到版本库。"
fi
set -a; . var/portal.env; set +a
export SITE_URL=${SITE_URL:-http://127.0.0.1:${PORT:-8000}}
.venv/bin/python manage.py migrate --noinput -v 0
.venv/bin/python manage.py collectstatic --noinput -v 0
.venv/bin/python manage.py certificate_keys --create
.venv/bin/python manage.py seed_catalog
.venv/bin/python manage.py seed_demo
