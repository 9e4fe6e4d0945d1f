#!/usr/bin/env bash
# Installs the Debian packages Frontdesk uses, when missing. Safe to re-run.
#   system-deps.sh          what the embedded defaults use (espeak-ng speaks for the local voice)
#   system-deps.sh --test   and what the tests use (Chromium, for the widget in a real browser)
set -euo pipefail
declare -A wanted=([espeak-ng]=espeak-ng)
if [ "${1:-}" = "--test" ]; then
  wanted[chromium]=chromium
fi
missing=()
for command in "${!wanted[@]}"; do
  command -v "$command" >/dev/null 2>&1 || missing+=("${wanted[$command]}")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing ${missing[*]} (apt-get)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
elif [ "${1:-}" = "--test" ]; then
  echo "the tests need: ${missing[*]} (e.g. sudo apt-get install ${missing[*]})" >&2
  exit 1
else
  echo "note: install ${missing[*]} for the local voice (e.g. sudo apt-get install ${missing[*]})" >&2
fi
