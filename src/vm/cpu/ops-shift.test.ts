import assert from 'node:assert/strict';
import { test } from 'node:test';
import { S_FLAGS, S_LAZY_OP } from '../mem/layout.js';
import { FL_AF, FL_CF, FL_OF, FL_PF, FL_SF, FL_ZF } from './flags.js';
import { CODE, DATA, makeMachine } from './testing.js';
import { EDGE16, EDGE32, EDGE8, compare, nativeRef, nativeUnavailableReason, rng, type RefCase } from './testdata/native-ref.js';

const ARITH = FL_CF | FL_PF | FL_AF | FL_ZF | FL_SF | FL_OF;

function setup(regs: Record<number, number>, flags = 0) {
  const m = makeMachine();
  for (const [r, v] of Object.entries(regs)) m.cpu.s[Number(r)] = v;
  m.cpu.s[S_FLAGS] = 0x202 | flags;
  m.cpu.s[S_LAZY_OP] = 0;
  return m;
}

// ---- hand-computed cases (SDM Vol. 2B pseudo-code), run without a native reference ----

test('SHL/SHR/SAR 32-bit register by imm: result, CF, OF for count 1', () => {
  // shl eax,1 with EAX=0xC0000001: result 0x80000002, CF = old bit 31 = 1, OF = MSB(r)^CF = 0.
  let m = setup({ 0: 0xc0000001 | 0 });
  assert.equal(m.run([0xd1, 0xe0]), null);
  assert.equal(m.cpu.s[0] >>> 0, 0x80000002);
  assert.equal(m.flags() & (FL_CF | FL_OF | FL_SF | FL_ZF), FL_CF | FL_SF);
  // shr eax,1 with EAX=0x80000001: 0x40000000, CF=1, OF = old MSB = 1.
  m = setup({ 0: 0x80000001 | 0 });
  assert.equal(m.run([0xd1, 0xe8]), null);
  assert.equal(m.cpu.s[0], 0x40000000);
  assert.equal(m.flags() & (FL_CF | FL_OF | FL_SF | FL_ZF), FL_CF | FL_OF);
  // sar eax,4 with EAX=0x80000008: 0xF8000000, CF = bit 3 = 1.
  m = setup({ 0: 0x80000008 | 0 });
  assert.equal(m.run([0xc1, 0xf8, 4]), null);
  assert.equal(m.cpu.s[0] >>> 0, 0xf8000000);
  assert.equal(m.flags() & (FL_CF | FL_SF | FL_ZF), FL_CF | FL_SF);
});

test('shift count is masked to 5 bits; masked count 0 changes no flags', () => {
  // shl eax, 33 = shl eax, 1
  let m = setup({ 0: 3 });
  assert.equal(m.run([0xc1, 0xe0, 33]), null);
  assert.equal(m.cpu.s[0], 6);
  // shl eax, cl with CL=32: nothing happens, flags kept (all set here).
  m = setup({ 0: 0x12345678, 1: 32 }, ARITH);
  assert.equal(m.run([0xd3, 0xe0]), null);
  assert.equal(m.cpu.s[0], 0x12345678);
  assert.equal(m.flags() & ARITH, ARITH);
});

test('8-bit shifts and rotates use the right byte register and keep the rest', () => {
  // shl ah, 1 with EAX=0x1234C0FF → AH = 0x80, CF=1
  let m = setup({ 0: 0x1234c0ff });
  assert.equal(m.run([0xd0, 0xe4]), null);
  assert.equal(m.cpu.s[0] >>> 0, 0x123480ff);
  assert.equal(m.flags() & FL_CF, FL_CF);
  // rol bl, 4 with EBX=0xAAAAAA12 → BL=0x21, CF = LSB = 1
  m = setup({ 3: 0xaaaaaa12 | 0 });
  assert.equal(m.run([0xc0, 0xc3, 4]), null);
  assert.equal(m.cpu.s[3] >>> 0, 0xaaaaaa21);
  assert.equal(m.flags() & FL_CF, FL_CF);
});

