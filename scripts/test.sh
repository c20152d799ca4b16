#!/usr/bin/env bash
# The whole suite: unit, view, worker and browser tests. DATABASE_URL chooses PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/python -m pytest -q "$@"
