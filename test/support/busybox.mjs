// The busybox test image: Debian's i386 static busybox plus a few data files,
// as an ext2 image (4 KiB blocks, 16 MiB) cached under .cache/images/ by a
// hash of this recipe (this file's text + the busybox binary).
//
// The tree the image is made from is kept beside it, so tests can run the very
// same busybox natively against the very same files and compare outputs.
import { execFileSync } from 'node:child_process';
import {
  chmodSync, copyFileSync, existsSync, lutimesSync, mkdirSync, mkdtempSync, readFileSync,
  readdirSync, renameSync, rmSync, symlinkSync, utimesSync, writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheDir, cached, makeExt2Image, recipeHash } from './mkimage.mjs';

export const imagesDir = join(cacheDir, 'images');
/** Written next to the image for consumers that cannot compute the hash (the browser tests). */
export const busyboxManifest = join(imagesDir, 'busybox.json');

/** Applets that get a /bin symlink (busybox also runs as `/bin/busybox APPLET`). */
export const APPLETS = ['sh', 'ls', 'cat', 'echo', 'sort', 'wc', 'md5sum', 'sha256sum', 'sed', 'head', 'tail', 'true', 'false'];
/** Every file and directory in the tree gets this mtime, so image and listings are reproducible. */
export const FIXED_MTIME = 1700000000; // 2023-11-14T22:13:20Z
const IMAGE_SIZE_KB = 16 * 1024;

/** True if `bytes` start with an ELF header for 32-bit little-endian i386 (ELF spec: e_ident, e_machine = EM_386 = 3). */
export function isI386Elf(bytes) {
  return bytes.length >= 20 && bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46 &&
    bytes[4] === 1 /* ELFCLASS32 */ && bytes[5] === 1 /* ELFDATA2LSB */ && (bytes[18] | (bytes[19] << 8)) === 3;
}

/**
 * Path of an i386 static busybox on this machine: $WEB_VM_BUSYBOX, else
 * /bin/busybox if it is i386 (Debian `busybox-static:i386`), else one
 * extracted from `apt-get download busybox-static:i386` (cached).
 */
export function findI386Busybox() {
  const candidates = [process.env.WEB_VM_BUSYBOX, '/bin/busybox', '/usr/bin/busybox'].filter(Boolean);
  for (const p of candidates) {
    if (existsSync(p) && isI386Elf(readFileSync(p).subarray(0, 64))) return p;
  }
  const extracted = join(cacheDir, 'busybox-i386', 'bin', 'busybox');
  if (existsSync(extracted)) return extracted;
  const work = mkdtempSync(join(tmpdir(), 'web-vm-busybox-'));
  try {
    execFileSync('apt-get', ['download', 'busybox-static:i386'], { cwd: work, stdio: ['ignore', 'inherit', 'inherit'] });
    const deb = readdirSync(work).find((f) => f.endsWith('.deb'));
    if (!deb) throw new Error('apt-get download busybox-static:i386 produced no .deb');
    const out = join(cacheDir, 'busybox-i386');
    mkdirSync(out, { recursive: true });
    execFileSync('dpkg-deb', ['-x', join(work, deb), work]);
    mkdirSync(join(out, 'bin'), { recursive: true });
    copyFileSync(join(work, 'bin', 'busybox'), extracted);
    chmodSync(extracted, 0o755);
  } catch (e) {
    throw new Error(`no i386 busybox found (/bin/busybox is not i386) and extracting one failed: ${e.message}. ` +
      'Install it with `dpkg --add-architecture i386 && apt-get update && apt-get install busybox-static:i386`, ' +
      'or point WEB_VM_BUSYBOX at an i386 static busybox.');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return extracted;
}

/** Deterministic xorshift32 so data files are the same on every machine. */
function rng(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s;
  };
}

function wordsFile() {
  const next = rng(0x5eed1);
  const syll = ['ba', 'na', 'ka', 'ri', 'to', 'mo', 'lu', 'se', 'que', 'zan', 'dor', 'phi', 'a', 'el', 'ix', 'ost'];
  const lines = [];
  for (let i = 0; i < 400; i++) {
    let w = '';
    const n = 1 + (next() % 4);
    for (let j = 0; j < n; j++) w += syll[next() % syll.length];
    if (next() % 7 === 0) w = w[0].toUpperCase() + w.slice(1);
    if (next() % 9 === 0) w += ' ' + syll[next() % syll.length] + 'a';
    lines.push(w);
  }
  // A few exact duplicates and edge lines for sort/uniq/wc.
  lines.push(lines[3], lines[10], lines[10], '', 'zzz last', 'AAA first', '  leading spaces', 'tab\tseparated');
  return lines.join('\n') + '\n';
}

function numbersFile() {
  const next = rng(0xc0ffee);
  const lines = [];
  for (let i = 0; i < 1000; i++) {
    const v = (next() % 2000001) - 1000000;
    lines.push(String(v));
  }
  return lines.join('\n') + '\n';
}

