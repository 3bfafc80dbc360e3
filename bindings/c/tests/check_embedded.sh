#!/usr/bin/env bash
# The runtime core (DLCore, DLKernels, DLRuntime without the file reader) compiles as
# Embedded Swift, so that it can go onto a microcontroller (typed throws, no existentials,
# no as?/is casts). Checked for the host triple; needs a prior `swift build` (-c release)
# for the generated CDLKernels module map. Usage: check_embedded.sh [BUILD_DIR]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
BUILD=${1:-$ROOT/.build/release}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
TARGET=$(uname -m)-unknown-linux-gnu
FLAGS=(-enable-experimental-feature Embedded -target "$TARGET" -wmo -parse-as-library -I "$OUT"
       -Xcc -fmodule-map-file="$BUILD/CDLKernels.build/module.modulemap" -I "$ROOT/Sources/CDLKernels/include")
swiftc "${FLAGS[@]}" -module-name DLCore -emit-module -o "$OUT/DLCore.swiftmodule" "$ROOT"/Sources/DLCore/*.swift
swiftc "${FLAGS[@]}" -module-name DLKernels -emit-module -o "$OUT/DLKernels.swiftmodule" \
    $(find "$ROOT/Sources/DLKernels" -name '*.swift')
swiftc "${FLAGS[@]}" -module-name DLRuntime -c -o "$OUT/DLRuntime.o" \
    $(find "$ROOT/Sources/DLRuntime" -name '*.swift' ! -name 'Model+Format.swift')
echo "DLCore, DLKernels and DLRuntime compile as Embedded Swift ($TARGET)"
