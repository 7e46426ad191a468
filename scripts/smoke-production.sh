#!/usr/bin/env bash
# Production smoke test: the README's deployment, run for real on a fresh var/ and a
# fresh PostgreSQL database (collectstatic, migrate, load_demo, gunicorn with DEBUG off),
# then the pages a customer and the load balancer fetch. Any unexpected status fails.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="$PWD/.venv/bin/python"
PORT="${SMOKE_PORT:-8765}"
DB=resilia_smoke
HOST=resilia.example.nc
VAR="$(mktemp -d)"
LOG="$VAR/gunicorn.log"

psql -h 127.0.0.1 -U postgres -q -o /dev/null -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"

# Production-like variables: no debug, a real secret, behind one TLS proxy, real SMTP host.
export DEBUG=false
SECRET_KEY="$("$PY" -c 'import secrets; print(secrets.token_urlsafe(64))')"
export SECRET_KEY
export ALLOWED_HOSTS=resilia.example.nc CSRF_TRUSTED_ORIGINS=https://resilia.example.nc
export BEHIND_TLS_PROXY=true TRUSTED_PROXY_COUNT=1 SECURE_HSTS_PRELOAD=true
export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DB" RESILIA_VAR_DIR="$VAR"
export EMAIL_HOST=127.0.0.1 EMAIL_PORT=2525 EMAIL_USE_TLS=false
export RESILIA_SITE_URL=https://resilia.example.nc
# /metrics: read with a token; the web processes' counts added up in one folder.
RESILIA_METRICS_TOKEN="$("$PY" -c 'import secrets; print(secrets.token_urlsafe(32))')"
export RESILIA_METRICS_TOKEN PROMETHEUS_MULTIPROC_DIR="$VAR/prometheus"
mkdir -p "$PROMETHEUS_MULTIPROC_DIR"

"$PY" manage.py check --deploy --fail-level WARNING
"$PY" manage.py collectstatic --noinput -v0
"$PY" manage.py migrate --noinput -v0
"$PY" manage.py load_demo >/dev/null
ACCESS="$VAR/access.log"
.venv/bin/gunicorn resilia.wsgi --bind "127.0.0.1:$PORT" --workers 2 --timeout 30 --access-logfile "$ACCESS" >"$LOG" 2>&1 &
GUNICORN=$!
trap 'kill "$GUNICORN" 2>/dev/null || true; wait "$GUNICORN" 2>/dev/null || true; rm -rf "$VAR"' EXIT

for _ in $(seq 60); do
  curl -fsS -o /dev/null "http://127.0.0.1:$PORT/healthz" 2>/dev/null && break
  sleep 0.5
done
if ! "$PY" scripts/smoke_production.py "http://127.0.0.1:$PORT"; then
  echo "--- gunicorn log"; cat "$LOG"; exit 1
fi

# Hostile PDFs while the load balancer probes: answered at once, read by the worker.
if ! PYTHONPATH="$PWD:$PWD/scripts" "$PY" scripts/smoke_uploads.py "http://127.0.0.1:$PORT" send >"$VAR/uploads.out"; then
  cat "$VAR/uploads.out"; echo "--- gunicorn log"; tail -100 "$LOG"; exit 1
fi
cat "$VAR/uploads.out"

# /metrics, as Prometheus reads it: a stranger is refused; the figures move when e-mails
# wait, fail, and a worker starts and stops.
metric() {
  curl -fsS -H "Host: $HOST" -H "Authorization: Bearer $RESILIA_METRICS_TOKEN" \
    "http://127.0.0.1:$PORT/metrics" | awk -v m="$1" '$1 == m {print $2; found=1} END {if (!found) print "absent"}'
}
expect_metric() {  # name, awk condition on v, what it means
  local v; v="$(metric "$1")"
  if awk -v v="$v" "BEGIN {exit !(v != \"absent\" && ($2))}"; then echo "ok  /metrics $1 = $v"
  else echo "BAD /metrics $1 = $v: $3"; exit 1; fi
}
for forged in "" "-H X-Forwarded-For:127.0.0.1" "-H Authorization:Bearer-wrong"; do
  # shellcheck disable=SC2086
  STRANGER="$(curl -s -o /dev/null -w '%{http_code}' -H "Host: $HOST" $forged "http://127.0.0.1:$PORT/metrics")"
  [ "$STRANGER" = 403 ] || { echo "BAD /metrics answered $STRANGER without the token ($forged)"; exit 1; }
