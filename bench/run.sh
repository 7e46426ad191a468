#!/usr/bin/env bash
# Month-end at national scale (`make bench`): the product's hot paths against the
# framework's ceilings, measured in one run on PostgreSQL then SQLite.
#
# For each database: a fresh database, BENCH_CUSTOMERS customers (default 100,000) with
# logged-in sessions, gunicorn with one sync worker per core, then `wrk` on
#   - the ceilings: a "hello" view behind the product's middleware (for pages), the same
#     view with no middleware at all (its own gunicorn on the next port), one INSERT, and
#     a submission's own writes in one transaction (a row lock, six INSERTs, the commit);
#   - the login page, the logged-in home page, the live summary (htmx GET) and the full
#     submission (POST → redirect, each from its own session and subscription);
# at 8 connections for BENCH_SECONDS (default 10) for the table, in BENCH_ROUNDS rounds
# (default 3: every path once per round, the ceilings beside the pages, so that a noisy
# minute on a shared machine moves one round; bench/report.py takes the median), then at
# 1, 32 and 64 connections (BENCH_SWEEP_SECONDS, default 5) for the chart.
# Results: var/bench/results.jsonl, the table printed (bench/report.py),
# docs/bench-clients.png.
#
#   BENCH_DATABASES="postgresql sqlite"   which databases, in order
#   PG_URL=postgres://postgres@127.0.0.1:5432   the PostgreSQL server (database resilia_bench)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PY=$ROOT/.venv/bin/python
PG_URL="${PG_URL:-postgres://postgres@127.0.0.1:5432}"
CUSTOMERS="${BENCH_CUSTOMERS:-100000}"
SECONDS_TABLE="${BENCH_SECONDS:-10}"
SECONDS_SWEEP="${BENCH_SWEEP_SECONDS:-5}"
ROUNDS="${BENCH_ROUNDS:-3}"
DATABASES="${BENCH_DATABASES:-postgresql sqlite}"
PORT="${BENCH_PORT:-8077}"
WORKERS="$(nproc)"
OUT="$ROOT/var/bench"
RESULTS="$OUT/results.jsonl"
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }

export SECRET_KEY=resilia-bench-only-never-in-production-4e1d7c9a2b6f3085
export DEBUG=false SECURE_SSL_REDIRECT=false ALLOWED_HOSTS=127.0.0.1,localhost
export DJANGO_SETTINGS_MODULE=bench.settings LOG_LEVEL=WARNING
export BENCH_DIR="$ROOT/bench/wrk"
mkdir -p "$OUT"
: > "$RESULTS"
SERVER_PID=""
BARE_PID=""
stop_server() {
  for pid in $SERVER_PID $BARE_PID; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  SERVER_PID=""
  BARE_PID=""
}
trap stop_server EXIT

# Run wrk once and append its result: <database> <path> <connections> <seconds> <expect> <url> [script]
measure() {
  local database=$1 name=$2 connections=$3 seconds=$4 expect=$5 url=$6 script=${7:-get.lua}
  local threads=$(( connections < 2 ? 1 : 2 ))
  local line
  line=$(BENCH_EXPECT=$expect BENCH_THREADS=$threads wrk -t"$threads" -c"$connections" \
    -d"${seconds}s" --timeout 5s -s "$BENCH_DIR/$script" "http://127.0.0.1:$PORT$url" | grep '^BENCH ' | cut -c7-)
  echo "{\"database\": \"$database\", \"path\": \"$name\", \"connections\": $connections, \"round\": $ROUND, $(echo "$line" | cut -c2-)" >> "$RESULTS"
  echo "  $database $name c=$connections round $ROUND: $line"
}

