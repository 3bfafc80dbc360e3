#!/usr/bin/env bash
# Regenerates the protobuf-c code of the manifest (Sources/CDLManifest) from format/dlpk.proto.
# Needs protoc-c (Debian: protobuf-c-compiler); the output is committed.
set -euo pipefail
cd "$(dirname "$0")"
protoc-c --c_out=../Sources/CDLManifest dlpk.proto
mv ../Sources/CDLManifest/dlpk.pb-c.h ../Sources/CDLManifest/include/dlpk.pb-c.h
