#!/usr/bin/env bash
# Installs the Debian packages named as arguments that are missing, with apt, as root or through
# sudo; prints nothing and exits 0 when all are there. The first argument is the caller's name,
# which its messages carry. Nothing may prompt: CI has no standard input.
set -euo pipefail

who="$1"
shift
missing=()
for pkg in "$@"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$pkg")
  fi
done
[ "${#missing[@]}" -eq 0 ] && exit 0

as_root=()
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "$who: as root run: apt-get update && apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  # sudo may ask for a password at a terminal; anywhere else (CI has no standard input) it must
  # not wait for one.
  if [ -t 0 ]; then as_root=(sudo); else as_root=(sudo -n); fi
fi
echo "$who: installing ${missing[*]} (apt)"
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq </dev/null
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null