test('RCL/RCR rotate through CF over size+1 bits', () => {
  // rcl al, 1 with AL=0x80, CF=1 → AL=0x01, CF=1, OF = MSB(r)^CF = 1
  let m = setup({ 0: 0x80 }, FL_CF);
  assert.equal(m.run([0xd0, 0xd0]), null);
  assert.equal(m.cpu.s[0], 0x01);
  assert.equal(m.flags() & (FL_CF | FL_OF), FL_CF | FL_OF);
  // rcl al, 9 (8-bit: count mod 9 = 0): nothing changes, CF kept
  m = setup({ 0: 0x5a, 1: 9 }, FL_CF);
  assert.equal(m.run([0xd2, 0xd0]), null);
  assert.equal(m.cpu.s[0], 0x5a);
  assert.equal(m.flags() & FL_CF, FL_CF);
  // rcr eax, 1 with EAX=1, CF=1 → 0x80000000, CF=1, OF = MSB(old)^CF(old) = 1
  m = setup({ 0: 1 }, FL_CF);
  assert.equal(m.run([0xd1, 0xd8]), null);
  assert.equal(m.cpu.s[0] >>> 0, 0x80000000);
  assert.equal(m.flags() & (FL_CF | FL_OF), FL_CF | FL_OF);
  // rcr eax, 31: CF:EAX (33 bits) rotated right 31 = rotated left 2.
  // EAX=0xC0000000, CF=0 → bits out of the top: 1,1 → EAX = 0x00000001 (CF went in at bit 1 = 0, old bit 30 to bit 0), CF = old bit 30 = 1
  m = setup({ 0: 0xc0000000 | 0, 1: 31 });
  assert.equal(m.run([0xd3, 0xd8]), null);
  assert.equal(m.cpu.s[0], 1);
  assert.equal(m.flags() & FL_CF, FL_CF);
});

test('ROL/ROR change only CF and OF', () => {
  // ror eax, 1 with EAX=1 → 0x80000000, CF=1, OF = top two bits differ = 1; ZF/SF/PF/AF kept as set
  const m = setup({ 0: 1 }, FL_ZF | FL_PF | FL_AF);
  assert.equal(m.run([0xd1, 0xc8]), null);
  assert.equal(m.cpu.s[0] >>> 0, 0x80000000);
  assert.equal(m.flags() & ARITH, FL_CF | FL_OF | FL_ZF | FL_PF | FL_AF);
});

test('shift of a memory operand reads, shifts and writes it', () => {
  const m = setup({ 7: DATA, 1: 4 });
  m.poke(DATA, [0x34, 0x12]);
  // shl word [edi], cl
  assert.equal(m.run([0x66, 0xd3, 0x27]), null);
  assert.deepEqual([...m.peek(DATA, 3)], [0x40, 0x23, 0]);
});

test('a memory operand must be writable even when the count is 0', () => {
  // Observed natively: SHL/SHLD [read-only page], CL=0 raise SIGSEGV on Intel.
  for (const code of [[0xd3, 0x27], [0xc1, 0x27, 0], [0x0f, 0xa5, 0x07]]) {
    const m = setup({ 7: CODE, 1: 0 });
    const f = m.run(code);
    assert.equal(f?.vector, 14, `code ${code}`);
  }
});

test('SHLD/SHRD 32-bit', () => {
  // shld ebx, edx, 8 with EBX=0x11223344, EDX=0xAABBCCDD → 0x223344AA, CF = bit 24 of EBX = 1
  let m = setup({ 3: 0x11223344, 2: 0xaabbccdd | 0 });
  assert.equal(m.run([0x0f, 0xa4, 0xd3, 8]), null);
  assert.equal(m.cpu.s[3], 0x223344aa);
  assert.equal(m.flags() & (FL_CF | FL_ZF | FL_SF), FL_CF);
  // shrd ebx, edx, cl (CL=4) with EBX=0x11223348, EDX=0x0000000F → 0xF1122334, CF = bit 3 = 1
  m = setup({ 3: 0x11223348, 2: 0xf, 1: 4 });
  assert.equal(m.run([0x0f, 0xad, 0xd3]), null);
  assert.equal(m.cpu.s[3] >>> 0, 0xf1122334);
  assert.equal(m.flags() & (FL_CF | FL_ZF | FL_SF), FL_CF | FL_SF);
  // shrd ebx, edx, 1: EBX=0x80000000, EDX=1 → 0xC0000000, OF = sign change = 0
  m = setup({ 3: 0x80000000 | 0, 2: 1 });
  assert.equal(m.run([0x0f, 0xac, 0xd3, 1]), null);
  assert.equal(m.cpu.s[3] >>> 0, 0xc0000000);
  assert.equal(m.flags() & (FL_CF | FL_OF), 0);
});

// ---- comparison with the host CPU ----

interface ShiftCase extends RefCase {
  kind: number;
  size: number;
  /** masked count */
  n: number;
}

/** Flags the SDM defines for a group-2 shift/rotate. */
function group2Mask(c: ShiftCase): number {
  const n = c.n;
  if (n === 0) return ARITH;
  const bits = c.size * 8;
  if (c.kind < 4) return (ARITH & ~FL_OF) | (n === 1 ? FL_OF : 0); // rotates: only CF/OF change
  let m = FL_SF | FL_ZF | FL_PF;
  if (n === 1) m |= FL_OF;
  if (c.kind === 7 || n < bits) m |= FL_CF;
  return m;
}

