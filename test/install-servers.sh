#!/usr/bin/env bash
# Makes sure what the tests run for real is installed: the CalDAV servers (Radicale, Xandikos) and
# systemd-analyze (package systemd), which checks the unit files in systemd/.
set -euo pipefail

missing=()
command -v radicale >/dev/null 2>&1 || missing+=(radicale)
command -v xandikos >/dev/null 2>&1 || missing+=(xandikos)
command -v systemd-analyze >/dev/null 2>&1 || missing+=(systemd)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "install-servers: missing ${missing[*]}; install with: sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y ${missing[*]}" >&2
  exit 1
fi

echo "install-servers: missing ${missing[*]}; running apt-get install -y ${missing[*]}" >&2
if ! apt-get update -qq >/dev/null; then
  echo "install-servers: 'apt-get update' failed; cannot install ${missing[*]}" >&2
  exit 1
fi
if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null; then
  echo "install-servers: 'apt-get install -y ${missing[*]}' failed; install them by hand and re-run" >&2
  exit 1
fi
