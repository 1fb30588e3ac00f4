// The Debian bookworm i386 image (issue 4): `debootstrap --arch=i386
// --variant=minbase bookworm` plus the packages a person expects, a user
// `user` (uid 1000) with example programs, built into ext2 with `mke2fs -d`
// and cached by a hash of this recipe. Needs root (debootstrap, chroot),
// Debian's `debootstrap` package, and the Debian mirror.
//
// debootstrap runs i386 programs in a chroot of the tree (dpkg, maintainer
// scripts): on a kernel without IA-32 emulation that works through qemu-user
// registered with binfmt_misc (tools/ci/i386-binfmt.sh, flag F), and takes
// about 10 minutes on two cores. It is built in a private directory renamed
// into place at the end, under a lock, so a test runner and `npm run images`
// started together build it once; a build that was killed leaves its tree
// (and /proc mounted in it, which debootstrap mounts there), and the next
// build unmounts and removes it.
import { execFileSync } from 'node:child_process';
import {
  existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync, chmodSync, chownSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { cacheDir, cached, makeExt2Image, recipeHash } from '../test/support/mkimage.mjs';

export const PACKAGES = [
  'bash', 'coreutils', 'gcc', 'libc6-dev', 'make', 'python3', 'perl', 'vim', 'nano', 'less', 'file', 'procps',
  'psmisc', 'git', 'curl', 'ca-certificates', 'locales',
];
const MIRROR = process.env.DEBIAN_MIRROR ?? 'http://deb.debian.org/debian';

const EXAMPLES = {
  'hello.c': '#include <stdio.h>\nint main(void) {\n  printf("Hello from C on web-vm!\\n");\n  return 0;\n}\n',
  'hello.py': 'import platform\nprint("Hello from Python", platform.python_version(), "on", platform.machine())\n',
  'hello.pl': 'print "Hello from Perl $^V\\n";\n',
  'hello.sh': '#!/bin/bash\necho "Hello from bash $BASH_VERSION"\n',
  'Makefile': 'hello: hello.c\n\tcc -O2 -o hello hello.c\n',
  // A small multi-file project: `cd project && make && ./prog`.
  'project/Makefile':
    'CFLAGS = -O2 -Wall\n\nprog: main.o mathutil.o\n\t$(CC) $(CFLAGS) -o $@ main.o mathutil.o\n\n' +
    'main.o mathutil.o: mathutil.h\n\nclean:\n\trm -f prog *.o\n\n.PHONY: clean\n',
  'project/mathutil.h': '#ifndef MATHUTIL_H\n#define MATHUTIL_H\nunsigned long fib(unsigned n);\nunsigned gcd(unsigned a, unsigned b);\n#endif\n',
  'project/mathutil.c':
    '#include "mathutil.h"\n\nunsigned long fib(unsigned n) {\n  unsigned long a = 0, b = 1;\n  while (n--) {\n' +
    '    unsigned long t = a + b;\n    a = b;\n    b = t;\n  }\n  return a;\n}\n\n' +
    'unsigned gcd(unsigned a, unsigned b) {\n  while (b) {\n    unsigned t = a % b;\n    a = b;\n    b = t;\n  }\n  return a;\n}\n',
  'project/main.c':
    '#include <stdio.h>\n#include "mathutil.h"\n\nint main(void) {\n  for (unsigned i = 1; i <= 10; i++) printf("%lu%c", fib(i), i < 10 ? \' \' : \'\\n\');\n' +
    '  printf("gcd(1071, 462) = %u\\n", gcd(1071, 462));\n  return 0;\n}\n',
};

/** Mount points at or below `dir`, deepest first (/proc/self/mounts escapes spaces as \040). */
function mountsUnder(dir) {
  const unescape = (p) => p.replace(/\\([0-7]{3})/g, (_, o) => String.fromCharCode(parseInt(o, 8)));
  return readFileSync('/proc/self/mounts', 'utf8').split('\n')
    .map((line) => unescape(line.split(' ')[1] ?? ''))
    .filter((m) => m === dir || m.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
}

/** Remove a tree a killed debootstrap may have left /proc (or /sys) mounted in. */
function removeTree(dir) {
  for (const m of mountsUnder(dir)) execFileSync('umount', ['--lazy', m]);
  rmSync(dir, { recursive: true, force: true });
}

const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
};

/**
 * Run `build` holding `lock` (a directory holding the builder's pid). If another live process
 * holds it, wait until it is gone and let `done()` say whether its work is what we wanted.
 */
function withLock(lock, done, build) {
  // The lock appears with its pid file in it: made aside, renamed into place (rename(2) fails
  // if the lock already exists, since it is never empty).
  const mine = `${lock}.${process.pid}`;
  for (;;) {
    rmSync(mine, { recursive: true, force: true });
    mkdirSync(mine);
    writeFileSync(join(mine, 'pid'), String(process.pid));
    try {
      renameSync(mine, lock);
      break;
    } catch (e) {
      rmSync(mine, { recursive: true, force: true });
      if (e.code !== 'EEXIST' && e.code !== 'ENOTEMPTY') throw e;
    }
    let pid = 0;
    try {
      pid = Number(readFileSync(join(lock, 'pid'), 'utf8'));
    } catch {
      continue; // released just now
    }
    if (alive(pid)) {
      console.error(`images: waiting for process ${pid}, which is building the Debian image`);
      while (alive(pid) && existsSync(lock)) sleep(2000);
    } else {
      rmSync(lock, { recursive: true, force: true }); // its builder died
    }
    if (done()) return;
  }
  try {
    if (!done()) build();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/**
 * Build (or reuse) the image. Returns the image path and the source tree,
 * kept beside it so tests can run the same binaries natively (chroot).
 */
export function buildDebianImage({ packages = PACKAGES, sizeMb = 1536 } = {}) {
  const hash = recipeHash('debian-bookworm-i386-v2', packages, EXAMPLES, sizeMb);
  const image = join(cacheDir, 'images', `debian-${hash}.ext2`);
  const root = join(cacheDir, 'images', `debian-${hash}.tree`);
  if (existsSync(image)) return { image, tree: root };
  if (process.getuid?.() !== 0) throw new Error('building the Debian image needs root (debootstrap); run `sudo npm run images -- debian`');
  mkdirSync(dirname(image), { recursive: true });
  withLock(`${image}.lock`, () => existsSync(image), () => buildInto(image, root, packages, sizeMb));
  return { image, tree: root };
}

function buildInto(image, root, packages, sizeMb) {
  cached(image, (out) => {
    // Trees of earlier builds that did not finish (this recipe or another): they only hold disk.
    const dir = dirname(root);
    for (const f of readdirSync(dir)) {
      const m = /^debian-[0-9a-f]+\.tree\.tmp-(\d+)$/.exec(f);
      if (m && !alive(Number(m[1]))) removeTree(join(dir, f));
    }
    const tmp = `${root}.tmp-${process.pid}`;
    removeTree(tmp);
    mkdirSync(tmp, { recursive: true });
    try {
      execFileSync('debootstrap', ['--arch=i386', '--variant=minbase', `--include=${packages.join(',')}`, 'bookworm', tmp, MIRROR], { stdio: 'inherit' });
    } catch (e) {
      // Keep the tree and its log for a look; the next build removes it.
      for (const m of mountsUnder(tmp)) execFileSync('umount', ['--lazy', m]);
      const log = join(tmp, 'debootstrap', 'debootstrap.log');
      const tail = existsSync(log) ? readFileSync(log, 'utf8').trimEnd().split('\n').slice(-25).join('\n') : '(no debootstrap.log)';
      throw new Error(`debootstrap failed (${e.message.split('\n')[0]}); the tree and its log are kept in ${tmp}:\n${tail}`);
    }
    customize(tmp);
    // debootstrap unmounts what it mounted when it succeeds; make sure before moving the tree.
    for (const m of mountsUnder(tmp)) execFileSync('umount', ['--lazy', m]);
    removeTree(root);
    renameSync(tmp, root);
    makeExt2Image(root, out, { blockSize: 4096, sizeKb: sizeMb * 1024 });
  });
}

/** Everything after debootstrap: the user, their examples, locale, hostname, no package cache. */
function customize(root) {
  // A user with a home directory holding example programs, as WebVM ships.
  const passwd = join(root, 'etc/passwd');
  if (!readFileSync(passwd, 'utf8').includes('\nuser:')) {
    writeFileSync(passwd, readFileSync(passwd, 'utf8') + 'user:x:1000:1000:web-vm user:/home/user:/bin/bash\n');
    writeFileSync(join(root, 'etc/group'), readFileSync(join(root, 'etc/group'), 'utf8') + 'user:x:1000:\n');
    writeFileSync(join(root, 'etc/shadow'), readFileSync(join(root, 'etc/shadow'), 'utf8') + 'user:*:19000:0:99999:7:::\n');
  }
  const home = join(root, 'home/user');
  mkdirSync(home, { recursive: true });
  const owned = [''];
  for (const [name, text] of Object.entries(EXAMPLES)) {
    const dir = dirname(name);
    if (dir !== '.' && !owned.includes(dir)) {
      mkdirSync(join(home, dir), { recursive: true });
      owned.push(dir);
    }
    writeFileSync(join(home, name), text);
    owned.push(name);
  }
  chmodSync(join(home, 'hello.sh'), 0o755);
  for (const name of owned) chownSync(join(home, name), 1000, 1000);
  if (existsSync(join(root, 'etc/locale.gen'))) writeFileSync(join(root, 'etc/default/locale'), 'LANG=C.UTF-8\n');
  writeFileSync(join(root, 'etc/hostname'), 'web-vm\n');
  // Package caches are not needed inside the image.
  rmSync(join(root, 'var/cache/apt/archives'), { recursive: true, force: true });
  mkdirSync(join(root, 'var/cache/apt/archives/partial'), { recursive: true });
}
