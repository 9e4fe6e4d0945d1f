#!/usr/bin/env bash
# Makes sure the local PostgreSQL has pgvector, installing it with the shared script when missing.
set -euo pipefail
shared=${1:-../shared}
pg_config=$(ls /usr/lib/postgresql/*/bin/pg_config 2>/dev/null | sort -V | tail -n 1 || true)
if [ -n "$pg_config" ] && [ -f "$("$pg_config" --sharedir)/extension/vector.control" ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "pgvector is missing from PostgreSQL; run $shared/scripts/install-pgvector.sh as root" >&2
  exit 1
fi
if [ -x "$shared/scripts/install-pgvector.sh" ]; then
  bash "$shared/scripts/install-pgvector.sh"
else
  echo "pgvector is missing and $shared/scripts/install-pgvector.sh is not there" >&2
  exit 1
fi
