#!/usr/bin/env bash
# Regenerates src/gen/onnx_pb.ts from proto/onnx.proto (ONNX's own message definitions, copied
# unchanged from ONNX 1.12 as Debian's python3-onnx ships them). Needs protoc (Debian:
# protobuf-compiler); the output is committed, so building and testing need neither.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf src/gen
mkdir -p src/gen
protoc \
  --plugin=protoc-gen-es=node_modules/.bin/protoc-gen-es \
  --es_out=src/gen \
  --es_opt=target=ts,import_extension=js \
  --proto_path=proto \
  onnx.proto
