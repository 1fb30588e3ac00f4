import assert from 'node:assert/strict';
import { test } from 'node:test';
import { S_FLAGS, S_LAZY_OP } from '../mem/layout.js';
import { FL_AF, FL_CF, FL_OF, FL_PF, FL_SF, FL_ZF } from './flags.js';
import { makeMachine } from './testing.js';
import { compare, nativeRef, nativeUnavailableReason, type RefCase } from './testdata/native-ref.js';

const ARITH = FL_CF | FL_PF | FL_AF | FL_ZF | FL_SF | FL_OF;

function run(code: number[], eax: number, flags: number) {
  const m = makeMachine();
  m.cpu.s[0] = eax;
  m.cpu.s[S_FLAGS] = 0x202 | flags;
  m.cpu.s[S_LAZY_OP] = 0;
  const f = m.run(code);
  return { f, eax: m.cpu.s[0] >>> 0, flags: m.flags() };
}

// ---- hand-computed cases (SDM Vol. 2A pseudo-code) ----

test('DAA after packed BCD addition', () => {
  // 0x79 + 0x35 = 0xAE (AF=0, CF=0) → DAA → 0x14, CF=1 (79 + 35 = 114)
  let r = run([0x27], 0xae, 0);
  assert.equal(r.eax, 0x14);
  assert.equal(r.flags & (FL_CF | FL_AF | FL_ZF), FL_CF | FL_AF);
  // 0x09 + 0x09 = 0x12 with AF=1 → 0x18, CF=0
  r = run([0x27], 0x12, FL_AF);
  assert.equal(r.eax, 0x18);
  assert.equal(r.flags & (FL_CF | FL_AF), FL_AF);
  // AL=0x9A, CF=0: low digit > 9 and AL > 0x99 → +0x66 = 0x00, CF=1, ZF=1
  r = run([0x27], 0x9a, 0);
  assert.equal(r.eax, 0x00);
  assert.equal(r.flags & (FL_CF | FL_AF | FL_ZF), FL_CF | FL_AF | FL_ZF);
});

test('DAS after packed BCD subtraction, including the borrow from AL - 6', () => {
  // 0x35 - 0x47 = 0xEE, CF=1, AF=1 → DAS → 0x88, CF=1 (35 - 47 = -12 → 88 borrow)
  let r = run([0x2f], 0xee, FL_CF | FL_AF);
  assert.equal(r.eax, 0x88);
  assert.equal(r.flags & (FL_CF | FL_AF), FL_CF | FL_AF);
  // AL=0x03, AF=1, CF=0: AL-6 borrows → CF=1 kept (old AL <= 0x99, old CF = 0, no ELSE branch) → 0xFD
  r = run([0x2f], 0x03, FL_AF);
  assert.equal(r.eax, 0xfd);
  assert.equal(r.flags & (FL_CF | FL_AF | FL_SF), FL_CF | FL_AF | FL_SF);
});

test('AAA/AAS adjust AX and keep only the low digit in AL', () => {
  // AAA: AX=0x0109 + 2 → AL=0x0B → AX=0x0201, CF=AF=1
  let r = run([0x37], 0x1234010b, 0);
  assert.equal(r.eax, 0x12340201);
  assert.equal(r.flags & (FL_CF | FL_AF), FL_CF | FL_AF);
  // AAA with AL=0xFA: AX + 0x106 carries from AL into AH: 0x01FA → 0x0300
  r = run([0x37], 0x01fa, 0);
  assert.equal(r.eax, 0x0300);
  // AAA without adjustment (low digit <= 9, AF=0) clears CF and the high digit: AL=0x35 → 0x05
  r = run([0x37], 0x0035, FL_CF);
  assert.equal(r.eax, 0x0005);
  assert.equal(r.flags & (FL_CF | FL_AF), 0);
  // AAS: AX=0x0205 - 0x08 → AL=0xFD, AF=1 → AX - 0x106 = 0x00F7 → AL & 0xF = 0x07 → AX=0x0107
  r = run([0x3f], 0x02fd, FL_AF | FL_CF);
  assert.equal(r.eax, 0x0107);
  assert.equal(r.flags & (FL_CF | FL_AF), FL_CF | FL_AF);
});