done
# Every 200 gunicorn logged so far, each worker process's counted: added up, not one's.
SERVED="$(awk '$9 == 200' "$ACCESS" | wc -l)"
expect_metric 'resilia_http_responses_total{status="200"}' "v >= $SERVED" "the web processes' answers are not added up ($SERVED logged)"
expect_metric 'resilia_http_responses_total{status="429"}' 'v >= 2' "the refused uploads are not counted"
expect_metric 'resilia_limit_refusals_today{limit="uploads"}' 'v >= 2' "the upload limit's refusals are not counted"
expect_metric resilia_emails_waiting 'v > 0' "Bob's e-mails are not seen waiting"
expect_metric resilia_workers_alive 'v == 0' "no worker runs yet"
"$PY" manage.py worker --interval 0.5 >"$VAR/worker.out" 2>&1 &  # no SMTP here: e-mails fail
WORKER=$!
for _ in $(seq 60); do [ "$(metric resilia_workers_alive)" = 1.0 ] && break; sleep 0.5; done
expect_metric resilia_workers_alive 'v == 1' "the running worker does not beat"
for _ in $(seq 60); do [ "$(metric 'resilia_tasks_waiting{kind="pdf_to_read"}')" = 0.0 ] && break; sleep 0.5; done
expect_metric resilia_emails_failing 'v > 0' "e-mails refused by the (absent) mail server are not seen failing"
kill -TERM "$WORKER"; wait "$WORKER" || true
expect_metric resilia_workers_alive 'v == 0' "a stopped worker still counts as alive"
PYTHONPATH="$PWD:$PWD/scripts" "$PY" scripts/smoke_uploads.py "http://127.0.0.1:$PORT" "$(tail -1 "$VAR/uploads.out")"

# A backup as docs/operations.md writes it, restored into a scratch database and checked.
scripts/backup.sh "$VAR/backups" >/dev/null
SCRATCH_DATABASE_URL="postgres://postgres@127.0.0.1:5432/${DB}_restore" scripts/restore-check.sh "$VAR/backups"

# The API fuzzed from its own OpenAPI document, every endpoint with a valid write key: no
# input may get a 5xx, and every answer must match the document.
API_KEY="$("$PY" manage.py create_api_key --name schemathesis --scope write)"
if ! .venv/bin/schemathesis run "http://127.0.0.1:$PORT/api/v1/openapi.json" \
    --url "http://127.0.0.1:$PORT" \
    -H "Host: resilia.example.nc" -H "X-Forwarded-Proto: https" \
    -H "Authorization: Bearer $API_KEY" \
    --checks not_a_server_error,response_schema_conformance \
    --max-examples "${SCHEMATHESIS_EXAMPLES:-300}" \
    --seed 20261126 --report junit --report-dir "$VAR/schemathesis"; then
  echo "--- gunicorn log"; tail -100 "$LOG"; exit 1
fi

# The switching endpoints again, with a gaining provider's key (the write key is refused
# there; the key joins the demo's provider Lagoon): matches, orders, moves and
# cancellations from fuzzed bodies, never a 5xx, and most of them past the limits.
BEFORE_SWITCHING="$(wc -l <"$ACCESS")"
# The first run sent bad keys on purpose from this address: its failed-key count would
# answer 429 to everything here for ten minutes, whatever the key.
"$PY" manage.py shell -c "from toolbox.models import AttemptCounter; AttemptCounter.objects.filter(key__startswith='api:auth-failures:').delete()"
SWITCHING_KEY="$("$PY" manage.py create_api_key --provider Lagoon --scope switching)"
if ! .venv/bin/schemathesis run "http://127.0.0.1:$PORT/api/v1/openapi.json" \
    --url "http://127.0.0.1:$PORT" --include-tag switching \
    -H "Host: resilia.example.nc" -H "X-Forwarded-Proto: https" \
    -H "Authorization: Bearer $SWITCHING_KEY" \
    --checks not_a_server_error,response_schema_conformance \
    --max-examples "${SCHEMATHESIS_EXAMPLES:-300}" \
    --seed 20261206 --report junit --report-dir "$VAR/schemathesis-switching"; then
  echo "--- gunicorn log"; tail -100 "$LOG"; exit 1
fi
read -r CALLS LIMITED < <(tail -n "+$((BEFORE_SWITCHING + 1))" "$ACCESS" |
  awk '$7 ~ /^\/api\/v1\/switches/ {n++; if ($9 == 429) l++} END {print n + 0, l + 0}')
echo "switching endpoints: $CALLS calls, $LIMITED answered 429"
if [ "$CALLS" -eq 0 ] || [ $((LIMITED * 2)) -ge "$CALLS" ]; then
  echo "most switching calls were stopped by a limit: the fuzzing tried nothing"; exit 1
fi
