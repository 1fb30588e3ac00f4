// The worker-facing VM API (src/vm/vm.ts) on Debian's i386 busybox: a
// command on the terminal, exec() next to it with captured output, files in
// and out through the same kernel. Expected values are what the POSIX shell
// and coreutils semantics define (echo, exit status, cat of a file).
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildBusyboxImage } from './support/busybox.mjs';
import { MemoryBlockDevice, Vm } from '../build/src/vm/index.js';

const { image } = buildBusyboxImage();
const bytes = readFileSync(image);
const text = (b) => new TextDecoder().decode(b);
const ENV = ['PATH=/bin', 'HOME=/root'];

async function boot(rows = 24, cols = 80, jit = undefined) {
  const out = [];
  const vm = await Vm.boot(new MemoryBlockDevice(new Uint8Array(bytes)), {
    memoryMb: 64,
    jit,
    terminal: { rows, cols, output: (d) => out.push(text(d)) },
  });
  return { vm, screen: () => out.join('') };
}

test('run() shows output on the terminal with CRLF line ends and returns the status', async () => {
  const { vm, screen } = await boot();
  const exit = await vm.run(['/bin/sh', '-c', 'echo one; echo two; exit 7'], { env: ENV });
  assert.equal(exit.status, 7);
  assert.equal(screen(), 'one\r\ntwo\r\n');
  vm.stop();
});

test('exec() captures stdout, stderr and the exit status apart from the terminal', async () => {
  const { vm, screen } = await boot();
  const r = await vm.exec(['/bin/sh', '-c', 'echo out; echo err >&2; exit 3'], { env: ENV });
  assert.equal(text(r.stdout), 'out\n');
  assert.equal(text(r.stderr), 'err\n');
  assert.equal(r.exitCode, 3);
  assert.equal(screen(), '');
  // stdin is a pipe that ends after the bytes given; stdout is not a terminal.
  const w = await vm.exec(['/bin/busybox', 'wc', '-l'], { env: ENV, stdin: new TextEncoder().encode('a\nb\nc\n') });
  assert.equal(text(w.stdout).trim(), '3');
  const t = await vm.exec(['/bin/sh', '-c', '[ -t 1 ] && echo tty || echo notty'], { env: ENV });
  assert.equal(text(t.stdout), 'notty\n');
  vm.stop();
});

test('exec() of a missing program resolves with 127 and the reason', async () => {
  const { vm } = await boot();
  const r = await vm.exec(['/bin/nope'], { env: ENV });
  assert.equal(r.exitCode, 127);
  assert.match(text(r.stderr), /\/bin\/nope: No such file or directory/);
  vm.stop();
});

test('exec() runs while a shell waits for input on the terminal; typed input reaches the shell', async () => {
  const { vm, screen } = await boot();
  const shell = vm.run(['/bin/sh'], { env: ENV });
  const r = await vm.exec(['/bin/busybox', 'echo', 'beside'], { env: ENV });
  assert.equal(text(r.stdout), 'beside\n');
  vm.terminal.input(new TextEncoder().encode('echo typed-$((6*7))\r'));
  vm.terminal.input(new TextEncoder().encode('exit 4\r'));
  const exit = await shell;
  assert.equal(exit.status, 4);
  assert.match(screen(), /typed-42/);
  vm.stop();
});

test('writeFile/readFile round-trip through the guest filesystem', async () => {
  const { vm } = await boot();
  const data = new Uint8Array(70000).map((_, i) => (i * 7) & 0xff);
  await vm.writeFile('/tmp/blob', data);
  const sum = await vm.exec(['/bin/busybox', 'wc', '-c', '/tmp/blob'], { env: ENV });
  assert.equal(text(sum.stdout).trim(), '70000 /tmp/blob');
  assert.deepEqual(await vm.readFile('/tmp/blob'), data);
  // Replacing truncates; UTF-8 names and contents survive.
  await vm.writeFile('/tmp/blob', new TextEncoder().encode('short'));
  assert.equal(text(await vm.readFile('/tmp/blob')), 'short');
  await vm.writeFile('/tmp/grüße.txt', new TextEncoder().encode('héllo\n'));
  const cat = await vm.exec(['/bin/busybox', 'cat', '/tmp/grüße.txt'], { env: ENV });
  assert.equal(text(cat.stdout), 'héllo\n');
  // What a guest program wrote is readable from the host.
  await vm.exec(['/bin/sh', '-c', 'echo from-guest > /root/g.txt'], { env: ENV });
  assert.equal(text(await vm.readFile('/root/g.txt')), 'from-guest\n');
  await assert.rejects(vm.readFile('/no/such'), /cannot read \/no\/such: No such file or directory/);
  await assert.rejects(vm.writeFile('/tmp', new Uint8Array(1)), /Is a directory/);
  await assert.rejects(vm.writeFile('/missing-dir/x', new Uint8Array(1)), /No such file or directory/);
  vm.stop();
});

