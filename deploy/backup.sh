#!/bin/sh
# The daily backup of docs/operations.md「备份与恢复」, for cron: run in the code folder as the
# portal's user, with BACKUP_ROOT and OFFSITE set. The three lines below are the manual's,
# word for word (portal/tests/test_backup.py checks it and runs this file).
# On hosts whose settings are in /etc/lnzwfw/portal.env (several hosts), set PORTAL_ENV_FILE to it;
# on a single host manage.py reads $VAR_DIR/portal.env by itself.
set -eu
PATH="$PWD/.venv/bin:$PATH"
if [ -n "${PORTAL_ENV_FILE:-}" ]; then
  set -a
  . "$PORTAL_ENV_FILE"
  set +a
fi
python manage.py backup_create --to "$BACKUP_ROOT/$(date +%Y%m%d-%H%M%S)"
find "$BACKUP_ROOT" -mindepth 1 -maxdepth 1 -type d -mtime +30 -exec rm -rf {} +
rsync -a --delete "$BACKUP_ROOT"/ "$OFFSITE"
