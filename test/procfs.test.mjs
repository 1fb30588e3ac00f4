// /proc and /dev as the VM provides them (expectations from proc(5) and the
// VM's own configuration, written here by hand: the host's /proc differs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './support/mkimage.mjs';
import { buildBusyboxImage } from './support/busybox.mjs';

const { image } = buildBusyboxImage();
const cli = join(repoRoot, 'bin', 'web-vm.js');

function sh(script, extra = []) {
  const r = spawnSync(process.execPath, [cli, 'run', '--image', image, ...extra, '--', '/bin/busybox', 'sh', '-c', script], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

test('/proc/self is the caller: exe, fd, cmdline, status', () => {
  assert.equal(sh('busybox readlink /proc/self/exe'), '/bin/busybox\n');
  assert.equal(sh('busybox ls /proc/self/fd'), '0\n1\n2\n3\n', 'stdio plus the directory being listed');
  assert.equal(sh('busybox cat /proc/self/cmdline'), 'busybox\0cat\0/proc/self/cmdline\0');
  // The shell execs a lone command, so grep is pid 1 (parent 0); in a pipeline it is a child of the shell.
  assert.match(sh('busybox grep PPid /proc/self/status'), /^PPid:\t0\n$/);
  assert.match(sh('busybox grep PPid /proc/self/status | busybox cat'), /^PPid:\t1\n$/);
});

test('/proc/meminfo follows --memory-mb; cpuinfo lists the CPUID features', () => {
  assert.match(sh('busybox head -1 /proc/meminfo', ['--memory-mb', '64']), /^MemTotal:\s+65536 kB\n$/);
  assert.equal(sh('busybox grep flags /proc/cpuinfo'), 'flags\t\t: fpu tsc cx8 cmov mmx fxsr sse sse2 pni ssse3\n');
});

test('/proc/<pid>/maps shows the program, the heap and the stack', () => {
  const maps = sh('busybox cat /proc/self/maps');
  assert.match(maps, /^[0-9a-f]{8}-[0-9a-f]{8} r-xp [0-9a-f]{8} 00:00 0 +\/bin\/busybox$/m);
  assert.match(maps, /rw-p 00000000 00:00 0/);
});

test('/proc lists running processes; a child sees its own pid', () => {
  assert.equal(sh('busybox sh -c "busybox readlink /proc/self" | busybox wc -l'), '1\n');
  const out = sh('busybox ls /proc | busybox grep -c "^[0-9]"');
  assert.ok(Number(out) >= 2, out);
});
