import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PROT_READ } from '../mem/address-space.js';
import { S_FLAGS, S_LAZY_OP } from '../mem/layout.js';
import { FL_AF, FL_CF, FL_OF, FL_PF, FL_SF, FL_ZF } from './flags.js';
import { MX, MXCSR_DEFAULT } from './sse-state.js';
import { DATA, makeMachine, type Machine } from './testing.js';
import { mmxHi, mmxLo, mmxSet } from './x87-mmx.js';

/**
 * SSE unit tests on hand-assembled instructions. Expected values are from
 * the Intel SDM (each case cites the rule) or computed by hand in the test;
 * the bit-exact comparison with real hardware over large value tables is
 * test/guest/sse_float.c and sse_int.c (conformance).
 */

function machine(): Machine {
  const m = makeMachine();
  m.cpu.s[MX] = MXCSR_DEFAULT;
  m.cpu.s[7] = DATA; // EDI → data page
  return m;
}
const f32 = (v: number): number => {
  const b = new Float32Array([v]);
  return new Int32Array(b.buffer)[0];
};
const setX = (m: Machine, r: number, ...dw: number[]) => {
  for (let k = 0; k < 4; k++) m.cpu.xmm.i32[r * 4 + k] = dw[k] ?? 0;
};
const getX = (m: Machine, r: number) => Array.from(m.cpu.xmm.i32.subarray(r * 4, r * 4 + 4), (v) => v >>> 0);

test('MOVAPS needs a 16-byte aligned operand (#GP), MOVUPS does not', () => {
  const m = machine();
  m.poke(DATA + 4, [1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0]);
  m.cpu.s[7] = DATA + 4;
  setX(m, 0, 9, 9, 9, 9);
  const f = m.run([0x0f, 0x28, 0x07]); // movaps xmm0, [edi]
  assert.equal(f?.vector, 13);
  assert.deepEqual(getX(m, 0), [9, 9, 9, 9]);
  assert.equal(m.run([0x0f, 0x10, 0x07]), null); // movups xmm0, [edi]
  assert.deepEqual(getX(m, 0), [1, 2, 3, 4]);
});

test('an unaligned 16-byte store that crosses into a read-only page writes nothing', () => {
  const m = machine();
  const end = DATA + 0x10000;
  m.as.map(end, 0x1000, PROT_READ);
  m.cpu.s[7] = end - 8;
  m.poke(end - 8, [0, 0, 0, 0, 0, 0, 0, 0]);
  setX(m, 1, -1, -1, -1, -1);
  const f = m.run([0x0f, 0x11, 0x0f]); // movups [edi], xmm1
  assert.equal(f?.vector, 14);
  assert.deepEqual(Array.from(m.peek(end - 8, 8)), [0, 0, 0, 0, 0, 0, 0, 0]);
});

test('LDMXCSR raises #GP for reserved bits; STMXCSR stores MXCSR', () => {
  const m = machine();
  m.poke(DATA, [0x80, 0x7f, 0x01, 0x00]); // 0x17f80: bit 16 reserved
  assert.equal(m.run([0x0f, 0xae, 0x17])?.vector, 13);
  assert.equal(m.cpu.s[MX], MXCSR_DEFAULT);
  m.poke(DATA, [0xc0, 0x7f, 0x00, 0x00]); // RC=3, DAZ
  assert.equal(m.run([0x0f, 0xae, 0x17, 0x0f, 0xae, 0x5f, 0x04]), null); // ldmxcsr [edi]; stmxcsr [edi+4]
  assert.equal(m.cpu.s[MX], 0x7fc0);
  assert.deepEqual(Array.from(m.peek(DATA + 4, 4)), [0xc0, 0x7f, 0, 0]);
});

