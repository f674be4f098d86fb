# Everything a fresh machine needs: Python 3.11+ with venv, and make.
#   make serve   set up, then start the service on http://127.0.0.1:8000 (make serve PORT=8080)
#   make test    set up, then run the whole test suite (lint, types, unit, end-to-end)

VENV   ?= .venv
PYTHON ?= python3
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: setup serve test lint bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,postgres]'
	touch $(STAMP)

serve: $(STAMP)
	$(BIN)/huashu serve --host $(HOST) --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# Chromium, a CJK font, Redis and a throw-away PostgreSQL come from Debian's packages when
# missing (with CI=true a missing one stops the run, and a skipped test fails it). Two passes,
# each on both cores (pytest-xdist, a test file per worker at a time): the whole suite on the
# embedded defaults (SQLite), then again on PostgreSQL the tests whose database can be
# PostgreSQL (those that ask for `database_url`; every test a fresh copy of a migrated template).
PYTEST_WORKERS ?= 2
test: lint
	scripts/with-test-services sh -c '$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile && \
	  if [ -n "$${HUASHU_TEST_POSTGRES_SERVER:-}" ]; then \
	    HUASHU_TEST_DATABASE_URL="$$HUASHU_TEST_POSTGRES_SERVER" \
	      $(BIN)/pytest -q -m "not model" -n $(PYTEST_WORKERS) --dist loadfile; \
	  fi'


bench: $(STAMP)
	$(BIN)/python bench/asr.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
