#!/usr/bin/env bash
# Tests the Python binding against an installed libdlpk: installs libdlpk to a temporary
# prefix (or uses the prefix given as $1), writes the test models (the Swift tests' fixtures,
# and the dlpack CLI for `dlpack convert`), builds the C example for comparison, pip-installs
# bindings/python into a virtualenv and runs pytest. The last line is pytest's summary.
# Then checks that a wheel carrying libdlpk.so (build-wheel.sh) finds its own library.
# Usage: bindings/python/run-tests.sh [PREFIX]
# Reuses, when set: DLPK_TEST_FIXTURES (a directory with the fixtures), DLPACK_CLI.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
WORK=$(mktemp -d /tmp/dlpk-pytest.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
if [ -n "${1:-}" ] && [ -f "$1/lib/libdlpk.so" ]; then
    PREFIX=$1
else
    PREFIX=${1:-$WORK/prefix}
    echo "==> install libdlpk to $PREFIX"
    bash bindings/c/install.sh "$PREFIX" > "$WORK/install.log" 2>&1 || { tail -30 "$WORK/install.log"; exit 1; }
fi

if [ -z "${DLPK_TEST_FIXTURES:-}" ]; then
    echo "==> test models (written by the Swift tests through DLFormat)"
    export DLPK_TEST_FIXTURES=$WORK/fixtures
    DLPK_C_FIXTURES="$DLPK_TEST_FIXTURES" swift test --filter FileModelTests > "$WORK/fixtures.log" 2>&1 \
        || { tail -30 "$WORK/fixtures.log"; exit 1; }
fi
if [ -z "${DLPACK_CLI:-}" ]; then
    echo "==> dlpack CLI (for dlpack convert)"
    swift build --product dlpack > "$WORK/cli.log" 2>&1 || { tail -30 "$WORK/cli.log"; exit 1; }
    export DLPACK_CLI="$(swift build --show-bin-path)/dlpack"
fi

echo "==> C example (the reference for the same model and input)"
cc -std=c99 -O2 bindings/c/examples/classify.c -I"$PREFIX/include" -L"$PREFIX/lib" -Wl,-rpath,"$PREFIX/lib" \
    -ldlpk -o "$WORK/classify"
export DLPK_CLASSIFY=$WORK/classify

echo "==> pip install bindings/python (virtualenv with the system's numpy, onnx, onnxruntime, torch)"
python3 -m venv --system-site-packages --without-pip "$WORK/venv"  # the system pip and setuptools
"$WORK/venv/bin/python" -m pip install --quiet --no-deps --no-build-isolation "$ROOT/bindings/python" > "$WORK/pip.log" 2>&1 \
    || { cat "$WORK/pip.log"; exit 1; }

export DLPK_LIBRARY=$PREFIX/lib/libdlpk.so
cd "$WORK"  # import the installed package, not the source tree
echo "==> a wheel that carries libdlpk.so finds it without DLPK_LIBRARY"
bash "$ROOT/bindings/python/build-wheel.sh" "$PREFIX" "$WORK/dist" > "$WORK/wheel.log" 2>&1 || { cat "$WORK/wheel.log"; exit 1; }
python3 -m venv --system-site-packages --without-pip "$WORK/wheelenv"
"$WORK/wheelenv/bin/python" -m pip install --quiet --no-deps "$WORK"/dist/dlpk-*.whl
env -u DLPK_LIBRARY "$WORK/wheelenv/bin/python" -c "
import os, dlpk, numpy as np
assert os.path.dirname(dlpk.library_path()) == os.path.dirname(dlpk.__file__), dlpk.library_path()
m = dlpk.Model('$DLPK_TEST_FIXTURES/mlp.dlpk')
print('wheel ok:', os.path.basename(dlpk.library_path()), m.session().run(np.zeros((1, 64), np.float32))['y'].shape)
"
echo "==> pytest"
"$WORK/venv/bin/python" -m pytest -p no:cacheprovider -q "$ROOT/bindings/python/tests"
