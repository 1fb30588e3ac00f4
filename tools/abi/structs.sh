#!/bin/sh
# Generates src/vm/kernel/abi/structs.ts from structs.c (i386 layouts via gcc -m32).
set -e
cd "$(dirname "$0")"
out=${1:-../../src/vm/kernel/abi/structs.ts}
tmp=$(mktemp -d)
gcc -m32 -o "$tmp/structs" structs.c
"$tmp/structs" > "$out"
rm -rf "$tmp"
