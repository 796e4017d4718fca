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

exec bash "$(dirname "$0")/apt-install.sh" python-deps "${packages[@]}"