for database in $DATABASES; do
  export RESILIA_VAR_DIR="$OUT/$database"
  rm -rf "$RESILIA_VAR_DIR"; mkdir -p "$RESILIA_VAR_DIR"
  if [[ $database == postgresql ]]; then
    psql "$PG_URL/postgres" -q -c "DROP DATABASE IF EXISTS resilia_bench" -c "CREATE DATABASE resilia_bench"
    export DATABASE_URL="$PG_URL/resilia_bench"
  else
    unset DATABASE_URL
  fi
  echo "== $database: $CUSTOMERS customers, gunicorn with $WORKERS workers"
  "$PY" manage.py migrate -v0
  "$PY" manage.py collectstatic --noinput -v0
  "$PY" bench/load.py --customers "$CUSTOMERS" --sessions $(( CUSTOMERS < 60000 ? CUSTOMERS : 60000 )) --out "$RESILIA_VAR_DIR"
  SESSIONS="$RESILIA_VAR_DIR/sessions.txt"
  # A returning browser's cookies: its session and its CSRF cookie.
  COOKIE="sessionid=$(head -1 "$SESSIONS" | cut -d' ' -f1); csrftoken=$(head -1 "$SESSIONS" | cut -d' ' -f2)"
  FIRST_SUB=$(head -1 "$SESSIONS" | cut -d' ' -f3)
  DESIRED=$("$PY" -c 'from datetime import datetime; from rules import month_end; from toolbox.noumea import NOUMEA; print(month_end(datetime.now(NOUMEA).date()))')
  export BENCH_DESIRED_DATE=$DESIRED
  "$ROOT/.venv/bin/gunicorn" resilia.wsgi -w "$WORKERS" -b "127.0.0.1:$PORT" --log-level warning --access-logfile /dev/null &
  SERVER_PID=$!
  DJANGO_SETTINGS_MODULE=bench.bare "$ROOT/.venv/bin/gunicorn" 'django.core.wsgi:get_wsgi_application()' \
    -w "$WORKERS" -b "127.0.0.1:$(( PORT + 1 ))" --log-level warning --access-logfile /dev/null &
  BARE_PID=$!
  for _ in $(seq 50); do curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
  for _ in $(seq 50); do curl -fsS "http://127.0.0.1:$(( PORT + 1 ))/bench/hello" >/dev/null 2>&1 && break; sleep 0.2; done

  # Each submission run gets its own slice of sessions (a subscription is cancelled once).
  slice=0
  submissions() {  # <connections> <seconds>
    local lines=$(( 400 * $2 * ( $1 < 8 ? 1 : 2 ) ))
    sed -n "$(( slice + 2 )),$(( slice + 1 + lines ))p" "$SESSIONS" > "$OUT/slice.txt"
    slice=$(( slice + lines ))
    BENCH_SESSIONS="$OUT/slice.txt" measure "$database" submit "$1" "$2" 302 /resiliation/confirmer/ submit.lua
  }
  summary_url="/resiliation/recapitulatif/?subscription=$FIRST_SUB&desired_date=$DESIRED&kind=definitive"
  # Warm-up, not recorded: each worker's first requests compile the templates and fill
  # the per-process caches, and a stall then shows as every queued request's p99.
  for url in /bench/hello /bench/insert /bench/writes /connexion/; do
    wrk -t2 -c8 -d2s "http://127.0.0.1:$PORT$url" >/dev/null
  done
  wrk -t2 -c8 -d2s "http://127.0.0.1:$(( PORT + 1 ))/bench/hello" >/dev/null
  for url in / "$summary_url"; do
    wrk -t2 -c8 -d2s -H "Cookie: $COOKIE" "http://127.0.0.1:$PORT$url" >/dev/null
  done
  runs=""
  for round in $(seq "$ROUNDS"); do runs="$runs 8:$round:$SECONDS_TABLE"; done
  for run in $runs 1:1:"$SECONDS_SWEEP" 32:1:"$SECONDS_SWEEP" 64:1:"$SECONDS_SWEEP"; do
    IFS=: read -r connections ROUND seconds <<< "$run"
    PORT=$(( PORT + 1 )) measure "$database" bare "$connections" "$seconds" 200 /bench/hello
    measure "$database" hello "$connections" "$seconds" 200 /bench/hello
    measure "$database" insert "$connections" "$seconds" 200 /bench/insert
    measure "$database" writes "$connections" "$seconds" 200 /bench/writes
    measure "$database" login "$connections" "$seconds" 200 /connexion/
    BENCH_COOKIE=$COOKIE measure "$database" home "$connections" "$seconds" 200 /
    BENCH_COOKIE=$COOKIE measure "$database" summary "$connections" "$seconds" 200 "$summary_url"
    submissions "$connections" "$seconds"
  done
  stop_server
done

"$PY" bench/report.py "$RESULTS" --chart docs/bench-clients.png
