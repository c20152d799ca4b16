#!/usr/bin/env bash
# The whole suite: unit, view, worker and browser tests. DATABASE_URL chooses PostgreSQL.
# Prints how long the suite took, so that a slower suite is noticed when it happens.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
status=0
.venv/bin/python -m pytest -q "$@" || status=$?
echo "测试用时 $(($(date +%s) - start)) 秒（pytest 退出码 ${status}）"
exit "$status"
