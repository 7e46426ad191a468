#!/usr/bin/env bash
# A backup of Résilia into DIR (docs/operations.md): what it must hold (a manifest), the
# PostgreSQL database (pg_dump's custom format), then the stored files (receipts, signed
# forms: RESILIA_VAR_DIR/media). In this order: a file is written before the row naming
# it commits, so every file the dump names is in the archive made after it.
# Usage: scripts/backup.sh DIR   (with the production environment: DATABASE_URL, RESILIA_VAR_DIR)
set -euo pipefail
cd "$(dirname "$0")/.."
DIR="${1:?usage: scripts/backup.sh DIR}"
PY="${PY:-$PWD/.venv/bin/python}"
: "${DATABASE_URL:?DATABASE_URL must name the PostgreSQL database}"
VAR="${RESILIA_VAR_DIR:-$PWD/var}"
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$DIR"
"$PY" manage.py backup_manifest >"$DIR/resilia-$STAMP.manifest.json"
pg_dump --format=custom --no-owner --file "$DIR/resilia-$STAMP.dump" "$DATABASE_URL"
tar -C "$VAR" -czf "$DIR/resilia-$STAMP.media.tar.gz" media
echo "$DIR/resilia-$STAMP"
