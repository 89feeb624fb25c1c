#!/usr/bin/env bash
# Makes sure the real CalDAV servers used by the tests (Radicale, Xandikos) are installed.
set -euo pipefail

missing=()
command -v radicale >/dev/null 2>&1 || missing+=(radicale)
command -v xandikos >/dev/null 2>&1 || missing+=(xandikos)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "install-servers: missing ${missing[*]}; install with: sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y ${missing[*]}" >&2
  exit 1
fi

echo "install-servers: missing ${missing[*]}; running apt-get install -y radicale xandikos" >&2
if ! apt-get update -qq >/dev/null; then
  echo "install-servers: 'apt-get update' failed; cannot install radicale xandikos" >&2
  exit 1
fi
if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq radicale xandikos >/dev/null; then
  echo "install-servers: 'apt-get install -y radicale xandikos' failed; install them by hand and re-run" >&2
  exit 1
fi