test('an unmasked divide-by-zero raises #XM, sets ZE and leaves the destination alone', () => {
  const m = machine();
  m.cpu.s[MX] = MXCSR_DEFAULT & ~0x200; // ZM clear
  setX(m, 0, f32(1), 7, 7, 7);
  setX(m, 1, 0, 0, 0, 0);
  const f = m.run([0xf3, 0x0f, 0x5e, 0xc1]); // divss xmm0, xmm1
  assert.equal(f?.vector, 19);
  assert.equal(getX(m, 0)[0], f32(1));
  assert.equal(m.cpu.s[MX] & 0x3f, 0x04);
  // Masked: ∞ and ZE.
  m.cpu.s[MX] = MXCSR_DEFAULT;
  assert.equal(m.run([0xf3, 0x0f, 0x5e, 0xc1]), null);
  assert.equal(getX(m, 0)[0], 0x7f800000);
  assert.equal(m.cpu.s[MX], MXCSR_DEFAULT | 0x04);
});

test('PCMPEQB + PMOVMSKB find a byte (the glibc strlen idiom)', () => {
  const m = machine();
  setX(m, 0, 0x41424300, 0x00ff0041, 0x41414141, 0x00414141);
  setX(m, 1, 0, 0, 0, 0);
  assert.equal(m.run([0x66, 0x0f, 0x74, 0xc8, 0x66, 0x0f, 0xd7, 0xc1]), null); // pcmpeqb xmm1, xmm0; pmovmskb eax, xmm1
  // zero bytes at 0 (dword 0 low), 5 and 7 (dword 1 = 41 00 ff 00), 15
  assert.equal(m.cpu.s[0], (1 << 0) | (1 << 5) | (1 << 7) | (1 << 15));
});

test('PSHUFB selects bytes, bit 7 zeroes; PALIGNR concatenates and shifts', () => {
  const m = machine();
  setX(m, 0, 0x03020100, 0x07060504, 0x0b0a0908, 0x0f0e0d0c);
  setX(m, 1, 0x0c0d0e0f, 0x80818283, 0x00000000, 0x01010101);
  assert.equal(m.run([0x66, 0x0f, 0x38, 0x00, 0xc1]), null); // pshufb xmm0, xmm1
  assert.deepEqual(getX(m, 0), [0x0c0d0e0f, 0, 0, 0x01010101]);
  setX(m, 0, 0x13121110, 0x17161514, 0x1b1a1918, 0x1f1e1d1c); // high half of the pair
  setX(m, 1, 0x03020100, 0x07060504, 0x0b0a0908, 0x0f0e0d0c);
  assert.equal(m.run([0x66, 0x0f, 0x3a, 0x0f, 0xc1, 0x05]), null); // palignr xmm0, xmm1, 5
  assert.deepEqual(getX(m, 0), [0x08070605, 0x0c0b0a09, 0x100f0e0d, 0x14131211]);
});

test('CVTSS2SI rounds by MXCSR.RC; CVTTSS2SI truncates; NaN and overflow give 0x80000000 with IE', () => {
  const m = machine();
  // RC 0 nearest-even, 1 down, 2 up, 3 toward zero (SDM Vol. 1 Table 4-8).
  const cases: [number, number[]][] = [
    [2.5, [2, 2, 3, 2]],
    [-2.5, [-2, -3, -2, -2]],
    [3.5, [4, 3, 4, 3]],
    [-0.25, [0, -1, 0, 0]],
  ];
  for (const [v, want] of cases) {
    for (let rc = 0; rc < 4; rc++) {
      m.cpu.s[MX] = MXCSR_DEFAULT | (rc << 13);
      setX(m, 0, f32(v));
      assert.equal(m.run([0xf3, 0x0f, 0x2d, 0xc0]), null); // cvtss2si eax, xmm0
      assert.equal(m.cpu.s[0], want[rc], `cvtss2si(${v}) rc=${rc}`);
      assert.equal(m.cpu.s[MX] & 0x3f, 0x20, 'inexact');
    }
    assert.equal(m.run([0xf3, 0x0f, 0x2c, 0xc0]), null); // cvttss2si
    assert.equal(m.cpu.s[0], Math.trunc(v) | 0);
  }
  for (const bits of [0x7fc00000, 0x4f000000 /* 2^31 */, 0xff800000 | 0]) {
    m.cpu.s[MX] = MXCSR_DEFAULT;
    setX(m, 0, bits);
    assert.equal(m.run([0xf3, 0x0f, 0x2d, 0xc0]), null);
    assert.equal(m.cpu.s[0] >>> 0, 0x80000000);
    assert.equal(m.cpu.s[MX] & 0x3f, 0x01);
  }
});

