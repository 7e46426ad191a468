#!/usr/bin/env bash
# Import N billing rows (default 100,000) into a fresh database, then re-import them.
# Usage: bench/import_customers.sh [ROWS]   (DATABASE_URL picks the database)
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS="${1:-100000}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
# As in production: with DEBUG on, Django would also log every query with its values.
export DEBUG=false SECURE_SSL_REDIRECT=false RESILIA_VAR_DIR="$WORK"
export SECRET_KEY=resilia-bench-only-never-in-production-4e1d7c9a2b6f3085
PY=.venv/bin/python

"$PY" - "$ROWS" > "$WORK/customers.csv" <<'PY'
import sys
from resilia.demo import demo_csv
rows = int(sys.argv[1])
text = demo_csv(count=int(rows / 1.075) + 10, seed=1)
lines = text.splitlines()[: rows + 1]
print("\n".join(lines))
PY
echo "rows: $(($(wc -l < "$WORK/customers.csv") - 1))"
"$PY" manage.py migrate -v0
for run in first re-import; do
  start=$(date +%s.%N)
  "$PY" manage.py import_customers "$WORK/customers.csv" -v0 2>/dev/null
  end=$(date +%s.%N)
  echo "$run: $(echo "$end - $start" | bc) s"
done
