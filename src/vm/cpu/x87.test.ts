import assert from 'node:assert/strict';
import { test } from 'node:test';
import { S_FLAGS, S_LAZY_OP } from '../mem/layout.js';
import { FL_CF, FL_PF, FL_ZF } from './flags.js';
import { DATA, makeMachine } from './testing.js';

/**
 * x87/MMX unit tests. Expected values are hand-computed from the SDM (the
 * conformance programs test/guest/x87*.c, mmx.c, nbody.c compare whole
 * tables with a native run). Memory operands are [DATA + k]: mod 00 rm 101 disp32.
 */
function m32(op: number, reg: number, off: number): number[] {
  const a = DATA + off;
  return [op, (reg << 3) | 5, a & 0xff, (a >> 8) & 0xff, (a >> 16) & 0xff, a >>> 24];
}

function f64bits(m: ReturnType<typeof makeMachine>, off: number): string {
  const b = m.peek(DATA + off, 8);
  return Buffer.from(b).reverse().toString('hex');
}

function putF64(m: ReturnType<typeof makeMachine>, off: number, v: number): void {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(v);
  m.poke(DATA + off, b);
}

test('fresh state is the FNINIT state: FCW 0x037F, FSW 0, all empty', () => {
  const m = makeMachine();
  // fnstcw [0]; fnstsw [2]; fnstenv [16]
  assert.equal(m.run([...m32(0xd9, 7, 0), ...m32(0xdd, 7, 2), ...m32(0xd9, 6, 16)]), null);
  const b = m.peek(DATA, 40);
  assert.equal(b[0] | (b[1] << 8), 0x037f);
  assert.equal(b[2] | (b[3] << 8), 0);
  assert.equal(b[16 + 8] | (b[16 + 9] << 8), 0xffff); // tag word: all empty
});

test('fld1; fadd st,st; fldpi; fmulp; fstp m64 = 2π', () => {
  const m = makeMachine();
  assert.equal(m.run([0xd9, 0xe8, 0xd8, 0xc0, 0xd9, 0xeb, 0xde, 0xc9, ...m32(0xdd, 3, 0)]), null);
  assert.equal(f64bits(m, 0), '401921fb54442d18');
});

test('m80 values round-trip bit-exactly (64-bit significand, NaN payload, denormal)', () => {
  const pats = [
    [0x89, 0x67, 0x45, 0x23, 0x01, 0xef, 0xcd, 0xab, 0xfe, 0x43], // more bits than a double holds
    [0x34, 0x12, 0, 0, 0, 0, 0, 0x80, 0xff, 0x7f], // SNaN with a low payload
    [1, 0, 0, 0, 0, 0, 0, 0, 0, 0], // 80-bit denormal
  ];
  for (const p of pats) {
    const m = makeMachine();
    m.poke(DATA, p);
    assert.equal(m.run([...m32(0xdb, 5, 0), ...m32(0xdb, 7, 16)]), null); // fld m80; fstp m80
    assert.deepEqual([...m.peek(DATA + 16, 10)], p);
  }
});

test('FISTP m32 honours RC on ±2.5 (SDM Vol. 1 §4.8.4)', () => {
  // RC 0 nearest-even, 1 down, 2 up, 3 toward zero
  const want: Record<number, [number, number]> = { 0: [2, -2], 1: [2, -3], 2: [3, -2], 3: [2, -2] };
  for (let rc = 0; rc < 4; rc++) {
    for (const [k, v] of [2.5, -2.5].entries()) {
      const m = makeMachine();
      putF64(m, 0, v);
      const cw = 0x037f | (rc << 10);
      m.poke(DATA + 8, [cw & 0xff, cw >> 8]);
      assert.equal(m.run([...m32(0xd9, 5, 8), ...m32(0xdd, 0, 0), ...m32(0xdb, 3, 16)]), null);
      const b = Buffer.from(m.peek(DATA + 16, 4));
      assert.equal(b.readInt32LE(), want[rc][k], `rc ${rc} value ${v}`);
    }
  }
});

