#!/usr/bin/env bash
# The back office and the daily run at scale, on SQLite then PostgreSQL, each part on a
# fresh scratch database (see bench/backoffice_speed.py for what is measured).
# Usage: bench/backoffice_speed.sh [ROWS]        (default 100,000)
#   PG_URL=postgres://postgres@127.0.0.1:5432 picks the server; BENCH_DB names the database.
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS="${1:-100000}"
PY=.venv/bin/python
PG_URL="${PG_URL:-postgres://postgres@127.0.0.1:5432}"
BENCH_DB="${BENCH_DB:-resilia_bench_bo}"
SCRATCH="${SCRATCH:-$PWD/var/bench}"
export SECRET_KEY=resilia-test-suite-only-never-in-production-7f3c9a1e5b2d8046
export DEBUG=false SECURE_SSL_REDIRECT=false ALLOWED_HOSTS=testserver

prepare() {  # a fresh database for $RESILIA_VAR_DIR / $DATABASE_URL
  if [[ -n "${DATABASE_URL:-}" ]]; then
    psql "$PG_URL/postgres" -q -c "DROP DATABASE IF EXISTS $BENCH_DB" \
      -c "CREATE DATABASE $BENCH_DB"
  fi
  rm -rf "$RESILIA_VAR_DIR"
  mkdir -p "$RESILIA_VAR_DIR"
  "$PY" manage.py migrate -v0
  "$PY" manage.py collectstatic --noinput -v0
}

for database in sqlite postgresql; do
  for mode in pages daily; do
    export RESILIA_VAR_DIR="$SCRATCH/$database-$mode"
    if [[ $database == postgresql ]]; then
      export DATABASE_URL="$PG_URL/$BENCH_DB"
    else
      unset DATABASE_URL
    fi
    echo "== $database, $mode, $ROWS rows"
    prepare
    if [[ $mode == daily ]]; then
      "$PY" bench/backoffice_speed.py --rows "$ROWS" --daily
    else
      "$PY" bench/backoffice_speed.py --rows "$ROWS"
    fi
  done
done
