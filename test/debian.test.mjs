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

/** Run `script` in the VM only (for what a chroot without /proc cannot show natively). */
async function vmOnly(script) {
  const envFlags = ENV.flatMap((e) => ['--env', e]);
  const vm = await run(process.execPath, [cli, 'run', '--image', image, '--cwd', '/home/user', ...envFlags, '--', '/bin/bash', '-c', script], { maxBuffer: 64 << 20, timeout: TIMEOUT }).catch((e) => e);
  assert.equal(vm.code ?? 0, 0, `VM exited ${vm.code}: ${vm.stderr}`);
  return vm.stdout;
}

test('python3: socketpair, AF_UNIX server, multiprocessing over a pipe and a lock, subprocess', { timeout: TIMEOUT }, () =>
  same(`python3 -c '
import socket, os, multiprocessing as m, subprocess
a, b = socket.socketpair(); a.send(b"x"); print(b.recv(5))
def f(conn): conn.send(("child", os.getppid() > 0)); conn.close()
pa, pb = m.Pipe(); p = m.Process(target=f, args=(pb,)); p.start(); print(pa.recv()); p.join(); print("exitcode", p.exitcode)
lock = m.Lock(); lock.acquire(); lock.release(); print("lock ok")
print(subprocess.run(["echo", "sub"], capture_output=True).stdout)
path = "/tmp/py-%d.sock" % os.getpid()
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); s.bind(path); s.listen(1)
c = socket.socket(socket.AF_UNIX); c.connect(path); x, _ = s.accept(); c.sendall(b"hey"); print(x.recv(10), s.getsockname() == path)
os.unlink(path)
'`));

// Pool workers take tasks under a process-shared semaphore (sem_open memory): close()+join()
// and terminate() hung while shared futex wakes did not reach other processes.
test('python3: multiprocessing.Pool map, close and join, terminate, a context manager', { timeout: TIMEOUT }, () =>
  same(`python3 - <<'PY'
import multiprocessing as mp, time
def f(x): return x * x
def slow(x): time.sleep(100)
if __name__ == '__main__':
    p = mp.Pool(2); print(p.map(f, range(8)), flush=True)
    p.close(); p.join(); print("closed and joined", [w.exitcode for w in p._pool], flush=True)
    with mp.Pool(2) as p: print(p.map(f, range(3)), flush=True)
    p.join(); print("context manager left", flush=True)
    p = mp.Pool(2); r = p.map_async(slow, range(2)); time.sleep(0.5)
    p.terminate(); p.join(); print("terminated", r.ready(), flush=True)
PY`));

// MAP_SHARED files (the page cache): a SharedMemory block (/dev/shm) opened by name in a
// child is the parent's memory, and the mmap module's stores reach the file.
test('python3: multiprocessing.shared_memory across processes, the mmap module writing a file', { timeout: TIMEOUT }, () =>
  same(`python3 - <<'PY'
import mmap, os
from multiprocessing import shared_memory, Process
def child(name):
    s = shared_memory.SharedMemory(name=name)
    print("child sees", s.buf[0], flush=True)
    s.buf[1] = 43
    s.close()
if __name__ == '__main__':
    s = shared_memory.SharedMemory(create=True, size=10000)
    s.buf[0] = 42
    s.buf[9999] = 7
    p = Process(target=child, args=(s.name,)); p.start(); p.join()
    print("parent sees", s.buf[1], s.buf[9999], p.exitcode, flush=True)
    s.close(); s.unlink()
    with open("mm.dat", "wb") as f: f.write(b"x" * 5000)
    with open("mm.dat", "r+b") as f:
        m = mmap.mmap(f.fileno(), 0)
        m[0:5] = b"hello"
        print("read before flush", os.pread(f.fileno(), 6, 0), flush=True)
        m[4096:4101] = b"world"; m.flush()
        f.seek(0); f.write(b"J")
        print(m[:6], m[4094:4102], len(m), flush=True)
        m.close()
    d = open("mm.dat", "rb").read()
    print(d[:6], d[4094:4102], len(d))
    os.unlink("mm.dat")
PY`));

test('python3: asyncio tasks, a Queue, sleep, wait_for, subprocesses, an executor', { timeout: TIMEOUT }, () =>
  same(`python3 - <<'PY'
import asyncio
async def worker(name, q, out):
    while True:
        item = await q.get()
        if item is None:
            q.task_done(); break
        await asyncio.sleep(0.01 * item)
        out.append((name, item)); q.task_done()
async def main():
    q = asyncio.Queue(); out = []
    ws = [asyncio.create_task(worker(f"w{i}", q, out)) for i in range(3)]
    for i in range(6): await q.put(i)
    for _ in ws: await q.put(None)
    await q.join(); await asyncio.gather(*ws)
    print(sorted(i for _, i in out))
    p = await asyncio.create_subprocess_exec("/bin/sh", "-c", "echo out; echo err >&2; exit 4", stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    o, e = await p.communicate(); print(p.returncode, o, e)
    p = await asyncio.create_subprocess_shell("cat", stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
    o, _ = await p.communicate(b"hello\\n"); print(p.returncode, o)
    r = await asyncio.wait_for(asyncio.sleep(0.05, "slept"), timeout=5); print(r)
    try:
        await asyncio.wait_for(asyncio.sleep(10), timeout=0.05)
    except asyncio.TimeoutError: print("timeout")
    print(await asyncio.gather(*(asyncio.sleep(0.01 * i, i) for i in range(4))))
    loop = asyncio.get_running_loop()
    print(await loop.run_in_executor(None, sum, [1, 2, 3]))
asyncio.run(main())
print("done")
PY`));

