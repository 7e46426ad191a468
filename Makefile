# Résilia: `make run` starts the demo, `make test` runs every test. Nothing else to set up.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: run test lint messages clean run-packages test-packages bench bench-packages bench-burst bench-backlog

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
run: $(VENV)/.runtime run-packages
	./scripts/run-demo.sh

# Debian packages: the DejaVu fonts for the OPTimo PDF and poppler-utils to rebuild uploaded
# PDFs from their pixels (run and test); Chromium for the browser tests (never a
# downloaded browser).
RUN_PACKAGES := fonts-dejavu-core poppler-utils
TEST_PACKAGES := fonts-dejavu-core poppler-utils chromium
define apt_install
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq $$missing >/dev/null; \
	  else echo "Please install:$$missing (sudo apt-get install$$missing)"; exit 1; fi; fi
endef

run-packages:
	$(call apt_install,$(RUN_PACKAGES))

test-packages:
	$(call apt_install,$(TEST_PACKAGES))

# wrk is the load generator of `make bench`; psql makes its scratch PostgreSQL database.
BENCH_PACKAGES := fonts-dejavu-core wrk postgresql-client curl
bench-packages:
	$(call apt_install,$(BENCH_PACKAGES))

# Month-end at national scale: the hot paths against the framework's ceilings, on
# PostgreSQL then SQLite (bench/run.sh says what is measured; docs/BENCHMARKS.md has figures).
bench: $(VENV)/.dev bench-packages
	bash bench/run.sh

# The month-end burst on 4 web workers and 3 task workers (bench/burst.py says what it checks).
bench-burst: $(VENV)/.dev bench-packages
	bash bench/burst.sh

TEST_ENV := SECRET_KEY=resilia-test-suite-only-never-in-production-7f3c9a1e5b2d8046 DEBUG=false SECURE_SSL_REDIRECT=false \
	RESILIA_VAR_DIR=$(CURDIR)/var/test

test: $(VENV)/.dev test-packages
	$(TEST_ENV) $(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(TEST_ENV) $(VENV)/bin/mypy .

messages: $(VENV)/.dev
	DEBUG=true $(PY) manage.py makemessages -l fr -e html,txt,subject,py --no-obsolete --no-wrap --ignore=.venv --ignore=var --ignore=conftest.py --ignore="*/tests/*"
	DEBUG=true $(PY) manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) var/test

# The backlog case: a new access code behind 9,000 webhook events and 3,000 notices, one
# worker, on PostgreSQL (bench/backlog.py; figures in docs/BENCHMARKS.md).
bench-backlog: $(VENV)/.dev bench-packages
	$(PY) bench/backlog.py
