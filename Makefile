# Liuyan: `make run` serves the site with demo data on http://127.0.0.1:8000 (`make dev`: the same with
# Django's debug pages, for a developer); `make test` runs the whole suite on SQLite and on PostgreSQL at
# the same time; `make lint` checks style, the layer contract (.importlinter), Django's checks and
# migrations.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PG_TEST_URL ?= postgres://postgres:postgres@127.0.0.1:5432/liuyan_test
HOST ?= 127.0.0.1:8000
# Django's debug pages show tracebacks and settings to anyone: off for the demo, on only for `make dev`.
SERVE_DEBUG = 0

.PHONY: install lock run dev test test-sqlite test-postgres lint format clean

# The exact versions and hashes of every package, for Python 3.11 and newer on any platform; `make lock`
# rewrites it from pyproject.toml, keeping the versions that still fit (`make lock LOCK_ARGS=--upgrade`: the
# newest that fit).
LOCK := requirements/lock.txt

# The venv keeps a copy of the lock it was installed from, so that a changed lock installs again.
$(VENV)/lock.txt: $(LOCK)
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "Liuyan needs Python >= 3.11; run with PYTHON=python3.12 (for example)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	cp $(LOCK) $@

$(BIN)/liuyan: pyproject.toml $(VENV)/lock.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m pip check --quiet
	$(BIN)/python requirements/check.py
	touch $@

install: $(BIN)/liuyan

# Order-only: a lock that pyproject.toml has outgrown must not stop its own renewal.
lock: | $(VENV)/lock.txt
	$(BIN)/uv pip compile pyproject.toml --extra dev --universal --python-version 3.11 --generate-hashes \
		--quiet $(LOCK_ARGS) -o $(LOCK)

run: install
	$(BIN)/liuyan migrate --noinput
	$(BIN)/liuyan seed_directory
	$(BIN)/liuyan setup_demo
	@# A task worker delivers notifications while the site runs; it stops with the server.
	$(BIN)/liuyan db_worker --no-reload & worker=$$!; trap 'kill $$worker' EXIT INT TERM; \
		DEBUG=$(SERVE_DEBUG) $(BIN)/liuyan runserver $(HOST)

dev: SERVE_DEBUG = 1
dev: run

# Each database's run spreads its tests over TEST_WORKERS pytest-xdist processes (0: none, one process),
# each with a test database and a var folder of its own (tests/conftest.py); a group of tests sharing costly
# set-up (@pytest.mark.xdist_group) stays in one of them. PYTEST_ARGS: more options, e.g. `-m "not browser"`.
TEST_WORKERS ?= 2
PYTEST = $(BIN)/pytest -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

# Both runs at once, each one's output shown whole when it ends; fails when either fails.
test: install
	@$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgres

test-sqlite: install
	$(PYTEST)

test-postgres: install
	DATABASE_URL=$(PG_TEST_URL) $(PYTEST)

lint: install
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/lint-imports --no-logo --no-cache
	$(BIN)/mypy
	$(BIN)/liuyan check --fail-level WARNING
	$(BIN)/liuyan makemigrations --check --dry-run

format: install
	$(BIN)/ruff check --fix src tests
	$(BIN)/ruff format src tests

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache src/*.egg-info