test('procps: ps aux and ps -ef list the tasks, pgrep finds them, free and uptime read /proc', { timeout: TIMEOUT }, async () => {
  const out = await vmOnly('sleep 30 & SPID=$!; ps aux; echo ---; ps -ef; echo ---; pgrep -x sleep; echo $SPID; echo ---; free -k; uptime; kill $SPID; wait');
  const [aux, ef, pg, mem] = out.split('---\n');
  assert.match(aux, /^USER +PID %CPU %MEM +VSZ +RSS TTY +STAT START +TIME COMMAND$/m);
  assert.match(aux, /^root +1 .* \/bin\/bash -c sleep 30/m);
  assert.match(aux, /^root +\d+ .* S +\d\d:\d\d +0:00 sleep 30$/m);
  assert.match(aux, /^root +\d+ .* R +\d\d:\d\d +0:00 ps aux$/m);
  assert.match(ef, /^root +\d+ +1 +0 \d\d:\d\d \? +00:00:00 sleep 30$/m);
  const [found, spid] = pg.trim().split('\n');
  assert.equal(found, spid, 'pgrep -x sleep names the background sleep');
  assert.match(mem, /^Mem: +\d+ +\d+ +\d+/m);
  assert.match(mem, /load average: \d+\.\d\d, /);
});

test('/proc and /dev: tmpfs mounts, comm, environ, fd links, sysctls, statfs types', { timeout: TIMEOUT }, async () => {
  const out = await vmOnly('grep -E " /tmp | /dev/shm " /proc/mounts | cut -d" " -f1-3; cat /proc/self/comm; FOO=bar cat /proc/self/environ | tr "\\0" "\\n" | grep ^FOO=; ls -l /proc/self/fd/ 2>&1 | grep -c " -> "; readlink /dev/stdin /dev/fd; cat /proc/sys/kernel/osrelease /proc/sys/kernel/hostname; uname -r -n; stat -f -c %T /tmp /dev/shm / /proc; ls /proc/$$/task');
  const [pid] = /\n(\d+)\n?$/.exec(out)?.slice(1) ?? [];
  assert.ok(pid, 'task/ lists the thread');
  assert.equal(out.replace(/\n\d+\n?$/, '\n'), 'tmpfs /tmp tmpfs\ntmpfs /dev/shm tmpfs\ncat\nFOO=bar\n4\n/proc/self/fd/0\n/proc/self/fd\n6.1.0-web-vm\nweb-vm\n6.1.0-web-vm web-vm\ntmpfs\ntmpfs\next2/ext3\nproc\n'.replace('6.1.0-web-vm web-vm', 'web-vm 6.1.0-web-vm'));
});

test('magic links: /dev/stdin, /dev/fd/N (bash process substitution), /proc/self/fd/N; sethostname', { timeout: TIMEOUT }, async () => {
  const out = await vmOnly('echo piped | cat /dev/stdin; diff <(echo a) <(echo a) && echo same; exec 5</etc/hostname; cat /proc/self/fd/5 /dev/fd/5; stat -f -c %T /dev/stdin; hostname box1 && uname -n && cat /proc/sys/kernel/hostname');
  assert.equal(out, 'piped\nsame\nweb-vm\nweb-vm\npipefs\nbox1\nbox1\n');
});

test('--user: permissions are enforced for uid 1000 and ps shows the user', { timeout: TIMEOUT }, async () => {
  const envFlags = ENV.flatMap((e) => ['--env', e]);
  const script = 'id -u; ps -o user=,comm= -p $$; cat /etc/shadow 2>&1; ls /root 2>&1; touch /tmp/u && stat -c %U:%G /tmp/u; echo x > /etc/x 2>&1 || echo denied';
  const vm = await run(process.execPath, [cli, 'run', '--image', image, '--user', 'user', '--cwd', '/home/user', ...envFlags, '--', '/bin/bash', '-c', script], { timeout: TIMEOUT }).catch((e) => e);
  assert.equal(vm.stdout, "1000\nuser     bash\ncat: /etc/shadow: Permission denied\nls: cannot open directory '/root': Permission denied\nuser:user\ndenied\n");
});
