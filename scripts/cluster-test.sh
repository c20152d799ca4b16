#!/usr/bin/env bash
# make cluster-test: the several-host deployment on loopback (portal/cluster.py says what it
# starts and checks). Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust; it makes the
# database cluster_test_<pid> of this run and drops it at the end), redis-server (it starts its
# own on a free port), nginx and moto_server: two runs at once do not meet. Every process it starts is stopped on exit, however it exits.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/python -m portal.cluster "$@" &
driver=$!
# The driver stops its own children when it ends or gets SIGTERM; Ctrl-C and CI's stop reach
# it through this trap, and the script waits for it to finish cleaning up.
trap 'kill -TERM "$driver" 2>/dev/null || true; wait "$driver" 2>/dev/null || true' INT TERM
trap 'kill -TERM "$driver" 2>/dev/null || true' EXIT
wait "$driver"