test('AAM/AAD with base 10 and other bases; AAM 0 raises #DE', () => {
  // AAM: AL=0x3F (63) → AH=6, AL=3
  let r = run([0xd4, 0x0a], 0x1234003f, 0);
  assert.equal(r.eax, 0x12340603);
  assert.equal(r.flags & (FL_ZF | FL_SF), 0);
  // AAM 16: AL=0xA0 → AH=0x0A, AL=0 → ZF=1, PF=1
  r = run([0xd4, 0x10], 0xa0, 0);
  assert.equal(r.eax, 0x0a00);
  assert.equal(r.flags & (FL_ZF | FL_PF | FL_SF), FL_ZF | FL_PF);
  // AAM 0: #DE, nothing changed
  r = run([0xd4, 0x00], 0x55, FL_CF);
  assert.equal(r.f?.vector, 0);
  assert.equal(r.eax, 0x55);
  // AAD: AH=6, AL=3 → AL=63=0x3F, AH=0
  r = run([0xd5, 0x0a], 0x12340603, 0);
  assert.equal(r.eax, 0x1234003f);
  // AAD 0x10: AH=0xFF, AL=0x80 → AL = (0x80 + 0xFF0) & 0xFF = 0x70
  r = run([0xd5, 0x10], 0xff80, 0);
  assert.equal(r.eax, 0x0070);
  assert.equal(r.flags & (FL_SF | FL_ZF), 0);
});

test('SALC sets AL from CF and changes no flag', () => {
  let r = run([0xd6], 0x12345600, FL_CF | FL_ZF);
  assert.equal(r.eax, 0x123456ff);
  assert.equal(r.flags & ARITH, FL_CF | FL_ZF);
  r = run([0xd6], 0x123456aa, FL_SF);
  assert.equal(r.eax, 0x12345600);
  assert.equal(r.flags & ARITH, FL_SF);
});

// ---- comparison with the host CPU, exhaustive over AL and the input CF/AF ----

interface BcdCase extends RefCase {
  mask: number;
}

function bcdCases(): BcdCase[] {
  const cases: BcdCase[] = [];
  const adjust: [number, number][] = [
    [0x27, FL_CF | FL_AF | FL_SF | FL_ZF | FL_PF], // DAA: OF undefined
    [0x2f, FL_CF | FL_AF | FL_SF | FL_ZF | FL_PF], // DAS
    [0x37, FL_CF | FL_AF], // AAA: OF SF ZF PF undefined
    [0x3f, FL_CF | FL_AF], // AAS
  ];
  for (const [op, mask] of adjust) {
    for (let al = 0; al < 256; al++) {
      for (const ah of [0x00, 0x7f, 0xff]) {
        for (const fl of [0, FL_CF, FL_AF, FL_CF | FL_AF, FL_OF | FL_SF | FL_ZF | FL_PF, ARITH]) {
          cases.push({ mask, code: [op], regs: [0x5a5a0000 | (ah << 8) | al, 0, 0, 0, 0, 0], flags: fl, mem: 0 });
        }
      }
    }
  }
  const sz = FL_SF | FL_ZF | FL_PF; // AAM/AAD: OF AF CF undefined
  for (const base of [0, 1, 2, 7, 10, 16, 0x7f, 0x80, 0xff]) {
    for (let al = 0; al < 256; al++) {
      for (const fl of [0, ARITH]) {
        cases.push({ mask: sz, code: [0xd4, base], regs: [0x5a5a3300 | al, 0, 0, 0, 0, 0], flags: fl, mem: 0 });
        for (const ah of [0, 1, 9, 0x80, 0xff]) {
          cases.push({ mask: sz, code: [0xd5, base], regs: [0x5a5a0000 | (ah << 8) | al, 0, 0, 0, 0, 0], flags: fl, mem: 0 });
        }
      }
    }
  }
  for (const fl of [0, FL_CF, ARITH, ARITH & ~FL_CF]) {
    for (const al of [0, 0x5a, 0xff]) cases.push({ mask: ARITH, code: [0xd6], regs: [0x12345600 | al, 0, 0, 0, 0, 0], flags: fl, mem: 0 });
  }
  return cases;
}

const native = nativeRef();
const skip = native === null ? nativeUnavailableReason() : false;

test('DAA DAS AAA AAS AAM AAD SALC match the host CPU', { skip }, () => {
  const cases = bcdCases();
  const r = compare(makeMachine(), cases, (c) => c.mask);
  assert.equal(r.count, 0, `${r.count}/${cases.length} cases differ:\n` + r.failures.join('\n'));
});
