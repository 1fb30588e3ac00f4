import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeBlock } from './decoder.js';
import { CODE, makeMachine } from './testing.js';
import * as A from './ops-alu.js';
import * as NF from './ops-noflags.js';
import * as F from './ops-fast.js';

/** Dead-flag elimination must never change what a program can observe through the flags. */
function block(bytes: number[]) {
  const m = makeMachine();
  m.poke(CODE, [...bytes, 0xf4]);
  m.cpu.cache.clear();
  return decodeBlock(m.cpu, CODE).insns;
}

test('flags overwritten before any read are not computed', () => {
  // add eax,ebx; inc ecx; cmp ecx,edx; jnz
  const b = block([0x01, 0xd8, 0x41, 0x39, 0xd1, 0x75, 0x00]);
  assert.equal(b[0].exec, NF.add32RRnf);
  assert.equal(b[1].exec, NF.inc32Rnf);
  // The compare feeding the branch keeps its flags, fused with the branch (here a
  // superblock side exit, as decoding goes on) into one handler, JNZ's own form.
  assert.equal(b[2].exec, F.cmpJneExit32RR);
  assert.equal(b[2].next, CODE + 7);
  assert.equal(b[3].addr, CODE + 7);
});

test('flags read later, or live at the block end, are kept', () => {
  // add eax,ebx; inc ecx; jc → INC keeps CF, so ADD's CF is read by JC.
  let b = block([0x01, 0xd8, 0x41, 0x72, 0x00]);
  assert.equal(b[0].exec, A.add32RR);
  // add eax,ebx; adc ecx,edx → ADC reads CF.
  b = block([0x01, 0xd8, 0x11, 0xd1]);
  assert.equal(b[0].exec, A.add32RR);
  // The last flag setter of a block stays (the next block may read it).
  b = block([0x01, 0xd8, 0x89, 0xc1]);
  assert.equal(b[0].exec, A.add32RR);
});

test('programs observe the same flags with and without the rewrite', () => {
  const m = makeMachine();
  // mov eax,-1; add eax,1 (CF=1); inc ecx (keeps CF); setc dl; sub ebx,ebx; cmp eax,0 ; setz dh
  const f = m.run([0xb8, 0xff, 0xff, 0xff, 0xff, 0x83, 0xc0, 0x01, 0x41, 0x0f, 0x92, 0xc2, 0x29, 0xdb, 0x83, 0xf8, 0x00, 0x0f, 0x94, 0xc6]);
  assert.equal(f, null);
  assert.equal(m.cpu.s[2] & 0xffff, 0x0101);
});

test('a register move scheduled between CMP and Jcc is moved before the compare and the pair fused', () => {
  // cmp ecx,edx; lea eax,[ebx+4]; jnz → lea; cmp+jnz
  let b = block([0x39, 0xd1, 0x8d, 0x43, 0x04, 0x75, 0x00]);
  assert.equal(b[0].addr, CODE + 2);
  assert.equal(b[1].exec, F.cmpJneExit32RR);
  assert.equal(b[1].next, CODE + 7);
  // ...but not when the move writes a register the compare reads (lea ecx,[ebx+4]).
  b = block([0x39, 0xd1, 0x8d, 0x4b, 0x04, 0x75, 0x00]);
  assert.equal(b[0].addr, CODE);
  assert.equal(b[0].exec, A.cmp32RR);
  // mov edx,5 writes the compared edx: kept in order too.
  b = block([0x39, 0xd1, 0xba, 0x05, 0x00, 0x00, 0x00, 0x75, 0x00]);
  assert.equal(b[0].exec, A.cmp32RR);
});
