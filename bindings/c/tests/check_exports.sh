#!/usr/bin/env bash
# libdlpk.so exports exactly the functions declared in include/dlpk.h, no more, no fewer.
# Usage: check_exports.sh HEADER LIBRARY
set -euo pipefail
HEADER=$1 LIB=$2
declared=$(grep '^DLPK_API' "$HEADER" | grep -o 'dlpk_[a-z0-9_]*(' | tr -d '(' | sort -u)
exported=$(nm -D --defined-only "$LIB" | awk '$2 ~ /^[TtWiD]$/ {print $3}' | grep '^dlpk_' | sort -u || true)
if [ "$declared" != "$exported" ]; then
    echo "FAIL exports differ from the header (< header, > library):"
    diff <(echo "$declared") <(echo "$exported") || true
    exit 1
fi
# Nothing else that looks like ours leaks out as a C symbol.
stray=$(nm -D --defined-only "$LIB" | awk '$2 == "T" {print $3}' | grep -v '^dlpk_' || true)
if [ -n "$stray" ]; then
    echo "FAIL other exported functions:"; echo "$stray" | head; exit 1
fi
echo "ok   exports: $(echo "$declared" | wc -l) dlpk_ functions, as declared"
