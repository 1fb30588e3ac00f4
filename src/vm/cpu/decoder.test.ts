import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeBlock } from './decoder.js';
import { CODE, makeMachine } from './testing.js';
import * as C from './ops-control.js';

/**
 * Instruction lengths and operand fields. The reference for lengths is
 * binutils' objdump (an independent decoder), run over the same bytes.
 */
const SAMPLES: string[] = [
  '01 d8', '03 04 24', '03 44 24 08', '03 84 24 00 01 00 00', '8b 04 8d 00 10 00 00', '8b 05 78 56 34 12',
  '8b 45 f8', '8b 04 0b', '8b 44 4b 7f', '66 8b 07', '67 8b 07', '67 8b 46 02', '67 8b 06 34 12', '67 66 8b 87 00 01',
  '80 c1 05', '81 c1 78 56 34 12', '66 81 c1 34 12', '83 c1 ff', '66 83 c1 80', 'c6 00 07', 'c7 00 01 00 00 00',
  '66 c7 00 01 00', 'b0 11', 'b8 11 22 33 44', '66 b8 11 22', '69 c0 10 00 00 00', '6b c0 10', '66 69 c0 10 00',
  'c0 e0 03', 'd1 e0', 'd3 e0', 'f6 d8', 'f7 f1', 'f6 c3 01', 'f7 c3 01 00 00 00', '66 f7 c3 01 00',
  '0f af c1', '0f b6 c0', '0f bf 03', '0f a4 c2 05', '0f ad c2', '0f ba e0 05', '0f a3 03', '0f bc c1', '0f c8',
  '0f c1 03', 'f0 0f b1 0b', '0f c7 0e', '0f 94 c0', '0f 44 c1', '0f 1f 44 00 00', '66 0f 1f 84 00 00 00 00 00',
  '0f 1f 00', '0f 1f 40 00', '90', '66 90', 'f3 90', 'f3 a5', 'f2 ae', '66 f3 ab', 'a4', 'ac', '65 a1 14 00 00 00',
  '64 8b 0d 00 00 00 00', '26 8b 00', 'c2 08 00', 'c3', 'f3 c3', 'c8 10 00 02', 'c9', '60', '61', '9c', '9d',
  'cd 80', 'cc', '0f 0b', '0f a2', '0f 31', 'd4 0a', 'd5 0a', 'd7', '8c d8', '8e d8', '0f a8', '0f a9', 'e8 00 00 00 00',
  'e9 10 00 00 00', 'eb fe', '74 05', '0f 84 00 01 00 00', 'e2 fe', 'e3 00', 'ff d0', 'ff 24 85 00 10 00 00', 'ff 35 00 10 00 00',
  '8f 00', '6a ff', '68 00 01 00 00', '66 6a 01', '8d 44 24 04', '8d 04 c5 00 00 00 00', '86 c4', '87 1c 24', '98', '99',
];

