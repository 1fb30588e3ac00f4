// An interactive Debian session through the VM's own terminal API (issue 4,
// "The CLI as a terminal" / "Tests"): `bash --login` on the console tty with
// the keys a person types, waiting on what the screen shows. Proves the line
// discipline, ISIG's ^C and ^Z reaching the foreground job, bash's job
// control (fg), a full-screen editor in raw mode, a REPL, the compiler, and
// that a busy loop in the shell itself still answers ^C.
// Building the Debian image needs root, debootstrap and the mirror (.ci/run).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from './support/mkimage.mjs';
import { buildDebianImage } from '../images/debian.mjs';

const build = join(repoRoot, 'build', 'src');
const { runProgram } = await import(pathToFileURL(join(build, 'vm', 'index.js')).href);
const { FileBlockDevice } = await import(pathToFileURL(join(build, 'cli', 'file-device.js')).href);
const { image } = buildDebianImage();

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

test('bash --login on the console terminal: ^C, ^Z and fg, vim, python3, gcc, a busy loop', { timeout: 1_200_000 }, async () => {
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
    screen.type('ihello\x1b:wq\r');
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
