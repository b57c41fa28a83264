# make run   - set everything up, migrate, seed a demo, print the login, serve the admin with a task worker
# make test  - set everything up, lint, and run every test
# make lint  - ruff check and ruff format --check over the whole tree, mypy over factory/'s typed API
# make fuzz  - a long fuzzing run of every preview and of every Pygments lexer they can pick
# Both are idempotent: run them as often as you like.

SHELL := /bin/bash
VENV  := .venv
PY    := $(VENV)/bin/python
HOST  ?= 127.0.0.1
PORT  ?= 8000

# Django 6.1 needs Python >= 3.12. Take the newest suitable interpreter we can find:
# python3.13/python3.12 on PATH, then pyenv's versions, then plain python3.
PYTHON ?= $(shell for c in python3.14 python3.13 python3.12 \
	$$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -rV) python3; do \
	  p=$$(command -v $$c 2>/dev/null) || continue; \
	  $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { echo $$p; break; }; \
	done)

.PHONY: run test lint format venv migrate demo superuser serve bench fuzz clean check-python

check-python:
	@test -n "$(PYTHON)" || { echo "No Python >= 3.12 found. Install one (e.g. 'pyenv install 3.13') or pass PYTHON=/path/to/python3.13." >&2; exit 1; }

# The venv is rebuilt when requirements.txt changes; the stamp records the last install.
$(VENV)/.installed: requirements.txt | check-python
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --disable-pip-version-check -q --upgrade pip
	$(PY) -m pip install --disable-pip-version-check -q -r requirements.txt
	@touch $@

venv: $(VENV)/.installed

migrate: venv
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py seedfactory --if-empty

superuser: migrate
	$(PY) manage.py ensuresuperuser

# The web server and a task worker (manage.py db_worker: background verification and store checks)
# side by side. The worker runs in its own process group, so Ctrl-C (which the terminal sends to
# the server) or the server's exit stops the worker and its autoreloader's child too.
define SERVE_WITH_WORKER
set -m; \
$(PY) manage.py db_worker & worker=$$!; \
trap 'kill -TERM -- -$$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT; \
trap 'exit 130' INT TERM; \
$(PY) manage.py runserver $(HOST):$(PORT)
endef

serve: venv
	@$(SERVE_WITH_WORKER)

run: demo superuser
	@echo "Admin: http://$(HOST):$(PORT)/admin/ (a task worker runs beside it; Ctrl-C stops both)"
	@$(SERVE_WITH_WORKER)

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

# Rewrite the tree the way `make lint` wants it.
format: venv
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

test: lint
	$(PY) tests/run.py

# `make test` runs a short round of the same tests; this one feeds each preview FUZZ_EXAMPLES
# generated files and each lexer 64 KiB pathological inputs: 7.6 min on 2 shared cores (no
# per-test timeout: the lexer scan is one long test).
FUZZ_EXAMPLES   ?= 400
FUZZ_TEXT_BYTES ?= 65536
fuzz: venv
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) FUZZ_TEXT_BYTES=$(FUZZ_TEXT_BYTES) $(PY) -m pytest -p no:cacheprovider -q --timeout=0 \
		tests/deliveries/serving/test_preview_fuzz.py

bench: venv
	$(PY) -m bench

clean:
	rm -rf $(VENV) var/test-*