test('integer indefinite on overflow, IE set', () => {
  const m = makeMachine();
  putF64(m, 0, 3e9);
  // fld m64; fistp m32; fnstsw [24]
  assert.equal(m.run([...m32(0xdd, 0, 0), ...m32(0xdb, 3, 16), ...m32(0xdd, 7, 24)]), null);
  assert.equal(Buffer.from(m.peek(DATA + 16, 4)).readUInt32LE(), 0x80000000);
  assert.equal(m.peek(DATA + 24, 1)[0] & 1, 1);
});

test('FCOMI sets ZF PF CF; unordered sets all three', () => {
  const cases: [number, number, number][] = [
    [1, 2, FL_CF],
    [2, 1, 0],
    [2, 2, FL_ZF],
    [NaN, 1, FL_ZF | FL_PF | FL_CF],
  ];
  for (const [a, b, want] of cases) {
    const m = makeMachine();
    putF64(m, 0, b);
    putF64(m, 8, a);
    m.cpu.s[S_FLAGS] = 0x202 | 0x8d5;
    m.cpu.s[S_LAZY_OP] = 0;
    // fld b; fld a; fcomip st(1)
    assert.equal(m.run([...m32(0xdd, 0, 0), ...m32(0xdd, 0, 8), 0xdf, 0xf1]), null);
    assert.equal(m.flags() & 0x8d5, want, `${a} vs ${b}`);
  }
});

test('an unmasked exception raises #MF at the next waiting instruction, not before', () => {
  const m = makeMachine();
  m.poke(DATA, [0x7b, 0x03]); // FCW with ZM (bit 2) clear
  putF64(m, 8, 0);
  // fldcw; fld1; fdiv m64 (÷0: ZE pending, no #MF yet); fnstsw [16]; fwait → #MF
  const code = [...m32(0xd9, 5, 0), 0xd9, 0xe8, ...m32(0xdc, 6, 8), ...m32(0xdd, 7, 16), 0x9b];
  const f = m.run(code);
  assert.equal(f?.vector, 16);
  const sw = m.peek(DATA + 16, 2);
  assert.equal(sw[0] & 0x84, 0x84); // ZE and ES
});

test('stack overflow: IE|SF with C1 = 1, the indefinite NaN is pushed', () => {
  const m = makeMachine();
  const code: number[] = [];
  for (let k = 0; k < 9; k++) code.push(0xd9, 0xe8);
  code.push(...m32(0xdd, 7, 0), ...m32(0xdd, 3, 8));
  assert.equal(m.run(code), null);
  const sw = m.peek(DATA, 2);
  assert.equal(sw[0] & 0x41, 0x41);
  assert.equal(sw[1] & 0x02, 0x02);
  assert.equal(f64bits(m, 8), 'fff8000000000000');
});

test('MMX: PADDB wraps, MOVQ round-trips, TOP 0 and tags valid until EMMS', () => {
  const m = makeMachine();
  m.poke(DATA, [0xff, 1, 2, 3, 0x80, 5, 6, 7]);
  m.poke(DATA + 8, [1, 1, 1, 1, 0x80, 1, 1, 1]);
  // movq mm0,[0]; paddb mm0,[8]; movq [16],mm0; fnstenv [32]; emms; fnstenv [64]
  const code = [0x0f, ...m32(0x6f, 0, 0), 0x0f, ...m32(0xfc, 0, 8), 0x0f, ...m32(0x7f, 0, 16), ...m32(0xd9, 6, 32), 0x0f, 0x77, ...m32(0xd9, 6, 64)];
  assert.equal(m.run(code), null);
  assert.deepEqual([...m.peek(DATA + 16, 8)], [0, 2, 3, 4, 0, 6, 7, 8]);
  const e1 = m.peek(DATA + 32, 12);
  assert.equal(e1[5] & 0x38, 0); // TOP 0
  // Tag word: MM0 (exponent all ones) is special (10); the untouched zero registers are tagged zero (01).
  assert.equal(e1[8] | (e1[9] << 8), 0x5556);
  const e2 = m.peek(DATA + 64, 12);
  assert.equal(e2[8] | (e2[9] << 8), 0xffff);
});
