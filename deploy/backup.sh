#!/bin/sh
# The daily backup of docs/operations.md「备份与恢复」, for cron: run in the code folder as the
# portal's user, with BACKUP_ROOT and OFFSITE set. Its commands are the manual's blocks「backup」
# and「bucket-backup」, word for word (portal/tests/test_backup*.py check it and run this file).
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
# Files in a bucket: copied after the database, as backup_create copies MEDIA_ROOT after it.
if [ -n "${S3_BUCKET:-}" ]; then
  aws s3 sync "s3://$S3_BUCKET" "$BACKUP_ROOT/files" --endpoint-url "$S3_ENDPOINT_URL" --only-show-errors
fi
find "$BACKUP_ROOT" -mindepth 1 -maxdepth 1 -type d -name "2*" -mtime +30 -exec rm -rf {} +
rsync -a --delete "$BACKUP_ROOT"/ "$OFFSITE"
