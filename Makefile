# Two commands do all set-up on a fresh machine with Python 3.11:
#   make run    serve on http://127.0.0.1:8000 (SQLite under ./var/, docs at /docs)
#   make test   ruff, mypy --strict and the whole test suite (SQLite; PostgreSQL too when
#               TEST_DATABASE_URL names a database on a PostgreSQL server)
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint typecheck pytest openapi schema lock bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.runtime-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.dev-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[dev]'
	touch $@ $(VENV)/.runtime-installed

run: $(VENV)/.runtime-installed
	$(BIN)/python -m app serve

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.dev-installed
	$(BIN)/mypy

pytest: $(VENV)/.dev-installed
	env -u TEST_DATABASE_URL $(BIN)/pytest
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "== again on PostgreSQL =="; \
		$(BIN)/pytest -p no:cacheprovider; \
	fi

test: lint typecheck pytest

openapi: $(VENV)/.dev-installed
	$(BIN)/python -m app openapi

bench: $(VENV)/.dev-installed
	$(BIN)/python -m bench.engine_bench
	$(BIN)/python -m bench.http_bench
	$(BIN)/python -m bench.list_bench
	$(BIN)/python -m bench.sign_in_bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
