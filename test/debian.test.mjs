// A real Debian bookworm i386 userland in the VM (issue 4): bash, coreutils,
// gcc, python3, perl, make, vim from Debian's packages, dynamically linked,
// compared with the same binaries run natively in a chroot of the same tree.
// Building the image needs root, debootstrap and the Debian mirror (.ci/run).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from './support/mkimage.mjs';
import { buildDebianImage } from '../images/debian.mjs';

const run = promisify(execFile);
const { image, tree } = buildDebianImage();
const cli = join(repoRoot, 'bin', 'web-vm.js');
const ENV = ['PATH=/usr/local/bin:/usr/bin:/bin', 'HOME=/home/user', 'LANG=C.UTF-8', 'TZ=UTC'];
const TIMEOUT = 240_000;

async function both(script) {
  const opts = { maxBuffer: 64 << 20, timeout: TIMEOUT };
  const native = await run('chroot', [tree, '/usr/bin/env', '-i', ...ENV, '/bin/bash', '-c', `cd /home/user && ${script}`], opts).catch((e) => e);
  const envFlags = ENV.flatMap((e) => ['--env', e]);
  const vm = await run(process.execPath, [cli, 'run', '--image', image, '--cwd', '/home/user', ...envFlags, '--', '/bin/bash', '-c', script], opts).catch((e) => e);
  return { native, vm };
}

async function same(script) {
  const { native, vm } = await both(script);
  assert.equal(native.code ?? 0, 0, `native: ${native.stderr}`);
  assert.equal(vm.code ?? 0, 0, `VM exited ${vm.code}: ${vm.stderr}`);
  assert.ok(native.stdout.trim().length > 0, 'the native run printed something to compare with');
  assert.equal(vm.stdout, native.stdout);
}

test('bash and coreutils: pipes, command substitution, arithmetic, files', { timeout: TIMEOUT }, () =>
  same('for i in $(seq 5); do echo line $((i * i)); done | tac | head -3; ls /home/user | sort; echo hi | sha256sum; cat /etc/os-release | grep ^ID='));

test('gcc compiles hello.c and the program runs', { timeout: TIMEOUT }, () =>
  same('gcc -O2 -o /tmp/hello hello.c && /tmp/hello && make -s -f Makefile -C /tmp -n hello 2>&1 | head -1; rm -f /tmp/hello'));

test('python3: integers, floats, json, a module from the standard library', { timeout: TIMEOUT }, () =>
  same('python3 -c "import sys, math, json, hashlib; print(sys.version_info[:3], math.factorial(30), 1/7, json.dumps({\'a\': [1, 2.5]}), hashlib.sha1(b\'x\').hexdigest())"'));

test('python3: threads with locks and conditions, an epoll selector over a pipe, subprocess with pipes', { timeout: TIMEOUT }, () =>
  same(`python3 - <<'PY'
import os, selectors, subprocess, threading
lock = threading.Lock(); cond = threading.Condition(lock); total = []
def work(i):
    for _ in range(200):
        with lock: total.append(i)
    with cond: cond.notify_all()
ts = [threading.Thread(target=work, args=(i,)) for i in range(6)]
for t in ts: t.start()
for t in ts: t.join()
print(len(total), sum(total), threading.active_count())
sel = selectors.DefaultSelector(); r, w = os.pipe(); sel.register(r, selectors.EVENT_READ, 'pipe')
threading.Thread(target=lambda: os.write(w, b'x')).start()
print(type(sel).__name__, [(k.data, m) for k, m in sel.select(timeout=10)], os.read(r, 1), sel.select(timeout=0))
p = subprocess.run(['/bin/sh', '-c', 'echo out; echo err >&2; exit 3'], capture_output=True)
print(p.returncode, p.stdout, p.stderr)
PY`));

test('perl and vim', { timeout: TIMEOUT }, () =>
  same('perl -e \'print join(",", map { $_ * $_ } 1..10), "\\n"; printf("%.6f\\n", atan2(1, 1) * 4)\'; vim --version | head -1'));
