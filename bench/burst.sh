#!/usr/bin/env bash
# The month-end burst on the scale-out layout (`make bench-burst`): a fresh PostgreSQL
# database with 100,000 customers, then bench/burst.py (4 gunicorn workers, 3 workers,
# 5,000 submissions from 5,000 sessions, a real SMTP server counting deliveries).
set -euo pipefail
cd "$(dirname "$0")/.."
PG_URL="${PG_URL:-postgres://postgres@127.0.0.1:5432}"
export SECRET_KEY=resilia-bench-only-never-in-production-4e1d7c9a2b6f3085
export DEBUG=false SECURE_SSL_REDIRECT=false ALLOWED_HOSTS=127.0.0.1,localhost
export DJANGO_SETTINGS_MODULE=bench.settings LOG_LEVEL=WARNING
export RESILIA_VAR_DIR="$PWD/var/bench/burst"
export DATABASE_URL="$PG_URL/resilia_bench_burst"
export BENCH_DESIRED_DATE=$(.venv/bin/python -c 'from datetime import datetime; from rules import month_end; from toolbox.noumea import NOUMEA; print(month_end(datetime.now(NOUMEA).date()))')
rm -rf "$RESILIA_VAR_DIR"; mkdir -p "$RESILIA_VAR_DIR"
psql "$PG_URL/postgres" -q -c "DROP DATABASE IF EXISTS resilia_bench_burst" -c "CREATE DATABASE resilia_bench_burst"
.venv/bin/python manage.py migrate -v0
.venv/bin/python manage.py collectstatic --noinput -v0
.venv/bin/python bench/load.py --customers "${BENCH_CUSTOMERS:-100000}" --sessions "${BURST_SUBMISSIONS:-5000}" --out "$RESILIA_VAR_DIR"
BENCH_SESSIONS_FILE="$RESILIA_VAR_DIR/sessions.txt" .venv/bin/python bench/burst.py
