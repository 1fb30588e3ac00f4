#!/usr/bin/env bash
# Makes this x86-64 host run i386 ELF binaries, which the tests and the bench
# use as the reference ("what the same binary prints natively"), and which
# debootstrap --arch=i386 needs for its chroot steps.
#
# Most x86-64 kernels run them directly (IA-32 emulation). Some machines this
# project runs on do not: their kernel says "IA-32 emulation off" and execve
# of an i386 binary fails with ENOEXEC. There, register qemu-i386-static
# (Debian's qemu-user-static) with binfmt_misc, with the flags
#   F  the interpreter is opened now, so it also works inside a chroot of an
#      i386 tree (debootstrap, the Debian image tests);
#   P  argv[0] is passed on as the program gave it, which multi-call binaries
#      need: busybox sh runs its applets by exec'ing itself with argv[0] =
#      "cat", "sort"…; without P the kernel replaces it by the path and busybox
#      answers "hello.txt: applet not found".
# Test code asks test/support/i386-reference.mjs which reference is in use.
# Prints which reference is in use; exits 0 unless neither can be had.
set -euo pipefail

QEMU=/usr/bin/qemu-i386-static
ENTRY=/proc/sys/fs/binfmt_misc/qemu-i386
ARGV0=web-vm-argv0-probe

# 0 if an i386 program runs here and sees the argv[0] it was given.
probe() {
  local d rc=0
  d=$(mktemp -d)
  # A 32-bit static binary (built here so no file is shipped).
  printf '#include <string.h>\nint main(int c, char **v) { return c < 1 || strcmp(v[0], "%s") != 0; }\n' "$ARGV0" > "$d/t.c"
  if ! gcc -m32 -static -o "$d/t" "$d/t.c" 2>/dev/null; then
    rm -rf "$d"
    echo "i386-binfmt: gcc -m32 cannot build (gcc-multilib missing?)" >&2
    return 2
  fi
  (exec -a "$ARGV0" "$d/t") 2>/dev/null || rc=$?
  rm -rf "$d"
  return "$rc"
}

ours() { [ -e "$ENTRY" ] && grep -qx "interpreter $QEMU" "$ENTRY"; }

if probe; then
  if ours; then
    echo "i386-binfmt: i386 binaries run through qemu-i386 (binfmt_misc, $(grep '^flags' "$ENTRY"))"
  else
    echo "i386-binfmt: i386 binaries run natively"
  fi
  exit 0
fi

if [ ! -x "$QEMU" ]; then
  echo "i386-binfmt: this kernel cannot run i386 binaries and $QEMU is missing (apt-get install qemu-user-static)" >&2
  exit 1
fi
if [ ! -e /proc/sys/fs/binfmt_misc/register ]; then
  mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
fi
# An entry from an earlier run (e.g. without P) is replaced.
if [ -e "$ENTRY" ]; then
  echo -1 > "$ENTRY"
fi
# Magic and mask: qemu's scripts/qemu-binfmt-conf.sh (i386: ELFCLASS32, EM_386, ET_EXEC or ET_DYN).
printf '%s' ':qemu-i386:M::\x7fELF\x01\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x03\x00:\xff\xff\xff\xff\xff\xfe\xfe\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff:'"$QEMU"':PF' \
  > /proc/sys/fs/binfmt_misc/register
if probe; then
  echo "i386-binfmt: this kernel cannot run i386 binaries; registered $QEMU with binfmt_misc (flags PF) as the reference"
  exit 0
fi
echo "i386-binfmt: i386 binaries still do not run (or lose their argv[0]) after registering $QEMU" >&2
exit 1
