#!/usr/bin/env bash
# make test-dates: the non-browser suite at the dates where date arithmetic breaks, one after
# another, each at 10:00 Beijing time under libfaketime (Debian package `faketime`): 31 December
# of this year, 1 January of the next, 29 February of the next leap year. The clock runs on
# from there, and every process the tests start (openssl, manage.py) shares it.
#   scripts/test-dates.sh                        the three dates
#   scripts/test-dates.sh 2026-12-31 -- -x       chosen dates; pytest options after --
set -uo pipefail
cd "$(dirname "$0")/.."

year=$(date +%Y)
leap=$((year + 1))
until [ $((leap % 4)) -eq 0 ] && { [ $((leap % 100)) -ne 0 ] || [ $((leap % 400)) -eq 0 ]; }; do
  leap=$((leap + 1))
done
dates=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do dates+=("$1"); shift; done
[ "${1:-}" = -- ] && shift
[ ${#dates[@]} -gt 0 ] || dates=("$year-12-31" "$((year + 1))-01-01" "$leap-02-29")

command -v faketime >/dev/null || { echo "缺少 faketime：请先执行 make test 或 scripts/system-packages.sh test" >&2; exit 1; }
# The monotonic clock stays real (see scripts/faketime/sitecustomize.py for why and for the
# one thing that needs in return). DATABASE_URL is honoured as in `make test`.
export PYTHONPATH="$PWD/scripts/faketime${PYTHONPATH:+:$PYTHONPATH}"
status=0
results=()
for day in "${dates[@]}"; do
  echo "== $day 10:00 北京时间"
  start=$SECONDS
  if faketime --exclude-monotonic "$day 10:00:00 +0800" \
    .venv/bin/python -m pytest -q -m "not browser" "$@"; then
    results+=("$day 通过（$((SECONDS - start)) 秒）")
  else
    results+=("$day 失败（$((SECONDS - start)) 秒）")
    status=1
  fi
done
echo "== 各日期结果"
printf '%s\n' "${results[@]}"
exit $status
