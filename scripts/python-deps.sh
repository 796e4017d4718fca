#!/usr/bin/env bash
# Installs Debian's PyTorch (with OpenBLAS, without which its matmul is ~60× slower) and ONNX for
# /usr/bin/python3, where missing. Only CI and people who want every check run it: the tests that
# need them skip with a message naming this script.
set -euo pipefail

packages=(python3-torch libopenblas0-pthread python3-onnx)

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "python-deps: not Debian; install PyTorch 1.13+ and onnx for /usr/bin/python3 yourself" >&2
  exit 0
fi

missing=()
for pkg in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$pkg")
  fi
done
[ "${#missing[@]}" -eq 0 ] && exit 0

as_root=()
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "python-deps: as root run: apt-get update && apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  if [ -t 0 ]; then as_root=(sudo); else as_root=(sudo -n); fi
fi
echo "python-deps: installing ${missing[*]} (apt)"
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq </dev/null
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null
