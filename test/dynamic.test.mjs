// Dynamic linking: programs built on this host with `gcc -m32` (no -static)
// run in the VM through the host's own i386 ld.so and shared libraries, copied
// into the image where the host keeps them (ldd says where). Each must print
// exactly what it prints natively and end with the same status.
//
//   node bin/web-vm.js run --image <image> -- /bin/<name>
//
// Also: shared libraries are read page by page on first touch, never whole
// (the in-process run counts the file pages the VM read).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { makeExt2Image, repoRoot } from './support/mkimage.mjs';

const cli = join(repoRoot, 'bin', 'web-vm.js');
const srcDir = join(repoRoot, 'test', 'dynamic');
const work = mkdtempSync(join(tmpdir(), 'web-vm-dynamic-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));

// name → extra gcc flags. gcc's default on Debian is a PIE (ET_DYN + PT_INTERP);
// hello-nopie is an ET_EXEC with PT_INTERP.
const PROGRAMS = {
  hello: [],
  'hello-nopie': ['-fno-pie', '-no-pie'],
  mathlib: ['-lm'],
  dlopen: ['-ldl'],
  facts: [],
  forkmap: [],
};
const SOURCE = { 'hello-nopie': 'hello' };

function buildTree(tree, withLoader) {
  mkdirSync(join(tree, 'bin'), { recursive: true });
  const libs = new Set();
  for (const [name, flags] of Object.entries(PROGRAMS)) {
    const out = join(tree, 'bin', name);
    execFileSync('gcc', ['-m32', '-O1', '-Wall', '-o', out, join(srcDir, `${SOURCE[name] ?? name}.c`), ...flags], { stdio: ['ignore', 'pipe', 'inherit'] });
    // "libc.so.6 => /lib32/libc.so.6 (0x…)" and "/lib/ld-linux.so.2 (0x…)"
    for (const line of execFileSync('ldd', [out], { encoding: 'utf8' }).split('\n')) {
      const m = /(?:=>\s*)?(\/\S+)\s+\(0x/.exec(line);
      if (m) libs.add(m[1]);
    }
  }
  // dlopen.c opens libm at run time: ship it where the loader finds libc.
  const libc = [...libs].find((p) => p.endsWith('/libc.so.6'));
  assert.ok(libc, 'ldd found no libc.so.6: is gcc-multilib installed?');
  libs.add(join(dirname(libc), 'libm.so.6'));
  for (const lib of libs) {
    if (!withLoader && lib.includes('ld-linux')) continue;
    mkdirSync(join(tree, dirname(lib)), { recursive: true });
    copyFileSync(lib, join(tree, lib)); // follows symlinks: the image holds the real bytes
  }
  return { libc };
}

const tree = join(work, 'tree');
const { libc } = buildTree(tree, true);
const image = makeExt2Image(tree, join(work, 'dyn.ext2'), { sizeKb: 32768 });
const bare = join(work, 'bare');
buildTree(bare, false);
const bareImage = makeExt2Image(bare, join(work, 'bare.ext2'), { sizeKb: 32768 });

function runVm(img, argv, env = []) {
  const args = [cli, 'run', '--image', img];
  for (const e of env) args.push('--env', e);
  const r = spawnSync(process.execPath, [...args, '--', ...argv], { encoding: 'latin1', timeout: 120_000 });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

function runNative(argv, env = []) {
  const r = spawnSync(join(tree, argv[0]), argv.slice(1), {
    argv0: argv[0],
    encoding: 'latin1',
    env: Object.fromEntries(env.map((e) => e.split(/=(.*)/s).slice(0, 2))),
    timeout: 30_000,
  });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

const CASES = [
  { name: 'hello world (PIE)', argv: ['/bin/hello'] },
  { name: 'hello world (ET_EXEC with an interpreter)', argv: ['/bin/hello-nopie'] },
  { name: 'libm from the shared library', argv: ['/bin/mathlib'] },
  { name: 'dlopen of libm at run time', argv: ['/bin/dlopen'] },
  {
    name: 'argv, env, auxv and file mappings (COW, mprotect, madvise, munmap, mremap, msync)',
    argv: ['/bin/facts', 'one', 'two words'],
    env: ['DYN_TEST=yes'],
  },
  { name: 'fork: file pages not read yet, COW, MAP_SHARED anonymous memory', argv: ['/bin/forkmap'] },
];

for (const c of CASES) {
  test(`dynamic: ${c.name} matches native`, () => {
    const want = runNative(c.argv, c.env);
    assert.equal(want.stderr, '', 'the native run printed to stderr');
    const got = runVm(image, c.argv, c.env);
    assert.equal(got.stderr, '', 'the VM printed to stderr');
    assert.equal(got.stdout, want.stdout);
    assert.equal(got.status, want.status);
  });
}

test('dynamic: ld.so run as a program loads the program itself (ET_DYN without PT_INTERP)', () => {
  const want = runNative(['/bin/hello']);
  const got = runVm(image, ['/lib/ld-linux.so.2', '/bin/hello']);
  assert.equal(got.stderr, '');
  assert.equal(got.stdout, want.stdout);
  assert.equal(got.status, want.status);
});

test('dynamic: a missing interpreter is reported like bash does, status 127', () => {
  const r = runVm(bareImage, ['/bin/hello']);
  assert.equal(r.status, 127);
  assert.match(r.stderr, /\/bin\/hello: cannot execute: required file not found .*\/lib\/ld-linux\.so\.2/);
  assert.equal(r.stdout, '');
});

test('dynamic: a 2 MB libc is read page by page, not whole', async () => {
  const build = join(repoRoot, 'build', 'src');
  const { runProgram } = await import(pathToFileURL(join(build, 'vm', 'index.js')).href);
  const { FileBlockDevice } = await import(pathToFileURL(join(build, 'cli', 'file-device.js')).href);
  const { pageInStats } = await import(pathToFileURL(join(build, 'vm', 'mem', 'file-backing.js')).href);
  const dev = await FileBlockDevice.open(image);
  const out = [];
  const before = { ...pageInStats };
  try {
    const r = await runProgram({ device: dev, argv: ['/bin/hello'], stdout: (d) => out.push(Buffer.from(d)) });
    assert.equal(r.exitCode, 0);
  } finally {
    await dev.close();
  }
  assert.equal(Buffer.concat(out).toString(), 'hello, dynamic world\n');
  const pages = pageInStats.pages - before.pages;
  const bytes = pageInStats.bytes - before.bytes;
  const libcBytes = statSync(libc).size;
  assert.ok(libcBytes > 1 << 20, `libc is ${libcBytes} bytes`);
  // Everything hello reads from files — itself, ld.so and the parts of libc it runs — is
  // well under half of libc alone (about 120 pages of libc's 540 on glibc 2.36+).
  assert.ok(pages > 0, 'no page was read on demand');
  assert.ok(bytes < libcBytes / 2, `hello read ${bytes} bytes (${pages} pages) from mapped files; libc alone is ${libcBytes}`);
});
