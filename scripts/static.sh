#!/usr/bin/env bash
# The static files collected under STATIC_ROOT (scripts/setup.sh, scripts/bench.sh), with the
# environment of var/portal.env already loaded.
set -euo pipefail
cd "$(dirname "$0")/.."
# collectstatic compresses every file again at each run (about 30 s, nearly all of it the API
# documentation's bundles from django-ninja): only when the project's static files, the
# installed packages or the settings changed since it last ran (the mark is kept in the collected
# folder, so that removing it collects again).
collected=${STATIC_ROOT:-var/static}/.collected
if [ ! -e "$collected" ] || [ -n "$(find static requirements.txt .venv/.runtime portal/settings.py var/portal.env -newer "$collected" -print -quit)" ]; then
  .venv/bin/python manage.py collectstatic --noinput -v 0
  touch "$collected"
fi
