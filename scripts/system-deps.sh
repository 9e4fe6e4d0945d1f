#!/usr/bin/env bash
# Installs the Debian packages the embedded defaults use, when missing. Safe to re-run.
set -euo pipefail
packages=(espeak-ng)
missing=()
for pkg in "${packages[@]}"; do
  command -v "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing ${missing[*]} (apt-get)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "note: install ${missing[*]} for the local voice (e.g. sudo apt-get install ${missing[*]})" >&2
fi
