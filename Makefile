# Two commands: `make run` (set up and start everything locally) and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install run test lint format check bench fixtures clean

$(STAMP): requirements/base.txt requirements/dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements/base.txt -r requirements/dev.txt
	touch $(STAMP)

install: $(STAMP)

## run: migrate, load agencies and plans, create demo accounts, start web + worker + beat.
run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py bootstrap --demo
	bin/run-local

## test: the whole suite (SQLite by default; PostgreSQL when DATABASE_URL is set), on every core.
PYTEST_ARGS ?= -n auto
test: install
	$(PY) -m pytest -p no:cacheprovider $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

check: install
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

## bench: performance scripts (not part of `make test`).
bench: install
	$(PY) bench/import_seeds.py
	DATABASE_URL="$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/duban}" $(PY) bench/admin_pages.py
	DATABASE_URL="$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/duban}" $(PY) bench/reminder_sweep.py
	DATABASE_URL="$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/duban}" $(PY) bench/api_task_list.py
	DATABASE_URL="$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/duban}" $(PY) bench/exports.py

## fixtures: regenerate fixtures/plans.json from fixtures/sources/ (review the diff!).
fixtures: install
	$(PY) manage.py dump_plan_fixtures

clean:
	rm -rf var/ staticfiles/ .pytest_cache .ruff_cache
