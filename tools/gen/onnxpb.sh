#!/usr/bin/env bash
# Regenerates importer/onnxpb from ../shared/onnx-spec/onnx.proto3.
# The proto package is renamed from "onnx" to "edgectl.onnx" so that these types
# never clash in the global protobuf registry with another copy of the ONNX
# schema linked into the same binary; the wire format is unchanged.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
spec=${ONNX_SPEC:-$root/../shared/onnx-spec/onnx.proto3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sed -e 's/^package onnx;/package edgectl.onnx;\noption go_package = "github.com\/edgectl\/edgectl\/importer\/onnxpb";/' \
  "$spec" >"$tmp/onnx.proto"
PATH="$(go env GOPATH)/bin:$PATH" protoc -I "$tmp" --go_out="$tmp" --go_opt=paths=source_relative "$tmp/onnx.proto"
mkdir -p "$root/importer/onnxpb"
cp "$tmp/onnx.pb.go" "$root/importer/onnxpb/onnx.pb.go"
