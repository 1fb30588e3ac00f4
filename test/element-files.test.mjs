// Node-side checks of the element's pure parts: command-line splitting
// against what a real POSIX shell (/bin/sh on this host) makes of the same
// line, the other attribute parsers against the element contract, and the
// generated copy of xterm's stylesheet against the installed @xterm/xterm.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitCommand, parseArgs, parseEnv, parseUser, parseMemoryMb, parseJit } from '../build/src/element/attributes.js';
import { render, target } from '../tools/element/gen-xterm-css.mjs';

/** The words /bin/sh makes of `line` (no expansions in these lines, only quoting). */
function shellWords(line) {
  const out = execFileSync('/bin/sh', ['-c', `printf '%s\\0' ${line}`], { encoding: 'utf8' });
  return out.split('\0').slice(0, -1);
}

test('splitCommand splits like a POSIX shell', () => {
  const lines = [
    '/bin/bash --login',
    '  python3   -c   "print(1 + 2)"  ',
    `sh -c 'echo "a  b"; echo c'`,
    'echo a\\ b "c\\"d" \'e\\f\'',
    'x"y"\'z\' "" \'\'',
    'printf "%s\\\\n" back\\\\slash',
    'a\tb',
  ];
  for (const l of lines) assert.deepEqual(splitCommand(l), shellWords(l), l);
});

test('splitCommand rejects an unterminated quote with a sentence', () => {
  assert.throws(() => splitCommand(`echo 'oops`), /unterminated ' quote/);
  assert.throws(() => splitCommand('echo "oops'), /unterminated " quote/);
});

test('args, env, user and memory-mb parse as the element contract says', () => {
  assert.deepEqual(parseArgs('["-c", "echo hi"]'), ['-c', 'echo hi']);
  assert.deepEqual(parseArgs(null), []);
  assert.throws(() => parseArgs('[1]'), /JSON array of strings/);
  assert.deepEqual(parseEnv('A=1; B=x=y ;'), ['A=1', 'B=x=y']);
  assert.deepEqual(parseEnv('{"A": "1", "B": 2}'), ['A=1', 'B=2']);
  assert.throws(() => parseEnv('A=1;oops'), /not NAME=value/);
  assert.equal(parseUser('1000:100'), '1000:100');
  assert.equal(parseUser(' user '), 'user');
  assert.equal(parseUser(null), undefined);
  assert.throws(() => parseUser('a:b'), /name or uid\[:gid\]/);
  assert.equal(parseMemoryMb(null), 256);
  assert.equal(parseMemoryMb(64), 64);
  assert.throws(() => parseMemoryMb(4), /16 to 2048/);
});

test('jit is on by default (absent or empty), takes off and eager, and rejects anything else with a sentence', () => {
  assert.equal(parseJit(null), 'on');
  assert.equal(parseJit(''), 'on');
  assert.equal(parseJit(' eager '), 'eager');
  assert.equal(parseJit('off'), 'off');
  assert.equal(parseJit('on'), 'on');
  assert.throws(() => parseJit('fast'), /jit must be on, off or eager; got fast/);
  assert.throws(() => parseJit('OFF'), /jit must be on, off or eager/);
});

test('src/element/xterm-css.ts matches the installed @xterm/xterm (run tools/element/gen-xterm-css.mjs)', () => {
  assert.equal(readFileSync(target, 'utf8'), render());
});
