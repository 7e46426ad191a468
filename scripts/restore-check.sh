#!/usr/bin/env bash
# Restore the last complete backup in DIR into a scratch database and a scratch folder,
# bring it to this code's tables (migrate), then check that every request, receipt,
# signed form and audit entry of its manifest is there, each file with its recorded
# SHA-256 (docs/operations.md). The scratch copy is dropped at the end; the live database
# is never touched (refused as the scratch one).
# Usage: scripts/restore-check.sh DIR   (SCRATCH_DATABASE_URL: where to restore; default
# postgres://postgres@127.0.0.1:5432/resilia_restore_check, dropped and created again)
set -euo pipefail
umask 077
cd "$(dirname "$0")/.."
DIR="${1:?usage: scripts/restore-check.sh DIR}"
PY="${PY:-$PWD/.venv/bin/python}"
SCRATCH="${SCRATCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/resilia_restore_check}"
if [ "$SCRATCH" = "${DATABASE_URL:-}" ]; then
  echo "SCRATCH_DATABASE_URL is the live database: refused." >&2; exit 2
fi
LAST="$(ls -1 "$DIR"/resilia-*.dump | sort | tail -1)"
LAST="${LAST%.dump}"
NAME="${SCRATCH##*/}"
SERVER="${SCRATCH%/*}/postgres"
drop() { psql "$SERVER" -q -o /dev/null -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $NAME"; }
drop
psql "$SERVER" -q -o /dev/null -c "CREATE DATABASE $NAME"
FILES="$(mktemp -d)"
trap 'rm -rf "$FILES"; drop' EXIT
pg_restore --no-owner --exit-on-error --dbname "$SCRATCH" "$LAST.dump"
tar -C "$FILES" -xzf "$LAST.media.tar.gz"
echo "Restored $LAST into $NAME and $FILES"
DATABASE_URL="$SCRATCH" RESILIA_VAR_DIR="$FILES" "$PY" manage.py migrate --noinput -v0
DATABASE_URL="$SCRATCH" RESILIA_VAR_DIR="$FILES" "$PY" manage.py backup_manifest --verify "$LAST.manifest.json"
