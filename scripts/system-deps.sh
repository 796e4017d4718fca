#!/usr/bin/env bash
# Installs the system packages the test suite needs, where they are missing: Debian's chromium
# (the browser tests run in it, and its SwiftShader Vulkan driver gives WebGPU in Node an adapter
# without a GPU), the Vulkan loader, and ONNX's backend node tests (libonnx-testdata: the models
# and expected outputs that @stride/onnx's importer is checked against). A machine that has them
# skips apt entirely, so this is cheap to run before every `pnpm test`.
set -euo pipefail

packages=(chromium libvulkan1 libonnx-testdata)

if ! command -v dpkg-query >/dev/null 2>&1; then
  # Not Debian: the browser tests look for Chromium at $CHROMIUM_PATH (default /usr/bin/chromium),
  # and WebGPU in Node needs a Vulkan driver named by $VK_ICD_FILENAMES.
  # Without them the browser and WebGPU tests fail with their own messages; the rest still run.
  if [ ! -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then
    echo "system-deps: no Chromium at ${CHROMIUM_PATH:-/usr/bin/chromium}; set CHROMIUM_PATH to one (the browser and WebGPU tests need it)" >&2
  fi
  exit 0
fi

exec bash "$(dirname "$0")/apt-install.sh" system-deps "${packages[@]}"