function binaryFile(size, seed) {
  const next = rng(seed);
  const b = new Uint8Array(size);
  for (let i = 0; i < 256 && i < size; i++) b[i] = i; // every byte value once up front
  for (let i = 256; i < size; i += 4) {
    const v = next();
    b[i] = v; if (i + 1 < size) b[i + 1] = v >>> 8; if (i + 2 < size) b[i + 2] = v >>> 16; if (i + 3 < size) b[i + 3] = v >>> 24;
  }
  return b;
}

/** Populate `root` with the image tree. */
function writeTree(root, busyboxPath) {
  const dirs = ['bin', 'etc', 'data', 'data/sub', 'data/sub/deep', 'tmp', 'root', 'home', 'dev', 'proc'];
  for (const d of dirs) mkdirSync(join(root, d), { recursive: true });
  copyFileSync(busyboxPath, join(root, 'bin', 'busybox'));
  for (const a of APPLETS) symlinkSync('busybox', join(root, 'bin', a));
  const files = {
    'etc/passwd': 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n',
    'etc/group': 'root:x:0:\nnogroup:x:65534:\n',
    'etc/hostname': 'web-vm\n',
    'data/hello.txt': 'hello from the image\n',
    'data/words.txt': wordsFile(),
    'data/numbers.txt': numbersFile(),
    // 256 KiB: past the 12 direct blocks (48 KiB at 4 KiB blocks), so read through the single-indirect block.
    'data/blob.bin': binaryFile(256 * 1024, 0xb10b),
    // 5 MiB: past 12 + 1024 blocks, so it needs the double-indirect block.
    'data/large.bin': binaryFile(5 * 1024 * 1024, 0x1a76e),
    'data/sub/deep/nested.txt': 'a file three directories down\n',
    // A `#!` script: execve hands it to the interpreter named on its first line.
    'data/script.sh': '#!/bin/busybox sh\necho "script $0 got $# args: $1 $2"\nexit 5\n',
  };
  for (const [p, content] of Object.entries(files)) {
    writeFileSync(join(root, p), content);
    chmodSync(join(root, p), 0o644);
  }
  symlinkSync('sub/deep/nested.txt', join(root, 'data', 'nested-link'));
  chmodSync(join(root, 'data', 'script.sh'), 0o755);
  chmodSync(join(root, 'bin', 'busybox'), 0o755);
  for (const d of dirs) chmodSync(join(root, d), 0o755);
  chmodSync(join(root, 'tmp'), 0o1777);
  chmodSync(join(root, 'root'), 0o700);
  chmodSync(root, 0o755);
  // Fixed times, children before parents (creating a child bumps the parent's mtime).
  const stamp = (p) => {
    for (const e of readdirSync(p, { withFileTypes: true })) {
      const c = join(p, e.name);
      if (e.isSymbolicLink()) lutimesSync(c, FIXED_MTIME, FIXED_MTIME);
      else if (e.isDirectory()) stamp(c);
      else utimesSync(c, FIXED_MTIME, FIXED_MTIME);
    }
    utimesSync(p, FIXED_MTIME, FIXED_MTIME);
  };
  stamp(root);
}

/**
 * Build (or reuse) the busybox image. Returns `{ image, tree, busybox, hash }`:
 * the ext2 image path, the directory it was made from, the busybox binary inside
 * that tree (run it natively for expected outputs), and the recipe hash.
 */
export function buildBusyboxImage() {
  const busyboxPath = findI386Busybox();
  const hash = recipeHash(readFileSync(fileURLToPath(import.meta.url)), readFileSync(busyboxPath));
  const tree = join(imagesDir, `busybox-${hash}.tree`);
  const image = join(imagesDir, `busybox-${hash}.ext2`);
  mkdirSync(imagesDir, { recursive: true });
  if (!existsSync(tree)) {
    // Build into a private directory and rename, so concurrent test processes never see half a tree.
    const tmp = `${tree}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp);
    writeTree(tmp, busyboxPath);
    try {
      renameSync(tmp, tree);
    } catch (e) {
      rmSync(tmp, { recursive: true, force: true });
      if (!existsSync(tree)) throw e;
    }
  }
  cached(image, (out) => makeExt2Image(tree, out, { blockSize: 4096, sizeKb: IMAGE_SIZE_KB }));
  const manifest = JSON.stringify({ image: `busybox-${hash}.ext2`, hash, bytes: IMAGE_SIZE_KB * 1024 }, null, 2) + '\n';
  const tmpManifest = `${busyboxManifest}.tmp-${process.pid}`;
  writeFileSync(tmpManifest, manifest);
  renameSync(tmpManifest, busyboxManifest);
  return { image, tree, busybox: join(tree, 'bin', 'busybox'), hash };
}
