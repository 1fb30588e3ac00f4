#!/bin/sh
# Generates src/vm/kernel/abi/tty.ts from tty.c (i386 termios, ioctls, wait constants via gcc -m32).
set -e
cd "$(dirname "$0")"
out=${1:-../../src/vm/kernel/abi/tty.ts}
tmp=$(mktemp -d)
gcc -m32 -o "$tmp/tty" tty.c
"$tmp/tty" > "$out"
rm -rf "$tmp"
