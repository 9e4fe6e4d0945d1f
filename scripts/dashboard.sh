#!/usr/bin/env bash
# Builds the dashboard (frontend/ → src/frontdesk/web/dashboard/) with the pinned npm packages.
# `--required`: a missing Node.js is an error (the test suite drives the dashboard in a browser);
# otherwise Frontdesk runs without the dashboard and says how to build it.
set -euo pipefail
cd "$(dirname "$0")/../frontend"
required=0
[[ "${1:-}" == "--required" ]] && required=1

node_major() { node -e 'console.log(process.versions.node.split(".")[0])' 2>/dev/null || echo 0; }

if ! command -v npm >/dev/null || [[ "$(node_major)" -lt 20 ]]; then
  message="The dashboard needs Node.js 20 or newer with npm (https://nodejs.org); the API runs without it."
  if [[ $required == 1 ]]; then echo "error: $message" >&2; exit 1; fi
  echo "note: $message" >&2
  exit 0
fi

stamp=node_modules/.frontdesk-lock
if [[ ! -f $stamp ]] || ! cmp -s package-lock.json "$stamp"; then
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json "$stamp"
fi

out=../src/frontdesk/web/dashboard/index.html
newest=$(find src index.html vite.config.ts tsconfig.json package-lock.json -type f -newer "$out" 2>/dev/null | head -1 || true)
if [[ ! -f $out || -n $newest ]]; then
  npm run --silent build
fi
