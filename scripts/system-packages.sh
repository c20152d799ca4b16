#!/usr/bin/env bash
# Installs the Debian packages the portal needs, when run as root on Debian; otherwise says
# which ones are missing. `runtime`: fonts and libraries for documents, and the sqlite3 shell for
# the online backup in docs/operations.md; `test`: also Chromium for the browser tests (Debian's
# own build: nothing downloads a browser), openssl to cross-check signatures, faketime
# (libfaketime) for `make test-dates`, Redis for the cache-outage tests, nginx for the cluster
# test (scripts/cluster-test.sh) and Node.js with npm, which installs axe-core for the
# accessibility checks (package.json), SoftHSM2 for the PKCS#11 signer's tests
# (certificates/tests/test_signers_pkcs11.py), and valgrind, with which `make bench` counts the
# instructions of a certificate copy (portal/bench_issuing.py).
set -euo pipefail
want=(fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 sqlite3)
if [ "${1:-runtime}" = test ]; then
  want+=(chromium openssl faketime redis-server nginx nodejs softhsm2 valgrind)
  # Debian ships npm apart from nodejs; NodeSource's nodejs brings its own.
  command -v npm >/dev/null || want+=(npm)
fi
missing=()
for pkg in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "安装系统软件包：${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "缺少系统软件包：${missing[*]}。请以 root 运行，或先执行：sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
