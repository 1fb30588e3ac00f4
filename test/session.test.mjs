// An interactive Debian session through the VM's own terminal API (issue 4,
// "The CLI as a terminal" / "Tests"): `bash --login` on the console tty with
// the keys a person types, waiting on what the screen shows. Proves the line
// discipline, ISIG's ^C and ^Z reaching the foreground job, bash's job
// control (fg), a full-screen editor in raw mode, a REPL, the compiler, a
// three-file make project, python3, perl, a coreutils pipeline, git, ps, and
// that a busy loop in the shell itself still answers ^C. Where the output is
// deterministic it must be what the same command prints natively in a chroot
// of the same tree (as the same user).
// Building the Debian image needs root, debootstrap and the mirror (.ci/run).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { repoRoot } from './support/mkimage.mjs';
import { buildDebianImage } from '../images/debian.mjs';

const build = join(repoRoot, 'build', 'src');
const { runProgram } = await import(pathToFileURL(join(build, 'vm', 'index.js')).href);
const { FileBlockDevice } = await import(pathToFileURL(join(build, 'cli', 'file-device.js')).href);
const { image, tree } = buildDebianImage();

/**
 * What `script` prints natively (stdout and stderr together, as on a terminal), run by bash as
 * `user` in a chroot of the image's tree from the home directory, with the login environment.
 */
async function native(script) {
  const env = ['HOME=/home/user', 'USER=user', 'LOGNAME=user', 'SHELL=/bin/bash', 'LANG=C.UTF-8', 'PATH=/usr/local/bin:/usr/bin:/bin'];
  const r = await promisify(execFile)('chroot', ['--userspec=1000:1000', tree, '/usr/bin/env', '-i', ...env, '/bin/bash', '-c', `cd /home/user && { ${script}; } 2>&1`], { maxBuffer: 16 << 20, timeout: 300_000 });
  return r.stdout;
}

/**
 * Commands of the session whose output is deterministic: each is typed at the prompt and what
 * the screen shows between two markers must equal the native run with the terminal's ONLCR.
 * (The markers are computed by the shell, so the echo of the typed line never matches them.)
 */
const COMPARED = [
  // A three-file make project from the home directory's examples, built in a copy.
  ['make', 'rm -rf /tmp/proj && cp -r project /tmp/proj && cd /tmp/proj && make && ./prog; cd; rm -rf /tmp/proj'],
  [
    'python3',
    `python3 -c 'import json, hashlib, subprocess; d = json.loads("{\\"a\\": [1, 2.5, {\\"b\\": null}]}"); print(json.dumps(d, sort_keys=True), hashlib.sha256(b"web-vm").hexdigest()); ` +
      `r = subprocess.run(["sh", "-c", "echo out; echo err >&2; exit 3"], capture_output=True, text=True); print(r.returncode, repr(r.stdout), repr(r.stderr)); ` +
      `print(subprocess.check_output("seq 3 | tac", shell=True).split())'`,
  ],
  ['perl', `perl -e 'my %h = map { $_ => length } qw(alpha beta gamma); print join(",", map { "$_=$h{$_}" } sort keys %h), "\\n"; printf "%.4f %s\\n", sqrt(2), scalar reverse "web-vm"'`],
  ['pipeline', `seq 1 200 | sort -r | head -5 | tr '\\n' ' '; echo; seq 1000 | grep 7 | wc -l; ls /usr/bin | sort | head -3 | md5sum`],
  [
    'git',
    'rm -rf /tmp/repo && mkdir /tmp/repo && cd /tmp/repo && git init -q -b main && git config user.name "Web VM" && git config user.email user@web-vm && ' +
      'echo hello > a.txt && git add a.txt && GIT_AUTHOR_DATE=2024-01-01T00:00:00Z GIT_COMMITTER_DATE=2024-01-01T00:00:00Z git commit -q -m "first commit" && ' +
      'git log --oneline | wc -l && git log --oneline | cat && git status --short | wc -l; cd; rm -rf /tmp/repo',
  ],
];

