#!/usr/bin/env bash
# Starts the web server, the background worker and the periodic sweeps on this host, and stops
# all three together (Ctrl-C, or when any one of them dies).
set -euo pipefail
cd "$(dirname "$0")/.."
set -a; . var/portal.env; set +a
PORT=${PORT:-8000}
export SITE_URL=${SITE_URL:-http://127.0.0.1:$PORT}
.venv/bin/gunicorn portal.wsgi --bind "127.0.0.1:$PORT" --workers "${WEB_WORKERS:-2}" \
  --access-logfile - --log-level info &
.venv/bin/python manage.py run_worker &
.venv/bin/python manage.py run_periodic &
trap 'kill $(jobs -p) 2>/dev/null; wait' EXIT INT TERM
echo "门户已启动：http://127.0.0.1:$PORT/  （按 Ctrl-C 停止）"
wait -n
