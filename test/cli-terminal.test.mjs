// The CLI as a terminal (issue 4): --user and the login environment, and,
// driven through a host pseudo-terminal (python3's pty module), the raw-mode
// bridge to the guest's console tty — line editing and ^C handled by the
// guest, the window size and its changes, the host terminal restored at exit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { makeExt2Image, repoRoot } from './support/mkimage.mjs';
import { buildBusyboxImage } from './support/busybox.mjs';

const cli = join(repoRoot, 'bin', 'web-vm.js');
const work = mkdtempSync(join(tmpdir(), 'web-vm-cli-tty-'));
const tree = join(work, 'tree');
for (const d of ['bin', 'etc', 'dev', 'proc', 'tmp', 'root', 'home/alice']) mkdirSync(join(tree, d), { recursive: true });
const { busybox } = buildBusyboxImage();
writeFileSync(join(tree, 'bin', 'busybox'), readFileSync(busybox));
chmodSync(join(tree, 'bin', 'busybox'), 0o755);
writeFileSync(join(tree, 'bin', 'sh'), readFileSync(busybox));
chmodSync(join(tree, 'bin', 'sh'), 0o755);
writeFileSync(join(tree, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nalice:x:1000:100:Alice:/home/alice:/bin/sh\n');
const image = join(work, 'tty.ext2');
makeExt2Image(tree, image, { sizeKb: 8192 });

function vm(args, script) {
  return spawnSync(process.execPath, [cli, 'run', '--image', image, ...args, '--', '/bin/busybox', 'sh', '-c', script], { encoding: 'utf8', timeout: 60_000 });
}

const SHOW = 'echo "$(id -u):$(id -g) HOME=$HOME USER=$USER LOGNAME=$LOGNAME SHELL=$SHELL TERM=$TERM LANG=$LANG PATH=$PATH"';

test('--user NAME takes uid, gid, home and shell from /etc/passwd; the default environment is a login\'s', () => {
  const r = vm(['--user', 'alice'], SHOW);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, '1000:100 HOME=/home/alice USER=alice LOGNAME=alice SHELL=/bin/sh TERM=xterm-256color LANG=C.UTF-8 PATH=/usr/local/bin:/usr/bin:/bin:/usr/local/games:/usr/games\n');
});

test('without --user the program runs as root with root\'s login environment', () => {
  const r = vm([], SHOW);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, '0:0 HOME=/root USER=root LOGNAME=root SHELL=/bin/sh TERM=xterm-256color LANG=C.UTF-8 PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n');
});

test('--user UID:GID works without a passwd entry; --env replaces the environment', () => {
  const r = vm(['--user', '4242:7', '--env', 'A=b'], 'echo "$(id -u):$(id -g)"; env | sort');
  assert.equal(r.status, 0, r.stderr);
  // (busybox sh sets a PATH of its own when none is given.)
  assert.equal(r.stdout, '4242:7\nA=b\nPATH=/sbin:/usr/sbin:/bin:/usr/bin\nPWD=/\nSHLVL=1\n');
  const r2 = vm(['--user', '1000'], 'echo "$(id -u):$(id -g) $HOME"');
  assert.equal(r2.stdout, '1000:100 /home/alice\n');
});

test('--user with an unknown name or a malformed value is a clear error', () => {
  const r = vm(['--user', 'bob'], 'true');
  assert.equal(r.status, 125);
  assert.match(r.stderr, /no user 'bob' in the image's \/etc\/passwd/);
  const r2 = vm(['--user', 'a:b'], 'true');
  assert.equal(r2.status, 125);
  assert.match(r2.stderr, /--user expects NAME or UID\[:GID\]/);
});

// The host side of an interactive session: python3 forks the CLI on a new
// pseudo-terminal (as a terminal emulator would), types keys, and reports
// what the screen showed and the terminal modes after the CLI exited.
const DRIVER = String.raw`
import os, pty, sys, time, select, termios, fcntl, struct, json
cli, image = sys.argv[1], sys.argv[2]
pid, fd = pty.fork()
if pid == 0:
    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack('HHHH', 30, 100, 0, 0))
    # After the CLI, the same terminal's modes: what the CLI left behind.
    os.execvp('sh', ['sh', '-c', 'node "$0" run --image "$1" --user alice --cwd /home/alice -- /bin/sh; echo "exit=$?"; stty -a', cli, image])
buf = b''
def expect(pat, t=60):
    global buf
    end = time.time() + t
    while time.time() < end:
        if pat.encode() in buf:
            i = buf.index(pat.encode()) + len(pat)
            seen, buf = buf[:i], buf[i:]
            return seen.decode(errors='replace')
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            try:
                buf += os.read(fd, 4096)
            except OSError:
                break
    raise SystemExit('timed out waiting for %r; got %r' % (pat, buf[-500:]))
out = {}
expect('$ ')
os.write(fd, b'tty; stty size; echo $((6*7))x\x7f\r')
out['first'] = expect('$ ')
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', 40, 120, 0, 0))
time.sleep(0.5)
os.write(fd, b'stty size\r')
out['resized'] = expect('120\r\n')
expect('$ ')
os.write(fd, b"sh -c 'echo running; exec sleep 100'\r")
expect('running\r\n')
os.write(fd, b'\x03')
out['interrupted'] = expect('$ ')
os.write(fd, b'echo status=$?\r')
out['status'] = expect('$ ')
# A busy loop that never makes a system call: its blocks get hot and are
# compiled (the Wasm tier runs them, chained); ^C must still stop it.
os.write(fd, b"sh -c 'echo spinning; while :; do :; done'\r")
expect('spinning\r\n')
time.sleep(2)
os.write(fd, b'\x03')
out['spin'] = expect('$ ')
os.write(fd, b'echo spin=$?\r')
out['spinStatus'] = expect('$ ')
os.write(fd, b'exit 3\r')
while True:
    try:
        d = os.read(fd, 4096)
    except OSError:
        break
    if not d:
        break
    buf += d
os.waitpid(pid, 0)
out['after'] = buf.decode(errors='replace')
print(json.dumps(out))
`;

test('on a host terminal the CLI bridges raw keys to the guest tty and restores the terminal', { timeout: 120_000 }, () => {
  const r = spawnSync('python3', ['-c', DRIVER, cli, image], { encoding: 'utf8', timeout: 110_000 });
  assert.equal(r.status, 0, `driver: ${r.stdout}\n${r.stderr}`);
  const out = JSON.parse(r.stdout);
  // The guest's tty turned \n into \r\n (ONLCR) once, with the host's own output processing off.
  assert.match(out.first, /\/dev\/console\r\n30 100\r\n42\r\n/);
  // A host resize reached the guest tty.
  assert.match(out.resized, /40 120\r\n/);
  // ^C (a byte in raw mode) became SIGINT for the foreground job inside the guest.
  assert.match(out.interrupted, /\^C/);
  assert.match(out.status, /status=130\r\n/);
  // The same for a loop running in compiled code.
  assert.match(out.spin, /\^C/);
  assert.match(out.spinStatus, /spin=130\r\n/);
  // The CLI exited with the shell's status and left the host terminal in its cooked modes again.
  assert.match(out.after, /exit=3\r\n/);
  assert.match(out.after, /(^|[ ;\n])icanon /m);
  assert.match(out.after, /(^|[ ;\n])echo /m);
  assert.match(out.after, /(^|[ ;\n])isig /m);
});
