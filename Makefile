# Résilia: `make run` starts the demo, `make test` runs every test. Nothing else to set up.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: run test test-postgres lint messages clean

$(VENV)/.created:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else "Résilia needs Python 3.12+ (pyenv reads .python-version: 3.13)")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	touch $@

$(VENV)/.runtime: $(VENV)/.created requirements.txt
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

run: export DEBUG ?= true
run: $(VENV)/.runtime
	./scripts/run-demo.sh

# The browser tests drive Debian's Chromium (never a downloaded browser).
chromium:
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else echo "Install Debian's chromium (sudo apt-get install chromium) for the browser tests"; exit 1; fi; }

TEST_ENV := SECRET_KEY=test-only-not-secret DEBUG=false SECURE_SSL_REDIRECT=false \
	RESILIA_VAR_DIR=$(CURDIR)/var/test

test: $(VENV)/.dev chromium
	$(TEST_ENV) $(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(TEST_ENV) $(VENV)/bin/mypy .

messages: $(VENV)/.dev
	DEBUG=true $(PY) manage.py makemessages -l fr -e html,txt,subject,py --no-obsolete --ignore=.venv --ignore=var --ignore=conftest.py --ignore="*/tests/*"
	DEBUG=true $(PY) manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) var/test
