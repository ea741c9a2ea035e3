# Developer and CI entry points. Run `make help` for an overview.

VENV     := .venv
PYTHON   := $(VENV)/bin/python
RUFF     := $(VENV)/bin/ruff
STAMP    := $(VENV)/.installed
# Extra arguments for both pytest runs, e.g. make test PYTEST_ARGS="-k foo -x".
PYTEST_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help venv run test lint format migrate seed clean

help:
	@echo "make venv     create .venv and install requirements.txt"
	@echo "make run      migrate, seed demo data and start the dev server on 127.0.0.1:8000"
	@echo "make test     lint, migration check, pytest on SQLite and on a temporary PostgreSQL"
	@echo "make lint     ruff check and ruff format --check"
	@echo "make format   ruff format and ruff check --fix"
	@echo "make migrate  apply migrations"
	@echo "make seed     load the demo data (seed_demo)"
	@echo "make clean    remove .venv, db.sqlite3 and caches"

venv: $(STAMP)

$(PYTHON):
	python3 -m venv $(VENV)

# Reinstall only when requirements.txt is newer than the stamp.
$(STAMP): requirements.txt | $(PYTHON)
	$(PYTHON) -m pip install -r requirements.txt
	touch $(STAMP)

run: venv
	$(PYTHON) manage.py migrate --noinput
	$(PYTHON) manage.py seed_demo
	$(PYTHON) manage.py runserver 127.0.0.1:8000

# Tests never use a developer's own DATABASE_URL: the SQLite run unsets it and the
# PostgreSQL run gets one from tests.postgres.
test: venv
	$(RUFF) check .
	$(RUFF) format --check .
	env -u DATABASE_URL $(PYTHON) manage.py makemigrations --check --dry-run
	env -u DATABASE_URL $(PYTHON) -m pytest $(PYTEST_ARGS)
	env -u DATABASE_URL $(PYTHON) -m tests.postgres -- $(PYTHON) -m pytest $(PYTEST_ARGS)

lint: venv
	$(RUFF) check .
	$(RUFF) format --check .

format: venv
	$(RUFF) format .
	$(RUFF) check --fix .

migrate: venv
	$(PYTHON) manage.py migrate --noinput

seed: venv
	$(PYTHON) manage.py seed_demo

clean:
	rm -rf $(VENV) db.sqlite3 .pytest_cache .ruff_cache
	find . -path ./.git -prune -o -type d -name __pycache__ -exec rm -rf {} +
