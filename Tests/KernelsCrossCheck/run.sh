#!/usr/bin/env bash
# Cross-compiles the CDLKernels sources for aarch64 and runs kernel_check.c under qemu-user:
# the portable, NEON and NEON dot-product paths against plain C references.
# Needs: apt-get install gcc-aarch64-linux-gnu qemu-user
set -euo pipefail
cd "$(dirname "$0")/../.."
S=Sources/CDLKernels
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
CC=${CC:-aarch64-linux-gnu-gcc}
"$CC" -O2 -std=gnu11 -I"$S/include" -I"$S" -o "$OUT/kernel_check" \
    Tests/KernelsCrossCheck/kernel_check.c "$S"/*.c -lpthread -lm
qemu-aarch64 -L /usr/aarch64-linux-gnu "$OUT/kernel_check"
