#!/usr/bin/env bash
# A backup of Résilia into DIR (docs/operations.md): what it must hold (a manifest), the
# PostgreSQL database (pg_dump's custom format), then the stored files (receipts, signed
# forms: RESILIA_VAR_DIR/media). In this order: a file is written before the row naming
# it commits, so every file the dump names is in the archive made after it. Each part is
# written under a temporary name and the dump is renamed last: a set with its .dump is
# complete (scripts/restore-check.sh reads only those). Readable by its owner only.
# Usage: scripts/backup.sh DIR   (with the production environment: DATABASE_URL, RESILIA_VAR_DIR)
set -euo pipefail
umask 077
cd "$(dirname "$0")/.."
DIR="${1:?usage: scripts/backup.sh DIR}"
PY="${PY:-$PWD/.venv/bin/python}"
: "${DATABASE_URL:?DATABASE_URL must name the PostgreSQL database}"
VAR="${RESILIA_VAR_DIR:-$PWD/var}"
SET="$DIR/resilia-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$DIR"
"$PY" manage.py backup_manifest >"$SET.manifest.json.part"
pg_dump --format=custom --no-owner --file "$SET.dump.part" "$DATABASE_URL"
# Files come and go while it runs (a PDF being read): GNU tar says so with status 1, and
# what it archived is still whole; any other status is a failure.
status=0
tar -C "$VAR" --warning=no-file-changed --warning=no-file-removed \
  -czf "$SET.media.tar.gz.part" media || status=$?
[ "$status" -le 1 ] || exit "$status"
mv "$SET.manifest.json.part" "$SET.manifest.json"
mv "$SET.media.tar.gz.part" "$SET.media.tar.gz"
mv "$SET.dump.part" "$SET.dump"
echo "$SET"
