#!/bin/sh
# Generates src/vm/kernel/abi/net.ts from net.c (i386 layouts via gcc -m32).
set -e
cd "$(dirname "$0")"
out=${1:-../../src/vm/kernel/abi/net.ts}
tmp=$(mktemp -d)
gcc -m32 -o "$tmp/net" net.c
"$tmp/net" > "$out"
rm -rf "$tmp"
