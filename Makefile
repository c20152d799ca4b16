# Two commands do everything (see README.md):
#   make run    set up and start the portal with demo data on http://127.0.0.1:$(PORT)
#   make test   run the whole test suite
#   make test-dates   the non-browser suite at 31 December, 1 January and 29 February
# Both are safe to run again: each step skips what is already done.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export PORT

.PHONY: run setup test test-dates lint bench cluster-test

$(VENV)/.runtime: requirements.txt
	@scripts/system-packages.sh runtime
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

$(VENV)/.dev: requirements-dev.txt requirements.txt $(VENV)/.runtime
	@scripts/system-packages.sh test
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

setup: $(VENV)/.runtime
	@scripts/setup.sh

run: setup
	@scripts/run.sh

# axe-core for the browser tests' accessibility checks, from the npm registry at the version
# package-lock.json pins (portal/browser.py reads node_modules/axe-core/axe.min.js).
node_modules/.installed: package.json package-lock.json $(VENV)/.dev
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

test: $(VENV)/.dev node_modules/.installed
	@scripts/test.sh

test-dates: $(VENV)/.dev
	@scripts/test-dates.sh

# The bench makes its own database in var/bench/ (or BENCH_DATABASE_URL's): the portal's own
# demo database is not set up for it.
bench: $(VENV)/.runtime
	@scripts/bench.sh

# Two app servers, a worker and nginx on loopback against PostgreSQL, Redis and moto's S3
# (docs/operations.md「多台主机」): one app server is killed under load.
cluster-test: $(VENV)/.dev
	@scripts/cluster-test.sh

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	# The settings module needs its keys to load (django-stubs reads it): throwaway ones.
	SECRET_KEY=lint DATA_KEY=lint:bGludC1vbmx5LW5vdGtleQ== BLIND_INDEX_KEY=bGludC1vbmx5LWJsaW5kLWluZGV4LWtleQ== AUDIT_KEY=lint:$$(printf %032d 0 | base64 -w0) $(VENV)/bin/mypy .