test('MINSS/MAXSS return the second operand for a NaN or two zeros', () => {
  const m = machine();
  const run = (op: number, a: number, b: number) => {
    setX(m, 0, a);
    setX(m, 1, b);
    m.cpu.s[MX] = MXCSR_DEFAULT;
    assert.equal(m.run([0xf3, 0x0f, op, 0xc1]), null);
    return [getX(m, 0)[0], m.cpu.s[MX] & 0x3f];
  };
  assert.deepEqual(run(0x5d, 0, 0x80000000 | 0), [0x80000000, 0]); // min(+0, −0) = −0 (second)
  assert.deepEqual(run(0x5d, 0x80000000 | 0, 0), [0, 0]); // min(−0, +0) = +0 (second)
  assert.deepEqual(run(0x5d, 0x7fc00000, f32(1)), [f32(1), 1]); // QNaN first: second, invalid
  assert.deepEqual(run(0x5f, f32(1), 0x7fc00001), [0x7fc00001, 1]); // NaN second: returned as is
  assert.deepEqual(run(0x5f, f32(2), f32(1)), [f32(2), 0]);
});

test('COMISS/UCOMISS set ZF PF CF and clear OF SF AF', () => {
  const m = machine();
  const run = (code: number[], a: number, b: number) => {
    setX(m, 0, a);
    setX(m, 1, b);
    m.cpu.s[S_FLAGS] = 0x202 | FL_OF | FL_SF | FL_AF;
    m.cpu.s[S_LAZY_OP] = 0;
    m.cpu.s[MX] = MXCSR_DEFAULT;
    assert.equal(m.run(code), null);
    return [m.flags() & (FL_OF | FL_SF | FL_AF | FL_ZF | FL_PF | FL_CF), m.cpu.s[MX] & 0x3f];
  };
  const comiss = [0x0f, 0x2f, 0xc1];
  const ucomiss = [0x0f, 0x2e, 0xc1];
  assert.deepEqual(run(comiss, f32(1), f32(2)), [FL_CF, 0]);
  assert.deepEqual(run(comiss, f32(2), f32(1)), [0, 0]);
  assert.deepEqual(run(comiss, 0, 0x80000000 | 0), [FL_ZF, 0]);
  assert.deepEqual(run(comiss, 0x7fc00000, f32(1)), [FL_ZF | FL_PF | FL_CF, 1]); // QNaN: COMISS signals
  assert.deepEqual(run(ucomiss, 0x7fc00000, f32(1)), [FL_ZF | FL_PF | FL_CF, 0]); // UCOMISS only on SNaN
  assert.deepEqual(run(ucomiss, 0x7fa00000, f32(1)), [FL_ZF | FL_PF | FL_CF, 1]);
});

