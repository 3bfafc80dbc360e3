#!/usr/bin/env bash
# Builds libdlpk, installs it to a temporary prefix and tests it the way users link it:
# the C test suite (also under valgrind for leaks), the exported symbols, the header as
# C99 and C++, the C and C++ examples, static linking, and self-containedness.
# The last line is "N passed, N failed". Usage: bindings/c/run-tests.sh [PREFIX]
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
WORK=$(mktemp -d /tmp/dlpk-ctest.XXXXXX)
PREFIX=${1:-$WORK/prefix}
FIXTURES=$WORK/fixtures
trap 'rm -rf "$WORK"' EXIT
passed=0; failed=0
step() {  # step NAME COMMAND...: runs a check, counts it
    local name=$1; shift
    if "$@" > "$WORK/step.log" 2>&1; then
        passed=$((passed + 1)); echo "ok   $name"
    else
        failed=$((failed + 1)); echo "FAIL $name"; sed 's/^/     /' "$WORK/step.log" | tail -40
    fi
}

echo "==> install libdlpk to $PREFIX"
bash bindings/c/install.sh "$PREFIX" || { echo "0 passed, 1 failed"; exit 1; }
export PKG_CONFIG_PATH="$PREFIX/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
CFLAGS_DLPK=$(pkg-config --cflags dlpk); LIBS_DLPK=$(pkg-config --libs dlpk)

echo "==> test models (written by the Swift tests through DLFormat)"
DLPK_C_FIXTURES="$FIXTURES" swift test --filter FileModelTests > "$WORK/fixtures.log" 2>&1 \
    || { tail -30 "$WORK/fixtures.log"; echo "0 passed, 1 failed"; exit 1; }

echo "==> checks"
self_contained() {
    ! ldd "$PREFIX/lib/libdlpk.so" | grep -Eq 'swift|not found'
}
step "libdlpk.so needs no Swift toolchain library ($(stat -c %s "$PREFIX/lib/libdlpk.so") bytes stripped)" self_contained
step "runtime core compiles as Embedded Swift" bash bindings/c/tests/check_embedded.sh
step "exports are exactly the header's functions" bash bindings/c/tests/check_exports.sh include/dlpk.h "$PREFIX/lib/libdlpk.so"

printf '#include <dlpk.h>\nint main(void) { return dlpk_version_number() == DLPK_VERSION_NUMBER ? 0 : 1; }\n' > "$WORK/h.c"
cp "$WORK/h.c" "$WORK/h.cpp"
step "header compiles as C99 -Wall -Wextra -Werror -pedantic" cc -std=c99 -pedantic -Wall -Wextra -Werror $CFLAGS_DLPK -c "$WORK/h.c" -o "$WORK/h99.o"
step "header compiles as C11" cc -std=c11 -pedantic -Wall -Wextra -Werror $CFLAGS_DLPK -c "$WORK/h.c" -o "$WORK/h11.o"
step "header compiles as C++98 -Wall -Wextra -Werror" c++ -std=c++98 -pedantic -Wall -Wextra -Werror $CFLAGS_DLPK -c "$WORK/h.cpp" -o "$WORK/hpp98.o"
step "header compiles as C++17" c++ -std=c++17 -Wall -Wextra -Werror $CFLAGS_DLPK -c "$WORK/h.cpp" -o "$WORK/hpp17.o"
step "cc app.c \$(pkg-config --cflags --libs dlpk) links and runs" \
    sh -c "cc '$WORK/h.c' $CFLAGS_DLPK $LIBS_DLPK -o '$WORK/h' && '$WORK/h'"
step "static link with libdlpk.a (pkg-config --static)" \
    sh -c "cc '$WORK/h.c' $CFLAGS_DLPK '$PREFIX/lib/libdlpk.a' \$(pkg-config --static --libs-only-other --libs-only-L dlpk | sed 's/-ldlpk//') \$(pkg-config --static --libs dlpk | sed 's/-ldlpk//') -o '$WORK/hstatic' && '$WORK/hstatic' && ! ldd '$WORK/hstatic' | grep -q libdlpk"

step "C test suite builds (-std=c99 -Wall -Wextra -Werror)" \
    cc -std=c99 -D_DEFAULT_SOURCE -Wall -Wextra -Werror -O1 bindings/c/tests/test_dlpk.c $CFLAGS_DLPK $LIBS_DLPK -lpthread -lm -o "$WORK/test_dlpk"
run_suite() { "$WORK/test_dlpk" "$FIXTURES" | tee /dev/stderr | tail -1 | grep -q ' 0 failed'; }
step "C test suite (8 threads x 1000 runs among them)" run_suite
no_alloc() {
    cc -std=c99 -Wall -Wextra -Werror bindings/c/tests/test_no_alloc.c $CFLAGS_DLPK $LIBS_DLPK -o "$WORK/test_no_alloc" \
        && "$WORK/test_no_alloc" "$FIXTURES"
}
step "runs with unchanged shapes allocate nothing" no_alloc
if command -v valgrind > /dev/null; then
    # Invalid reads/writes and leaks fail the check. Uninitialised-value reports are off: the
    # optimised Swift code loads whole words of enums whose payloads are partly unused (the
    # same suite under a -Onone build of libdlpk reports 0 errors of any kind).
    leak_check() {
        DLPK_TEST_RUNS=5 valgrind --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=9 \
            --undef-value-errors=no \
            "$WORK/test_dlpk" "$FIXTURES"
    }
    step "no leaks or memory errors under valgrind (open/run/free cycles)" leak_check
else
    echo "skip valgrind (not installed)"
fi

step "C example builds and runs" sh -c "cc -std=c99 -Wall -Wextra -Werror bindings/c/examples/classify.c $CFLAGS_DLPK $LIBS_DLPK -o '$WORK/classify' && '$WORK/classify' '$FIXTURES/mlp.dlpk' '$FIXTURES/mlp_input_3x64.f32' 3 | grep -q '1. class'"
step "C benchmark builds and runs" sh -c "cc -std=c99 -O2 -Wall -Wextra -Werror bindings/c/examples/bench.c $CFLAGS_DLPK $LIBS_DLPK -o '$WORK/bench' && '$WORK/bench' '$FIXTURES/mlp.dlpk' 4 20 | grep -q median_us"
step "C++ wrapper and example build (-std=c++17 -Wall -Wextra -Werror) and run" sh -c "c++ -std=c++17 -Wall -Wextra -Werror -I bindings/cpp bindings/cpp/example.cpp $CFLAGS_DLPK $LIBS_DLPK -o '$WORK/example' && '$WORK/example' '$FIXTURES/mlp.dlpk' | grep -q 'expected error, status 200'"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