function objdumpLengths(hex: string[]): number[] {
  const dir = mkdtempSync(join(tmpdir(), 'web-vm-objdump-'));
  try {
    const out: number[] = [];
    for (const h of hex) {
      const bytes = Buffer.from(h.replace(/ /g, ''), 'hex');
      const f = join(dir, 'b.bin');
      // Pad with a HLT so objdump sees exactly one instruction first.
      writeFileSync(f, Buffer.concat([bytes, Buffer.from([0xf4])]));
      const text = execFileSync('objdump', ['-D', '-b', 'binary', '-m', 'i386', f], { encoding: 'utf8' });
      const lines = text.split('\n').filter((l) => /^\s+[0-9a-f]+:\t/.test(l));
      // A long instruction wraps onto continuation lines without a mnemonic; the second instruction's offset is our length.
      const offsets = lines.filter((l) => l.split('\t').length >= 3).map((l) => parseInt(l.trim().split(':')[0], 16));
      out.push(offsets[1]);
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('instruction lengths agree with objdump', () => {
  const expected = objdumpLengths(SAMPLES);
  const m = makeMachine();
  SAMPLES.forEach((h, k) => {
    const bytes = h.split(' ').map((x) => parseInt(x, 16));
    m.poke(CODE, [...bytes, 0xf4, 0xf4]);
    m.cpu.cache.clear();
    const b = decodeBlock(m.cpu, CODE);
    assert.equal(b.insns[0].len, expected[k], `length of ${h}`);
  });
});

test('ModRM/SIB fields: base, index, scale, displacement, default segment', () => {
  const m = makeMachine();
  const dec = (h: string) => {
    m.poke(CODE, [...h.split(' ').map((x) => parseInt(x, 16)), 0xf4]);
    m.cpu.cache.clear();
    return decodeBlock(m.cpu, CODE).insns[0];
  };
  let i = dec('8b 44 4b 7f'); // mov eax, [ebx+ecx*2+0x7f]
  assert.deepEqual([i.mod, i.reg, i.base, i.index, i.scale, i.disp, i.seg], [1, 0, 3, 1, 1, 0x7f, 3]);
  i = dec('8b 45 f8'); // mov eax, [ebp-8]: SS
  assert.deepEqual([i.base, i.index, i.disp, i.seg], [5, -1, -8, 2]);
  i = dec('8b 04 24'); // mov eax, [esp]: SS, no index
  assert.deepEqual([i.base, i.index, i.seg], [4, -1, 2]);
  i = dec('8b 04 8d 00 10 00 00'); // [ecx*4+0x1000], no base
  assert.deepEqual([i.base, i.index, i.scale, i.disp, i.seg], [-1, 1, 2, 0x1000, 3]);
  i = dec('67 8b 46 02'); // 16-bit [bp+2]: SS
  assert.deepEqual([i.a16, i.base, i.index, i.disp, i.seg], [true, 5, -1, 2, 2]);
  i = dec('67 8b 00'); // 16-bit [bx+si]
  assert.deepEqual([i.base, i.index, i.seg], [3, 6, 3]);
  i = dec('65 a1 14 00 00 00'); // mov eax, gs:[0x14]
  assert.deepEqual([i.base, i.disp, i.seg], [-1, 0x14, 5]);
  i = dec('66 b8 11 22'); // mov ax, 0x2211
  assert.deepEqual([i.size, i.imm], [2, 0x2211]);
  i = dec('83 c1 ff'); // add ecx, -1 (sign-extended)
  assert.deepEqual([i.sub, i.imm], [0, -1]);
});

test('blocks end at control transfers and invalid opcodes; conditional branches become side exits', () => {
  const m = makeMachine();
  // inc eax; jz +2; nop; nop; jmp $
  m.poke(CODE, [0x40, 0x74, 0x02, 0x90, 0x90, 0xeb, 0xfe, 0x90]);
  m.cpu.cache.clear();
  const b = decodeBlock(m.cpu, CODE);
  assert.equal(b.insns.length, 5, 'the block runs through the Jcc and ends at the JMP');
  assert.equal(b.insns[1].exec, C.jccExit);
  assert.equal(b.insns[1].target, CODE + 5);
  assert.equal(b.insns[4].exec, C.jmpRel);
  assert.equal(b.insns[4].target, CODE + 5);
  m.poke(CODE, [0x90, 0x0f, 0x0b, 0x90]);
  const u = decodeBlock(m.cpu, CODE);
  assert.equal(u.insns.length, 2);
  assert.equal(u.insns[1].exec, C.ud);
});

test('more than 15 bytes of prefixes is #GP, not a hang', () => {
  const m = makeMachine();
  const f = m.run([...new Array(15).fill(0x66), 0x90]);
  assert.ok(f !== null);
  assert.equal(f.vector, 13);
});

test('an instruction whose bytes run into an unmapped page faults at that instruction', () => {
  const m = makeMachine();
  // The code area is 0x1000..0x5000; put a 5-byte mov that crosses into 0x5000.
  m.poke(0x4ffc, [0x90, 0xb8, 0x01, 0x02]);
  m.cpu.cache.clear();
  m.cpu.s[8] = 0x4ffc;
  const r = m.cpu.run(100);
  assert.equal(r, 2);
  assert.equal(m.cpu.fault!.vector, 14);
  assert.equal(m.cpu.s[8], 0x4ffd, 'EIP points at the instruction that could not be fetched');
});

test('a taken side exit leaves the block; a fall-through continues it', () => {
  const m = makeMachine();
  // xor eax,eax (ZF=1); jz +5 (taken, skips mov ebx,1); mov ebx,1; inc ecx
  let f = m.run([0x31, 0xc0, 0x74, 0x05, 0xbb, 0x01, 0x00, 0x00, 0x00, 0x41]);
  assert.equal(f, null);
  assert.deepEqual([m.cpu.s[3], m.cpu.s[1]], [0, 1]);
  // or eax,1 (ZF=0); jz +5 (not taken); mov ebx,1; inc ecx
  f = m.run([0x83, 0xc8, 0x01, 0x74, 0x05, 0xbb, 0x01, 0x00, 0x00, 0x00, 0x41]);
  assert.equal(f, null);
  assert.deepEqual([m.cpu.s[3], m.cpu.s[1]], [1, 2]);
});
