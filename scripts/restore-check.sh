#!/usr/bin/env bash
# Restore the last backup in DIR into a scratch database and a scratch folder, then check
# that every request, receipt, signed form and audit entry of its manifest is there, each
# file with its recorded SHA-256 (docs/operations.md). The live database is not touched.
# Usage: scripts/restore-check.sh DIR   (SCRATCH_DATABASE_URL: where to restore; default
# postgres://postgres@127.0.0.1:5432/resilia_restore_check, dropped and created again)
set -euo pipefail
cd "$(dirname "$0")/.."
DIR="${1:?usage: scripts/restore-check.sh DIR}"
PY="${PY:-$PWD/.venv/bin/python}"
SCRATCH="${SCRATCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/resilia_restore_check}"
LAST="$(ls -1 "$DIR"/resilia-*.dump | sort | tail -1)"
LAST="${LAST%.dump}"
NAME="${SCRATCH##*/}"
SERVER="${SCRATCH%/*}/postgres"
psql "$SERVER" -q -o /dev/null -c "SET client_min_messages = warning" \
  -c "DROP DATABASE IF EXISTS $NAME" -c "CREATE DATABASE $NAME"
pg_restore --no-owner --exit-on-error --dbname "$SCRATCH" "$LAST.dump"
FILES="$(mktemp -d)"
trap 'rm -rf "$FILES"' EXIT
tar -C "$FILES" -xzf "$LAST.media.tar.gz"
echo "Restored $LAST into $NAME and $FILES"
DATABASE_URL="$SCRATCH" RESILIA_VAR_DIR="$FILES" "$PY" manage.py backup_manifest --verify "$LAST.manifest.json"
