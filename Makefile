# Tessera: `make run` serves the embedded default, `make test` runs the suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

.PHONY: run test test-services lint fmt typecheck check migrations-check bench clean

$(BIN)/python:
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
		--access-logfile - --graceful-timeout 5

test: $(VENV)/.dev
	bash scripts/test-deps.sh
	$(BIN)/python -m pytest -q -p no:randomly

test-services: $(VENV)/.dev
	bash scripts/test-services.sh

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
	@for script in benchmarks/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) var/db.sqlite3
