#!/bin/sh
# Generates src/vm/kernel/abi/events.ts from events.c (i386 layouts via gcc -m32).
set -e
cd "$(dirname "$0")"
out=${1:-../../src/vm/kernel/abi/events.ts}
tmp=$(mktemp -d)
gcc -m32 -o "$tmp/events" events.c
"$tmp/events" > "$out"
rm -rf "$tmp"
