// The web-vm CLI's promises about bad input: one clear line on stderr and a
// shell's exit status (125 VM/image, 126 cannot execute, 127 not found).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync, chmodSync, statSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { makeExt2Image, repoRoot } from './support/mkimage.mjs';
import { buildBusyboxImage } from './support/busybox.mjs';

const cli = join(repoRoot, 'bin', 'web-vm.js');
const work = mkdtempSync(join(tmpdir(), 'web-vm-cli-'));
const tree = join(work, 'tree');
mkdirSync(join(tree, 'bin'), { recursive: true });
const { busybox } = buildBusyboxImage();
const bb = readFileSync(busybox);

function put(name, bytes, mode = 0o755) {
  writeFileSync(join(tree, 'bin', name), bytes);
  chmodSync(join(tree, 'bin', name), mode);
}
put('busybox', bb);
put('text', 'just some text\n');
put('noexec', bb, 0o644);
put('truncated', bb.subarray(0, 200));
put('tiny', bb.subarray(0, 30));
// A 64-bit ELF: the host's own x86-64 binary.
put('amd64', readFileSync('/bin/true'));
// An ELF for another machine: patch e_machine to ARM (40).
const arm = Buffer.from(bb.subarray(0, 4096));
arm.writeUInt16LE(40, 18);
put('arm', arm);
// Program headers claimed far past the end of the file.
const badph = Buffer.from(bb);
badph.writeUInt32LE(0x7ffffff0, 28);
put('badphdr', badph);
// A PT_LOAD segment whose file bytes run past the end of the file.
const badseg = Buffer.from(bb);
const phoff = badseg.readUInt32LE(28);
for (let k = 0; k < badseg.readUInt16LE(44); k++) {
  if (badseg.readUInt32LE(phoff + k * 32) === 1) {
    badseg.writeUInt32LE(0x10000000, phoff + k * 32 + 16);
    badseg.writeUInt32LE(0x10000000, phoff + k * 32 + 20);
    break;
  }
}
put('badseg', badseg);
mkdirSync(join(tree, 'dir'));
const image = makeExt2Image(tree, join(work, 'img.ext2'), { sizeKb: 32768 });
const notExt2 = join(work, 'zeros.img');
writeFileSync(notExt2, Buffer.alloc(1 << 20));

function run(args) {
  const r = spawnSync(process.execPath, [cli, 'run', ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('a program from the image runs and its status comes back', () => {
  const r = run(['--image', image, '--', '/bin/busybox', 'sh', '-c', 'echo hi; exit 3']);
  assert.equal(r.stdout, 'hi\n');
  assert.equal(r.status, 3);
});

const cases = [
  ['missing image', ['--image', join(work, 'nope.ext2'), '--', '/bin/busybox'], 125, /cannot open image .*nope\.ext2: No such file or directory/],
  ['not an ext2 image', ['--image', notExt2, '--', '/bin/busybox'], 125, /cannot mount the image: .*ext2/],
  ['program not found', ['--image', image, '--', '/bin/nothere'], 127, /\/bin\/nothere: No such file or directory/],
  ['not an ELF', ['--image', image, '--', '/bin/text'], 126, /\/bin\/text: .*not an ELF/],
  ['a directory', ['--image', image, '--', '/dir'], 126, /\/dir: Is a directory/],
  ['not executable', ['--image', image, '--', '/bin/noexec'], 126, /\/bin\/noexec: Permission denied/],
  ['a 64-bit ELF', ['--image', image, '--', '/bin/amd64'], 126, /\/bin\/amd64: is a 64-bit ELF/],
  ['another machine', ['--image', image, '--', '/bin/arm'], 126, /\/bin\/arm: is for machine 40, not i386/],
  ['truncated ELF header', ['--image', image, '--', '/bin/tiny'], 126, /\/bin\/tiny: truncated ELF header/],
  ['truncated ELF', ['--image', image, '--', '/bin/truncated'], 126, /\/bin\/truncated: truncated ELF/],
  ['program headers past the end', ['--image', image, '--', '/bin/badphdr'], 126, /\/bin\/badphdr: truncated ELF: program headers/],
  ['segment past the end', ['--image', image, '--', '/bin/badseg'], 126, /\/bin\/badseg: truncated ELF: segment/],
  ['usage error', ['--', '/bin/busybox'], 125, /--image is required/],
];
for (const [name, args, status, re] of cases) {
  test(`CLI error: ${name}`, () => {
    const r = run(args);
    assert.equal(r.status, status, `stderr: ${r.stderr}`);
    assert.match(r.stderr, re);
    assert.equal(r.stderr.trim().split('\n').length >= 1, true);
    if (name !== 'usage error') assert.equal(r.stderr.trim().split('\n').length, 1, `one line expected, got: ${r.stderr}`);
  });
}

test('the guest writes to its root, but the image file is never written', () => {
  const before = readFileSync(image);
  const m = statSync(image).mtimeMs;
  const r = run(['--image', image, '--', '/bin/busybox', 'sh', '-c',
    'B=/bin/busybox; echo hello > /newfile && $B mkdir /d && $B mv /newfile /d/f && $B cat /d/f && $B rm /bin/text && $B ls /bin/text; echo $?']);
  assert.equal(r.stdout, 'hello\n1\n', r.stderr);
  assert.equal(statSync(image).mtimeMs, m);
  assert.deepEqual(readFileSync(image), before);
});

test('a deadlocked guest (cat of a FIFO nobody writes) is reported, not a silent exit', () => {
  // stdin is not a terminal (ignored), so nothing keeps Node alive but the guest: open(2) of
  // the FIFO waits for a writer forever and the event loop empties.
  const r = spawnSync(process.execPath, [cli, 'run', '--image', image, '--', '/bin/busybox', 'sh', '-c', 'busybox mkfifo /f && busybox cat /f'], {
    encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'],
  });
  assert.equal(r.signal, null, 'the CLI must exit by itself, not hang');
  assert.match(r.stderr, /web-vm: the guest is deadlocked/);
  assert.doesNotMatch(r.stderr, /read error|not found/);
  assert.notEqual(r.status, 0);
});

test.after(() => rmSync(work, { recursive: true, force: true }));
