#!/usr/bin/env bash
# Start the web server and the worker together; Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
PORT="${PORT:-8000}"
# Every link Résilia writes (e-mails, the receipt) points here: the address served below.
export RESILIA_SITE_URL="${RESILIA_SITE_URL:-http://127.0.0.1:${PORT}}"

"$PY" manage.py migrate --noinput -v0
"$PY" manage.py load_demo --if-empty

"$PY" manage.py worker --interval 1 &
WORKER=$!
# The daily run (confirmations, completions); production runs it from cron at 00:05.
( while true; do
    "$PY" manage.py run_daily >/dev/null
    "$PY" manage.py forward_forms --scheduled >/dev/null
    sleep 300
  done ) &
DAILY=$!
trap 'kill "$WORKER" "$DAILY" 2>/dev/null || true; wait "$WORKER" 2>/dev/null || true' EXIT INT TERM

echo
echo "Résilia is running: http://127.0.0.1:${PORT}/  (back office: http://127.0.0.1:${PORT}/backoffice/)"
echo "E-mails are not sent in the demo: read them at http://127.0.0.1:${PORT}/demo/boite-mail/"
echo "Press Ctrl-C to stop the web server and the worker."
echo
"$PY" manage.py runserver "127.0.0.1:${PORT}" --noreload
