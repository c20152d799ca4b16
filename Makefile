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

.PHONY: run setup test test-dates lint bench

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

test: $(VENV)/.dev
	@scripts/test.sh

test-dates: $(VENV)/.dev
	@scripts/test-dates.sh

bench: setup
	@scripts/bench.sh

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	SECRET_KEY=lint $(VENV)/bin/mypy .