test('the terminal size reaches TIOCGWINSZ and follows resize()', async () => {
  const { vm, screen } = await boot(30, 100);
  await vm.run(['/bin/busybox', 'stty', 'size'], { env: ENV });
  vm.terminal.resize(40, 120);
  await vm.run(['/bin/busybox', 'stty', 'size'], { env: ENV });
  assert.equal(screen(), '30 100\r\n40 120\r\n');
  vm.stop();
});

test('a command name without a slash is searched in PATH, as execvp does', async () => {
  const { vm } = await boot();
  const r = await vm.exec(['busybox', 'echo', 'found'], { env: ['PATH=/nowhere:/bin'] });
  assert.equal(text(r.stdout), 'found\n');
  const missing = await vm.exec(['no-such-tool'], { env: ENV });
  assert.equal(missing.exitCode, 127);
  assert.match(text(missing.stderr), /no-such-tool: command not found/);
  vm.stop();
});

test('commands get the login environment of their user, with env entries over it', async () => {
  const { vm } = await boot();
  // busybox image /etc/passwd: root's home is /root (see test/support/busybox.mjs).
  const r = await vm.exec(['/bin/sh', '-c', 'echo "$HOME|$USER|$FOO|$(pwd)|$(busybox id -u)"'], { env: ['FOO=bar', 'USER=override'] });
  assert.equal(text(r.stdout), '/root|override|bar|/root|0\n');
  const u = await vm.exec(['/bin/sh', '-c', 'busybox id -u; busybox id -g'], { user: '1234:55', cwd: '/' });
  assert.equal(text(u.stdout), '1234\n55\n');
  vm.stop();
});

test('/tmp keeps its files across commands: one tmpfs, not a new one per spawned process', async () => {
  const { vm } = await boot();
  await vm.exec(['/bin/sh', '-c', 'echo one > /tmp/a'], { env: ENV });
  await vm.exec(['/bin/sh', '-c', 'echo two > /tmp/b'], { env: ENV });
  const r = await vm.exec(['/bin/sh', '-c', 'cat /tmp/a /tmp/b; busybox grep -c " /tmp " /proc/mounts'], { env: ENV });
  assert.equal(text(r.stdout), 'one\ntwo\n1\n');
  vm.stop();
});

test('the jit option: eager compiles Wasm modules, off compiles nothing, and both print what the shell defines', async () => {
  // 1+2+…+3000 = 3000·3001/2 = 4501500.
  const loop = 'i=0; s=0; while [ $i -lt 3000 ]; do i=$((i+1)); s=$((s+i)); done; echo $i $s';
  const got = {};
  for (const mode of ['eager', 'off']) {
    const { vm } = await boot(24, 80, mode);
    const r = await vm.exec(['/bin/sh', '-c', loop], { env: ENV });
    got[mode] = { out: text(r.stdout), status: r.exitCode, stats: vm.stats() };
    vm.stop();
  }
  for (const mode of ['eager', 'off']) {
    assert.equal(got[mode].out, '3000 4501500\n', mode);
    assert.equal(got[mode].status, 0, mode);
    assert.ok(got[mode].stats.instructions > 1e6, `${mode}: ${got[mode].stats.instructions} instructions`);
  }
  assert.ok(got.eager.stats.compiledBlocks > 0, `eager compiled ${got.eager.stats.compiledBlocks} blocks`);
  assert.ok(got.eager.stats.jitModules > 0 && got.eager.stats.jitBytes > 0, `eager made ${got.eager.stats.jitModules} modules`);
  assert.equal(got.off.stats.compiledBlocks, 0);
  assert.equal(got.off.stats.jitModules, 0);
});
