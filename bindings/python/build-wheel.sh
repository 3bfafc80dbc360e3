#!/usr/bin/env bash
# Builds a wheel of dlpk that carries libdlpk.so (so `pip install dlpk-*.whl` needs nothing else):
#   bindings/python/build-wheel.sh PREFIX OUTDIR   (PREFIX from bindings/c/install.sh)
set -euo pipefail
PREFIX=$1; OUT=${2:-dist}
HERE=$(cd "$(dirname "$0")" && pwd)
cp "$PREFIX/lib/libdlpk.so" "$HERE/src/dlpk/libdlpk.so"
trap 'rm -f "$HERE/src/dlpk/libdlpk.so"; rm -rf "$HERE/build" "$HERE"/src/*.egg-info' EXIT
python3 -m pip wheel --quiet --no-deps --no-build-isolation "$HERE" -w "$OUT"
ls "$OUT"/dlpk-*.whl