/** A scripted terminal: the screen as text, keys typed, output awaited by pattern. */
class Screen {
  text = '';
  rows = 24;
  cols = 80;
  /** Where the next wait starts looking (just after what the last one matched). */
  mark = 0;
  input = null;
  waiters = [];
  decoder = new TextDecoder();
  output(d) {
    this.text += this.decoder.decode(d, { stream: true });
    for (const w of [...this.waiters]) w();
  }
  type(keys) {
    this.input.input(new TextEncoder().encode(keys));
  }
  /** Wait until `re` matches the output after the mark; move the mark past the match. */
  async expect(re, timeoutMs = 120_000) {
    const start = this.mark;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = re.exec(this.text.slice(start));
      if (m) {
        this.mark = start + m.index + m[0].length;
        return m;
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${re}; screen since the mark:\n${JSON.stringify(this.text.slice(start).slice(-2000))}`);
      await new Promise((r) => {
        const timer = setTimeout(r, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          r();
        });
      });
      this.waiters = [];
    }
  }
}

const PROMPT = /user@[^:]*:[^$]*\$ $/;

test('bash --login on the console terminal: ^C, ^Z and fg, vim, python3, gcc, make, perl, pipes, git, ps, a busy loop', { timeout: 1_200_000 }, async () => {
  const dev = await FileBlockDevice.open(image);
  const screen = new Screen();
  const run = runProgram({
    device: dev,
    argv: ['/bin/bash', '--login'],
    cwd: '/home/user',
    user: 'user',
    terminal: screen,
    onTerminal: (i) => (screen.input = i),
  });
  let finished = false;
  const result = run.finally(() => (finished = true));
  const expected = Promise.all(COMPARED.map(([, script]) => native(script)));
  try {
    await screen.expect(PROMPT, 300_000);

    // The terminal is a real one: isatty, its size, canonical line editing with echo.
    screen.type('tty; stty size; echo typo\x7f\x7f\x7f\x7fedited\r');
    await screen.expect(/\/dev\/console\r\n24 80\r\nedited\r\n/);
    await screen.expect(PROMPT);

    // ^C ends the foreground job; the shell reports status 130. (`running` shows the job has
    // the terminal: bash gives it the foreground before the exec.)
    screen.type("sh -c 'echo running; exec sleep 100'\r");
    await screen.expect(/running\r\n/);
    screen.type('\x03');
    await screen.expect(PROMPT, 60_000);
    screen.type('echo status=$?\r');
    await screen.expect(/status=130\r\n/);
    await screen.expect(PROMPT);

    // ^Z stops the job, fg brings it back to the foreground (its CONT trap says when it has the
    // terminal again), ^C ends it.
    const JOB = `sh -c 'trap "echo continued" CONT; echo running; while :; do sleep 1; done'`;
    screen.type(`${JOB}\r`);
    await screen.expect(/running\r\n/);
    screen.type('\x1a');
    await screen.expect(/Stopped\s+sh -c/, 60_000);
    await screen.expect(PROMPT);
    screen.type('jobs; fg\r');
    await screen.expect(/\[1\]\+\s+Stopped\s+sh -c .*\r\nsh -c .*\r\n/);
    await screen.expect(/continued\r\n/, 60_000);
    screen.type('\x03');
    await screen.expect(PROMPT, 60_000);
    screen.type('echo status=$?; jobs | wc -l\r');
    await screen.expect(/status=130\r\n0\r\n/);
    await screen.expect(PROMPT);

    // A full-screen editor in raw mode: insert, escape, :wq.
    screen.type('vim /tmp/x.txt\r');
    await screen.expect(/"\/tmp\/x\.txt"/, 300_000);
    // Typed as a person types: insert mode shows, then Escape on its own (vim tells a
    // lone Escape from an escape sequence by the pause after it: 'ttimeoutlen'), then :wq.
    screen.type('i');
    await screen.expect(/-- INSERT --/, 120_000);
    screen.type('hello');
    await screen.expect(/hello/, 120_000);
    screen.type('\x1b');
    await new Promise((r) => setTimeout(r, 1000));
    screen.type(':wq\r');
    await screen.expect(PROMPT, 120_000);
    screen.type('od -c /tmp/x.txt | head -1\r');
    await screen.expect(/0000000\s+h\s+e\s+l\s+l\s+o\s+\\n\r\n/);
    await screen.expect(PROMPT);

    // The python3 REPL: a line in, its value out.
    screen.type('python3 -q\r');
    await screen.expect(/>>> $/, 300_000);
    screen.type('print(6 * 7, sum(range(10)))\r');
    await screen.expect(/42 45\r\n>>> $/);
    screen.type('\x04');
    await screen.expect(PROMPT);

    // Pseudo-terminals: python's pty module and script(1) each run a program on /dev/pts/N.
    screen.type(`python3 -c 'import pty; pty.spawn(["tty"])'; script -qc tty /dev/null; echo /dev/pts/*\r`);
    // (Each leaves its own terminal modes on the way out, so allow for either line ending.)
    await screen.expect(/\/dev\/pts\/\d+\r*\n\/dev\/pts\/\d+\r*\n\/dev\/pts\/ptmx\r\n/, 300_000);
    await screen.expect(PROMPT);

    // The compiler, from the terminal.
    screen.type('gcc -O2 hello.c -lm && ./a.out\r');
    await screen.expect(/Hello from C on web-vm!\r\n/, 600_000);
    await screen.expect(PROMPT);

    // The rest of a working day, compared with native: make, python3, perl, coreutils, git.
    const want = await expected;
    for (const [k, [name, script]] of COMPARED.entries()) {
      assert.ok(want[k].trim().length > 0, `the native ${name} run printed something`);
      screen.type(`echo B-$((${k} + 700))-; ${script}; echo E-$((${k} + 700))-\r`);
      const m = await screen.expect(new RegExp(`B-${k + 700}-\r\n([\\s\\S]*?)E-${k + 700}-\r\n`), 600_000);
      assert.equal(m[1], want[k].replaceAll('\n', '\r\n'), `${name} in the VM's terminal prints what it prints natively`);
      await screen.expect(PROMPT);
    }

    // ps lists the session's tasks: the login shell and ps itself.
    screen.type('ps auxww; echo E-$((800))-\r');
    const ps = (await screen.expect(/USER +PID[^\n]*COMMAND\r\n([\s\S]*?)E-800-\r\n/))[1];
    assert.match(ps, /^user +\d+ .*\/bin\/bash --login\r$/m);
    assert.match(ps, /^user +\d+ .* ps auxww\r$/m);
    await screen.expect(PROMPT);

    // A busy loop in the shell itself still answers ^C.
    screen.type('while :; do :; done\r');
    await screen.expect(/done\r\n/);
    screen.type('\x03');
    await screen.expect(PROMPT, 60_000);
    screen.type('echo alive\r');
    await screen.expect(/alive\r\n/);
    await screen.expect(PROMPT);

    screen.type('exit\r');
    const r = await result;
    assert.equal(r.exitCode, 0);
  } finally {
    if (!finished) screen.type('\x03\x04exit\r');
    await dev.close();
  }
});