test('RCPSS and RSQRTSS are within the documented 1.5·2^-12 relative error', () => {
  const m = machine();
  const bound = 1.5 * 2 ** -12;
  for (const v of [1, 3, 0.1, 1e-30, 7e30, 123.456, 2 ** 100, 0.7]) {
    setX(m, 1, f32(v));
    assert.equal(m.run([0xf3, 0x0f, 0x53, 0xc1, 0xf3, 0x0f, 0x52, 0xd1]), null); // rcpss xmm0,xmm1; rsqrtss xmm2,xmm1
    const r = m.cpu.xmm.f32[0];
    const s = m.cpu.xmm.f32[8];
    assert.ok(Math.abs(r * Math.fround(v) - 1) <= bound, `rcp(${v}) = ${r}`);
    assert.ok(Math.abs(s * Math.sqrt(Math.fround(v)) - 1) <= bound, `rsqrt(${v}) = ${s}`);
  }
  setX(m, 1, 0x80000000 | 0);
  assert.equal(m.run([0xf3, 0x0f, 0x53, 0xc1]), null);
  assert.equal(getX(m, 0)[0], 0xff800000); // 1/−0 = −∞
});

test('ADDSS rounds by MXCSR.RC and reports PE/OE; FTZ flushes tiny results with UE|PE', () => {
  const m = machine();
  const run = (csr: number, a: number, b: number) => {
    setX(m, 0, a);
    setX(m, 1, b);
    m.cpu.s[MX] = csr;
    assert.equal(m.run([0xf3, 0x0f, 0x58, 0xc1]), null); // addss
    return [getX(m, 0)[0], m.cpu.s[MX] & 0x3f];
  };
  // 1 + 2^-24 is a tie between 1 and 1+2^-23: nearest-even → 1, up → 1+2^-23.
  assert.deepEqual(run(0x1f80, f32(1), f32(2 ** -24)), [0x3f800000, 0x20]);
  assert.deepEqual(run(0x5f80, f32(1), f32(2 ** -24)), [0x3f800001, 0x20]);
  // MAX + MAX overflows: ∞ in nearest, MAX toward zero, OE|PE.
  assert.deepEqual(run(0x1f80, 0x7f7fffff, 0x7f7fffff), [0x7f800000, 0x28]);
  assert.deepEqual(run(0x7f80, 0x7f7fffff, 0x7f7fffff), [0x7f7fffff, 0x28]);
  // x + (−x) = +0, except −0 when rounding down (IEEE 754 §6.3).
  assert.deepEqual(run(0x1f80, f32(3), f32(-3)), [0, 0]);
  assert.deepEqual(run(0x3f80, f32(3), f32(-3)), [0x80000000, 0]);
  // A denormal sum: exact, so no UE (masked); with FTZ flushed to +0 with UE|PE. DAZ reads denormals as 0.
  assert.deepEqual(run(0x1f80, 1, 1), [2, 0x02]);
  assert.deepEqual(run(0x9f80, 1, 1), [0, 0x32]);
  assert.deepEqual(run(0x1fc0, 1, f32(1)), [f32(1), 0]);
});

test('MOVQ2DQ and MOVDQ2Q move between MMX and XMM registers', () => {
  const m = machine();
  mmxSet(m.cpu, 1, 0x11223344, 0x55667788);
  setX(m, 0, -1, -1, -1, -1);
  assert.equal(m.run([0xf3, 0x0f, 0xd6, 0xc1]), null); // movq2dq xmm0, mm1
  assert.deepEqual(getX(m, 0), [0x11223344, 0x55667788, 0, 0]);
  setX(m, 3, 0x0a0b0c0d, 0x01020304, 5, 6);
  assert.equal(m.run([0xf2, 0x0f, 0xd6, 0xd3]), null); // movdq2q mm2, xmm3
  assert.equal(mmxLo(m.cpu, 2), 0x0a0b0c0d);
  assert.equal(mmxHi(m.cpu, 2), 0x01020304);
});

test('CPUID.1 reports SSE, SSE2, SSE3 and SSSE3', () => {
  const m = machine();
  m.cpu.s[0] = 1;
  assert.equal(m.run([0x0f, 0xa2]), null);
  assert.equal((m.cpu.s[2] >>> 25) & 3, 3);
  assert.equal(m.cpu.s[1] & 0x201, 0x201);
});
