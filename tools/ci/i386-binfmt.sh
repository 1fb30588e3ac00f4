#!/usr/bin/env bash
# Makes this x86-64 host run i386 ELF binaries, which the tests and the bench
# use as the reference ("what the same binary prints natively"), and which
# debootstrap --arch=i386 needs for its chroot steps.
#
# Most x86-64 kernels run them directly (IA-32 emulation). Some machines this
# project runs on do not: their kernel says "IA-32 emulation off" and execve
# of an i386 binary fails with ENOEXEC. There, register qemu-i386-static
# (Debian's qemu-user-static) with binfmt_misc, with the F flag so the
# interpreter is opened now and also works inside a chroot of an i386 tree.
# Prints which reference is in use; exits 0 unless neither can be had.
set -euo pipefail

probe() {
  local d
  d=$(mktemp -d)
  # A 32-bit static binary that exits 0 (built here so no file is shipped).
  printf 'int main(void){return 0;}\n' > "$d/t.c"
  if ! gcc -m32 -static -o "$d/t" "$d/t.c" 2>/dev/null; then
    rm -rf "$d"
    echo "i386-binfmt: gcc -m32 cannot build (gcc-multilib missing?)" >&2
    return 2
  fi
  local rc=0
  "$d/t" 2>/dev/null || rc=$?
  rm -rf "$d"
  return "$rc"
}

if probe; then
  if grep -qs '^interpreter' /proc/sys/fs/binfmt_misc/qemu-i386 2>/dev/null; then
    echo "i386-binfmt: i386 binaries run through qemu-i386 (binfmt_misc)"
  else
    echo "i386-binfmt: i386 binaries run natively"
  fi
  exit 0
fi

QEMU=/usr/bin/qemu-i386-static
if [ ! -x "$QEMU" ]; then
  echo "i386-binfmt: this kernel cannot run i386 binaries and $QEMU is missing (apt-get install qemu-user-static)" >&2
  exit 1
fi
if [ ! -e /proc/sys/fs/binfmt_misc/register ]; then
  mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
fi
if [ -e /proc/sys/fs/binfmt_misc/qemu-i386 ]; then
  echo -1 > /proc/sys/fs/binfmt_misc/qemu-i386
fi
# Magic and mask: qemu's scripts/qemu-binfmt-conf.sh (i386: ELFCLASS32, EM_386, ET_EXEC or ET_DYN).
printf '%s' ':qemu-i386:M::\x7fELF\x01\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x03\x00:\xff\xff\xff\xff\xff\xfe\xfe\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff:'"$QEMU"':F' \
  > /proc/sys/fs/binfmt_misc/register
if probe; then
  echo "i386-binfmt: this kernel cannot run i386 binaries; registered $QEMU with binfmt_misc as the reference"
  exit 0
fi
echo "i386-binfmt: i386 binaries still do not run after registering $QEMU" >&2
exit 1
