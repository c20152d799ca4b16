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
# The personal-data keys (docs/operations.md 个人信息加密), added to an older file as well. They
# stay in var/, never with a copy of the database: a backup without them reads as ciphertext.
if ! grep -q '^DATA_KEY=' var/portal.env; then
  keys=$(.venv/bin/python -c 'from lib.datacrypt import blind_index_key_new, data_key_new
print("DATA_KEY=" + data_key_new("k1"))
print("BLIND_INDEX_KEY=" + blind_index_key_new())')
  umask 077
  printf '%s\n' "$keys" >> var/portal.env
  echo "已在 var/portal.env 中生成个人信息加密密钥（DATA_KEY、BLIND_INDEX_KEY），请另行备份，勿与数据库备份放在一起。"
fi
# Keys that later versions need are added once and never replaced: a replaced key would leave
# what it protects unreadable (data) or unverifiable (the audit chain).
add_key() {  # NAME KEYID BYTES
  if ! grep -q "^$1=" var/portal.env; then
    local entry
    entry=$(.venv/bin/python -c "import base64, secrets; print('$2:' + base64.b64encode(secrets.token_bytes($3)).decode())")
    (umask 077; printf '%s=%s\n' "$1" "$entry" >> var/portal.env)
    echo "已在 var/portal.env 加入 $1。"
  fi
}
add_key AUDIT_KEY a1 32
set -a; . var/portal.env; set +a
export SITE_URL=${SITE_URL:-http://127.0.0.1:${PORT:-8000}}
.venv/bin/python manage.py migrate --noinput -v 0
scripts/static.sh
.venv/bin/python manage.py certificate_keys --create
# The certificate fonts in their compact form, shared by every process of this host (ADR 0035).
.venv/bin/python manage.py certificate_fonts
.venv/bin/python manage.py seed_catalog
.venv/bin/python manage.py seed_demo
