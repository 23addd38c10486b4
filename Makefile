# Tessera: `make run` serves the embedded default, `make test` runs the suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

.PHONY: run test test-services lint fmt typecheck check migrations-check bench clean

# Debian's python3 lacks venv/ensurepip until python3-venv is installed.
$(BIN)/python:
	@$(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || bash scripts/apt-install.sh python3-venv
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# `make run` installs the runtime only (CONTRACT.md: pip install -e .).
$(VENV)/.runtime: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[test,dev]'
	touch $(VENV)/.runtime $@

run: $(VENV)/.runtime
	$(BIN)/python manage.py migrate --noinput -v0
	$(BIN)/python manage.py collectstatic --noinput -v0
	$(BIN)/python manage.py bootstrap_demo
	$(BIN)/gunicorn config.wsgi:application --bind 127.0.0.1:$(PORT) --workers 1 --threads 8 \
		--access-logfile - --graceful-timeout 5 \
		--access-logformat '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)ss'
# The access log names the path only (%(U)s): query strings carry codes and tokens
# (/confirmUser?confirmation_code=…, /oauth2/idpresponse?code=…).

# Extra pytest arguments for both suites, e.g. `make test PYTEST_ARGS="-x -k sign_up"`.
PYTEST_ARGS ?=
# The embedded suite runs on pytest-xdist workers, each with its own live_server and SQLite
# test database (`make test PYTEST_WORKERS=0` for one process). make test-services stays in
# one process: one Celery worker serves one test database.
PYTEST_WORKERS ?= 2

test: $(VENV)/.dev
	bash scripts/test-deps.sh
	$(BIN)/python -m pytest -q -p no:randomly -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

# The same suite on PostgreSQL, Redis, a Celery worker and an SMTP sink, each installed if
# absent and started on loopback ports by the script (which stops them afterwards).
test-services: $(VENV)/.dev
	bash scripts/test-deps.sh
	bash scripts/test-services.sh $(PYTEST_ARGS)

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fmt: $(VENV)/.dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

typecheck: $(VENV)/.dev
	$(BIN)/mypy .

migrations-check: $(VENV)/.dev
	$(BIN)/python manage.py makemigrations --check --dry-run

check: lint typecheck migrations-check

bench: $(VENV)/.dev
	@for script in benchmarks/bench_*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) var/db.sqlite3