function group2Cases(): ShiftCase[] {
  const cases: ShiftCase[] = [];
  const rand = rng(0x5eed);
  const counts = [0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 18, 24, 31, 32, 33, 0xff];
  const other = (v: number, size: number) => (size === 4 ? v : size === 2 ? (0x5a5a0000 | v) : (0x5a5a5a00 | v));
  for (const size of [1, 2, 4]) {
    const edge = size === 1 ? EDGE8 : size === 2 ? EDGE16 : EDGE32;
    const mask = size === 4 ? -1 : (1 << (size * 8)) - 1;
    const values = [...edge, rand() & mask, rand() & mask, rand() & mask];
    const pre = size === 2 ? [0x66] : [];
    const opCL = size === 1 ? 0xd2 : 0xd3;
    const opI = size === 1 ? 0xc0 : 0xc1;
    const op1 = size === 1 ? 0xd0 : 0xd1;
    for (let kind = 0; kind < 8; kind++) {
      for (const v of values) {
        for (const cnt of counts) {
          for (const flags of [0, ARITH]) {
            const n = cnt & 31;
            const base = { kind, size, n, flags, mem: 0 };
            const regs = [0x11111111, cnt, 0x22222222, other(v, size), 0x33333333, 0x44444444];
            // register by CL: op ebx/bx/bl, cl
            cases.push({ ...base, code: [...pre, opCL, 0xc0 | (kind << 3) | 3], regs });
            // register by imm8
            cases.push({ ...base, code: [...pre, opI, 0xc0 | (kind << 3) | 3, cnt], regs });
            if (cnt === 1) cases.push({ ...base, code: [...pre, op1, 0xc0 | (kind << 3) | 3], regs });
            // memory [edi] by CL, neighbouring bytes must survive
            cases.push({ ...base, code: [...pre, opCL, (kind << 3) | 7], regs, mem: other(v, size) });
            // 8-bit high register BH
            if (size === 1) {
              cases.push({ ...base, code: [opCL, 0xc0 | (kind << 3) | 7], regs: [...regs.slice(0, 3), 0x5a5a005a | (v << 8), ...regs.slice(4)] });
            }
          }
        }
      }
    }
  }
  return cases;
}

interface DoubleCase extends RefCase {
  size: number;
  n: number;
}

function doubleMask(c: DoubleCase): number {
  if (c.n === 0) return ARITH;
  if (c.n > c.size * 8) return 0;
  return FL_CF | FL_SF | FL_ZF | FL_PF | (c.n === 1 ? FL_OF : 0);
}

function doubleCases(): DoubleCase[] {
  const cases: DoubleCase[] = [];
  const counts = [0, 1, 2, 7, 8, 15, 16, 17, 24, 31, 32, 33];
  for (const size of [2, 4]) {
    const edge = size === 2 ? [0, 1, 0x7fff, 0x8000, 0xffff, 0x1234, 0xc001] : [0, 1, 0x7fffffff, 0x80000000 | 0, -1, 0x12345678, 0xc0000001 | 0];
    const pre = size === 2 ? [0x66] : [];
    const hi = size === 2 ? 0x5a5a0000 : 0;
    for (const right of [false, true]) {
      for (const d of edge) {
        for (const src of edge) {
          for (const cnt of counts) {
            for (const flags of [0, ARITH]) {
              const base = { size, n: cnt & 31, flags, mem: 0 };
              const regs = [0x11111111, cnt, hi | src, hi | d, 0x33333333, 0x44444444];
              const opI = right ? 0xac : 0xa4;
              // shld/shrd ebx, edx, imm8 / cl; and [edi], edx, cl
              cases.push({ ...base, code: [...pre, 0x0f, opI, 0xd3, cnt], regs });
              cases.push({ ...base, code: [...pre, 0x0f, opI + 1, 0xd3], regs });
              cases.push({ ...base, code: [...pre, 0x0f, opI + 1, 0x17], regs, mem: hi | d });
            }
          }
        }
      }
    }
  }
  return cases;
}

const native = nativeRef();
const skip = native === null ? nativeUnavailableReason() : false;

test('group 2 shifts and rotates match the host CPU', { skip }, () => {
  const cases = group2Cases();
  const r = compare(makeMachine(), cases, group2Mask);
  assert.equal(r.count, 0, `${r.count}/${cases.length} cases differ:\n` + r.failures.join('\n'));
});

test('SHLD/SHRD match the host CPU', { skip }, () => {
  const cases = doubleCases();
  // 16-bit forms with a count above 16 have an undefined result (SDM); only compared with WEBVM_REF_ALL=1.
  const r = compare(makeMachine(), cases, doubleMask, (c) => c.n <= c.size * 8);
  assert.equal(r.count, 0, `${r.count}/${cases.length} cases differ:\n` + r.failures.join('\n'));
});
