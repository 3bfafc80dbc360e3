#!/usr/bin/env bash
# Builds libdlpk (release, Swift runtime linked in statically) and installs it to PREFIX:
#   PREFIX/include/dlpk.h, PREFIX/lib/libdlpk.so, PREFIX/lib/libdlpk.a,
#   PREFIX/lib/pkgconfig/dlpk.pc
# Then: PKG_CONFIG_PATH=PREFIX/lib/pkgconfig cc app.c $(pkg-config --cflags --libs dlpk)
#
# Usage: bindings/c/install.sh PREFIX            (default /usr/local)
#        SKIP_BUILD=1 bindings/c/install.sh PREFIX  (install what .build/release holds)
set -euo pipefail
PREFIX=${1:-/usr/local}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
VERSION=$(sed -n 's/^#define DLPK_VERSION_STRING "\(.*\)"/\1/p' include/dlpk.h)

# The exported symbols are exactly the dlpk_ functions (bindings/c/dlpk.map); the rest is
# hidden, which also lets the linker drop unused code.
LINK_FLAGS=(-Xswiftc -static-stdlib -Xlinker --version-script="$ROOT/bindings/c/dlpk.map" -Xlinker --gc-sections)
if [ -z "${SKIP_BUILD:-}" ]; then
    echo "==> swift build -c release --product dlpk (static Swift runtime)"
    swift build -c release --product dlpk "${LINK_FLAGS[@]}"
fi
BIN=$(swift build -c release --show-bin-path)

mkdir -p "$PREFIX/include" "$PREFIX/lib/pkgconfig"
install -m 644 include/dlpk.h "$PREFIX/include/dlpk.h"
install -m 755 "$BIN/libdlpk.so" "$PREFIX/lib/libdlpk.so"
strip --strip-unneeded "$PREFIX/lib/libdlpk.so"

# libdlpk.a: the Swift objects of DLCAPI and everything it depends on, plus the C
# kernels, in one archive; linking it statically needs the Swift runtime archives
# (listed in Libs.private, for `pkg-config --static`).
STATIC_OBJS=()
for module in DLCAPI DLRuntime DLFormat DLKernels DLCore CDLKernels CDLManifest; do
    if [ -d "$BIN/$module.build" ]; then
        while IFS= read -r o; do STATIC_OBJS+=("$o"); done < <(find "$BIN/$module.build" -name '*.o')
    fi
done
rm -f "$PREFIX/lib/libdlpk.a"
ar rcs "$PREFIX/lib/libdlpk.a" "${STATIC_OBJS[@]}"

SWIFT_STATIC=$(dirname "$(dirname "$(command -v swiftc)")")/lib/swift_static/linux
LIBS_PRIVATE="-L$SWIFT_STATIC -lswiftSynchronization -lswiftCore -lswift_RegexParser -lswift_StringProcessing -lzstd -lprotobuf-c -lstdc++ -lm -ldl -lpthread"
sed -e "s|@PREFIX@|$PREFIX|" -e "s|@VERSION@|$VERSION|" -e "s|@LIBS_PRIVATE@|$LIBS_PRIVATE|" \
    bindings/c/dlpk.pc.in > "$PREFIX/lib/pkgconfig/dlpk.pc"
echo "==> installed libdlpk $VERSION to $PREFIX ($(stat -c %s "$PREFIX/lib/libdlpk.so") bytes stripped)"
