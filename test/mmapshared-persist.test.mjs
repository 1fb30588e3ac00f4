// A file written only through MAP_SHARED mappings (test/guest/mmapshared.c
// `keep`: parent and forked child store, exit without msync or munmap) is on
// the persisted disk with the same bytes as natively, and the ext2 image
// passes e2fsck -fn.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { buildGuests } from './support/guest.mjs';
import { repoRoot } from './support/mkimage.mjs';
import { replayOverlayFile } from '../build/src/vm/storage/overlay-file.js';

const cli = join(repoRoot, 'bin', 'web-vm.js');
const work = mkdtempSync(join(tmpdir(), 'web-vm-mmapshared-'));
after(() => rmSync(work, { recursive: true, force: true }));

test('stores through shared mappings reach an ext2 file that e2fsck accepts', { timeout: 120_000 }, () => {
  const { image, programs } = buildGuests({ native: false });
  const prog = programs.find((p) => p.name === 'mmapshared');
  const nativeDir = join(work, 'native');
  execFileSync('mkdir', ['-p', nativeDir]);
  assert.equal(execFileSync(prog.hostPath, ['keep'], { cwd: nativeDir, encoding: 'latin1' }), 'kept\n');
  const expected = readFileSync(join(nativeDir, 'kept.dat'));
  assert.equal(expected.length, 3 * 4096 + 100);

  const persist = join(work, 'persist');
  const out = execFileSync(process.execPath, [cli, 'run', '--image', image, '--persist', persist, '--', prog.path, 'keep'], { encoding: 'latin1' });
  assert.equal(out, 'kept\n');
  const journalPath = join(persist, 'overlay.journal');
  assert.ok(existsSync(journalPath));
  const img = Buffer.from(readFileSync(image));
  const r = replayOverlayFile(readFileSync(journalPath));
  assert.ok(r.meta !== null);
  for (const [n, b] of r.blocks) img.set(b, n * r.meta.blockSize);
  const check = join(work, 'check.ext2');
  writeFileSync(check, img);
  const fsck = spawnSync('e2fsck', ['-fn', check], { encoding: 'utf8' });
  assert.equal(fsck.status, 0, `e2fsck -fn found problems:\n${fsck.stdout}${fsck.stderr}`);
  const dumped = join(work, 'kept.dat');
  execFileSync('debugfs', ['-R', `dump /kept.dat ${dumped}`, check], { stdio: 'ignore' });
  assert.ok(readFileSync(dumped).equals(expected), 'the file on the disk holds the bytes stored through the mappings');
});
