// The Debian bookworm i386 image (issue 4): `debootstrap --arch=i386
// --variant=minbase bookworm` plus the packages a person expects, a user
// `user` (uid 1000) with example programs, built into ext2 with `mke2fs -d`
// and cached by a hash of this recipe. Needs root (debootstrap, chroot),
// Debian's `debootstrap` package, and the Debian mirror.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, chmodSync, chownSync } from 'node:fs';
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

/**
 * Build (or reuse) the image. Returns the image path and the source tree,
 * kept beside it so tests can run the same binaries natively (chroot).
 */
export function buildDebianImage({ packages = PACKAGES, sizeMb = 1536 } = {}) {
  const hash = recipeHash('debian-bookworm-i386-v2', packages, EXAMPLES, sizeMb);
  const image = join(cacheDir, 'images', `debian-${hash}.ext2`);
  const root = join(cacheDir, 'images', `debian-${hash}.tree`);
  cached(image, (out) => {
    if (process.getuid?.() !== 0) throw new Error('building the Debian image needs root (debootstrap); run `sudo npm run images -- debian`');
    rmSync(root, { recursive: true, force: true });
    mkdirSync(root, { recursive: true });
    execFileSync('debootstrap', ['--arch=i386', '--variant=minbase', `--include=${packages.join(',')}`, 'bookworm', root, MIRROR], { stdio: 'inherit' });
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
    makeExt2Image(root, out, { blockSize: 4096, sizeKb: sizeMb * 1024 });
  });
  return { image, tree: root };
}
