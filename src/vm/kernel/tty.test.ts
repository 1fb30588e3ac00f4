import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as T from './abi/tty.js';
import { Tty } from './tty.js';

/**
 * Line-discipline behaviour the pty conformance programs cannot show
 * deterministically against native (flow control blocks a native writer;
 * signals need a session): expectations from termios(3) and
 * drivers/tty/n_tty.c, written out by hand.
 */
function make(): { tty: Tty; out: () => string; signals: [number, number][] } {
  const chunks: Uint8Array[] = [];
  const signals: [number, number][] = [];
  const tty = new Tty('test', { signalGroup: (g, s) => signals.push([g, s]), setTimer: (f, ms) => setTimeout(f, ms), clearTimer: (h) => clearTimeout(h as ReturnType<typeof setTimeout>) }, (d) => chunks.push(d));
  const out = (): string => {
    const s = Buffer.concat(chunks).toString('latin1');
    chunks.length = 0;
    return s;
  };
  return { tty, out, signals };
}

const bytes = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const text = (b: Uint8Array | null): string | null => (b === null ? null : Buffer.from(b).toString('latin1'));

test('IXON: ^S holds output until ^Q, and neither reaches the reader', () => {
  const { tty, out } = make();
  tty.input(bytes('\x13'));
  assert.equal(tty.outputStopped, true);
  tty.write(bytes('held\n'));
  assert.equal(out(), '');
  tty.input(bytes('\x11'));
  assert.equal(tty.outputStopped, false);
  assert.equal(out(), 'held\r\n');
  assert.equal(tty.available, 0);
});

test('IXANY: any key restarts stopped output', () => {
  const { tty, out } = make();
  tty.setTermios({ ...tty.termios, iflag: tty.termios.iflag | T.IXANY });
  tty.input(bytes('\x13'));
  tty.write(bytes('x'));
  assert.equal(out(), '');
  tty.input(bytes('a'));
  assert.equal(out(), 'xa');
});

test('ISIG: ^C, ^\\ and ^Z signal the foreground group, echo as ^X and flush the line; NOFLSH keeps it', () => {
  const { tty, out, signals } = make();
  tty.pgrp = 42;
  tty.input(bytes('abc\x03'));
  assert.deepEqual(signals, [[42, 2]]);
  assert.equal(out(), 'abc^C');
  tty.input(bytes('\n'));
  assert.equal(text(tty.take(100)), '\n');
  tty.input(bytes('\x1c\x1a'));
  assert.deepEqual(signals.slice(1), [[42, 3], [42, 20]]);
  tty.setTermios({ ...tty.termios, lflag: tty.termios.lflag | T.NOFLSH });
  tty.input(bytes('kept\x03\n'));
  assert.equal(text(tty.take(100)), 'kept\n');
});

test('no foreground group: the signal characters signal nobody', () => {
  const { tty, signals } = make();
  tty.input(bytes('\x03'));
  assert.deepEqual(signals, []);
});

test('a size change sends SIGWINCH to the foreground group, the same size does not', () => {
  const { tty, signals } = make();
  tty.pgrp = 7;
  tty.resize(24, 80);
  assert.deepEqual(signals, []);
  tty.resize(50, 132);
  assert.deepEqual(signals, [[7, 28]]);
  assert.equal(tty.rows, 50);
  assert.equal(tty.cols, 132);
});

test('XTABS expands tabs to the next multiple of 8 columns', () => {
  const { tty, out } = make();
  tty.setTermios({ ...tty.termios, oflag: tty.termios.oflag | T.XTABS });
  tty.write(bytes('ab\tc\n\t'));
  assert.equal(out(), 'ab      c\r\n        ');
});

test('erasing a tab backs up to where it started', () => {
  const { tty, out } = make();
  tty.input(bytes('ab\t'));
  assert.equal(out(), 'ab\t');
  tty.input(bytes('\x7f'));
  assert.equal(out(), '\b\b\b\b\b\b');
});

test('a hung-up terminal reads end-of-file', () => {
  const { tty } = make();
  assert.equal(tty.take(10), null);
  tty.hangup();
  assert.equal(text(tty.take(10)), '');
});
