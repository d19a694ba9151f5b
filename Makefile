# Two commands do all set-up on a fresh machine with Python 3.11:
#   make run    serve on http://127.0.0.1:8000 (SQLite under ./var/, docs at /docs)
#   make test   ruff, mypy --strict and the whole test suite (SQLite; PostgreSQL too when
#               TEST_DATABASE_URL names a database on a PostgreSQL server); for the web app
#               ESLint, tsc, Vitest, the JS budget and the Playwright end-to-end tests
# The web app needs Node.js >= 20.19 and npm; the browser tests Debian's chromium.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

WEB := web
WEB_SOURCES := $(shell find $(WEB)/src -type f 2>/dev/null) $(WEB)/index.html $(WEB)/vite.config.ts \
	$(WEB)/tsconfig.json $(WEB)/package.json
# Never let Playwright download a browser: the tests drive Debian's chromium.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1

.PHONY: run test lint typecheck pytest openapi schema lock bench clean web web-check e2e

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.runtime-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.dev-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[dev]'
	touch $@ $(VENV)/.runtime-installed

$(WEB)/node_modules/.installed: $(WEB)/package-lock.json
	cd $(WEB) && npm ci --no-audit --no-fund
	touch $@

# Built when missing or older than any of its sources.
$(WEB)/dist/index.html: $(WEB_SOURCES) $(WEB)/node_modules/.installed
	cd $(WEB) && npx vite build
	touch $@

web: $(WEB)/dist/index.html

run: $(VENV)/.runtime-installed web
	$(BIN)/python -m app serve

web-check: $(WEB)/node_modules/.installed web
	cd $(WEB) && npm run -s api:check
	cd $(WEB) && npx eslint . --max-warnings=0
	cd $(WEB) && npx tsc --noEmit
	cd $(WEB) && npx vitest run
	cd $(WEB) && npm run -s budget
	cd $(WEB) && npx vitest bench --run

# The browser tests start their own server on a fresh database: PostgreSQL (the production
# store) when TEST_DATABASE_URL names a server, else SQLite. They check the screens; the API under
# them runs on both databases in `pytest`.
e2e: $(VENV)/.dev-installed web
	cd $(WEB) && npx playwright test

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.dev-installed
	$(BIN)/mypy

# The suite on SQLite, spread over every core (pytest-xdist), with coverage (branches, and the
# child processes the end-to-end tests start; pyproject.toml's [tool.coverage.report] fail_under
# is the gate). With TEST_DATABASE_URL, again on PostgreSQL: the tests that use a database (the
# others cannot differ between the two).
PYTEST := $(BIN)/pytest -n auto --dist worksteal
pytest: $(VENV)/.dev-installed
	env -u TEST_DATABASE_URL $(PYTEST) --cov --cov-report=term:skip-covered
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "== again on PostgreSQL: the tests that use a database =="; \
		$(PYTEST) -p no:cacheprovider --database-tests-only; \
	fi

test: lint typecheck pytest web-check e2e

openapi: $(VENV)/.dev-installed
	$(BIN)/python -m app openapi

bench: $(VENV)/.dev-installed
	$(BIN)/python -m bench.engine_bench
	$(BIN)/python -m bench.http_bench
	$(BIN)/python -m bench.http_read_bench
	$(BIN)/python -m bench.list_bench
	$(BIN)/python -m bench.audit_bench
	$(BIN)/python -m bench.sign_in_bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache $(WEB)/node_modules $(WEB)/dist
