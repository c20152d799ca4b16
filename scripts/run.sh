#!/usr/bin/env bash
# Starts the web server, the background worker and the periodic sweeps on this host and keeps
# them running: one that dies is started again after a pause (scripts/supervise.py), the
# others go on. Ctrl-C stops all three.
set -euo pipefail
cd "$(dirname "$0")/.."
set -a; . "${PORTAL_ENV_FILE:-var/portal.env}"; set +a
PORT=${PORT:-8000}
export SITE_URL=${SITE_URL:-http://127.0.0.1:$PORT}
# Log lines readable at a terminal here; production keeps the default, one JSON object a line.
export LOG_FORMAT=${LOG_FORMAT:-text}
# The web workers and the task worker count into one folder, which /metrics adds up; last
# run's numbers are dropped (docs/operations.md 监控指标).
export PROMETHEUS_MULTIPROC_DIR=${PROMETHEUS_MULTIPROC_DIR:-$PWD/var/metrics}
mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
rm -f "$PROMETHEUS_MULTIPROC_DIR"/*.db
echo "门户已启动：http://127.0.0.1:$PORT/  （按 Ctrl-C 停止）"
# gunicorn.conf.py: no access log (Django logs each request with its id), JSON-ready logging.
exec .venv/bin/python scripts/supervise.py \
  "web=.venv/bin/gunicorn portal.wsgi --bind 127.0.0.1:$PORT --workers ${WEB_WORKERS:-2}" \
  "worker=.venv/bin/python manage.py run_worker" \
  "periodic=.venv/bin/python manage.py run_periodic"
