import assert from 'node:assert/strict';
import { test } from 'node:test';
import { S_FLAGS, S_LAZY_OP } from '../mem/layout.js';
import { FL_CF, FL_OF } from './flags.js';
import { makeMachine } from './testing.js';
import { EDGE16, EDGE32, EDGE8, compare, nativeRef, nativeUnavailableReason, rng, type RefCase } from './testdata/native-ref.js';

function setup(regs: Record<number, number>, flags = 0) {
  const m = makeMachine();
  for (const [r, v] of Object.entries(regs)) m.cpu.s[Number(r)] = v;
  m.cpu.s[S_FLAGS] = 0x202 | flags;
  m.cpu.s[S_LAZY_OP] = 0;
  return m;
}
const u = (v: number) => v >>> 0;

// ---- hand-computed cases ----

test('MUL r32: full 64-bit product in EDX:EAX, CF=OF=high half nonzero', () => {
  // 0xFFFFFFFF * 0xFFFFFFFF = 0xFFFFFFFE_00000001
  let m = setup({ 0: -1, 3: -1 });
  assert.equal(m.run([0xf7, 0xe3]), null);
  assert.equal(u(m.cpu.s[2]), 0xfffffffe);
  assert.equal(u(m.cpu.s[0]), 0x00000001);
  assert.equal(m.flags() & (FL_CF | FL_OF), FL_CF | FL_OF);
  // 0x12345678 * 0x9ABCDEF0 = 0x0B00EA4E_242D2080 (both halves checked by hand: 305419896 * 2596069104)
  m = setup({ 0: 0x12345678, 3: 0x9abcdef0 | 0 });
  assert.equal(m.run([0xf7, 0xe3]), null);
  assert.equal(u(m.cpu.s[2]), 0x0b00ea4e);
  assert.equal(u(m.cpu.s[0]), 0x242d2080);
  // 0x10000 * 0xFFFF = 0xFFFF0000: fits, CF=OF=0
  m = setup({ 0: 0x10000, 3: 0xffff }, FL_CF | FL_OF);
  assert.equal(m.run([0xf7, 0xe3]), null);
  assert.equal(m.cpu.s[2], 0);
  assert.equal(u(m.cpu.s[0]), 0xffff0000);
  assert.equal(m.flags() & (FL_CF | FL_OF), 0);
});

test('MUL r8 writes AX and keeps the rest of EAX and EDX', () => {
  const m = setup({ 0: 0x123456ff | 0, 2: 0x55555555, 3: 0xff });
  assert.equal(m.run([0xf6, 0xe3]), null); // mul bl
  assert.equal(u(m.cpu.s[0]), 0x1234fe01);
  assert.equal(m.cpu.s[2], 0x55555555);
  assert.equal(m.flags() & FL_CF, FL_CF);
});

test('IMUL one-operand: signed product and overflow flag', () => {
  // imul ebx: -1 * 0x80000000 = +2^31 → EDX:EAX = 0:0x80000000, doesn't fit signed 32 → CF=OF=1
  let m = setup({ 0: -1, 3: 0x80000000 | 0 });
  assert.equal(m.run([0xf7, 0xeb]), null);
  assert.equal(m.cpu.s[2], 0);
  assert.equal(u(m.cpu.s[0]), 0x80000000);
  assert.equal(m.flags() & (FL_CF | FL_OF), FL_CF | FL_OF);
  // imul bl: -128 * 1 = -128 → AX = 0xFF80, fits → CF=OF=0
  m = setup({ 0: 0x80, 3: 1 }, FL_CF | FL_OF);
  assert.equal(m.run([0xf6, 0xeb]), null);
  assert.equal(m.cpu.s[0], 0xff80);
  assert.equal(m.flags() & (FL_CF | FL_OF), 0);
});

test('IMUL two- and three-operand forms truncate and flag overflow', () => {
  // imul edx, ebx: 0x10000 * 0x10000 → 0, overflow
  let m = setup({ 2: 0x10000, 3: 0x10000 });
  assert.equal(m.run([0x0f, 0xaf, 0xd3]), null);
  assert.equal(m.cpu.s[2], 0);
  assert.equal(m.flags() & (FL_CF | FL_OF), FL_CF | FL_OF);
  // imul edx, ebx, -3 (6B ib): 7 * -3 = -21, no overflow
  m = setup({ 3: 7 }, FL_CF | FL_OF);
  assert.equal(m.run([0x6b, 0xd3, 0xfd]), null);
  assert.equal(m.cpu.s[2], -21);
  assert.equal(m.flags() & (FL_CF | FL_OF), 0);
  // imul dx, bx, 0x4000 (66 69 iw): 2 * 0x4000 = 0x8000 → overflows signed 16; upper EDX kept
  m = setup({ 2: 0x77770000, 3: 2 });
  assert.equal(m.run([0x66, 0x69, 0xd3, 0x00, 0x40]), null);
  assert.equal(u(m.cpu.s[2]), 0x77778000);
  assert.equal(m.flags() & (FL_CF | FL_OF), FL_CF | FL_OF);
});

test('DIV r32: 64/32 division with big dividends', () => {
  // 0xFFFFFFFE_00000001 / 0xFFFFFFFF = 0xFFFFFFFF rem 0
  let m = setup({ 2: 0xfffffffe | 0, 0: 1, 3: -1 });
  assert.equal(m.run([0xf7, 0xf3]), null);
  assert.equal(u(m.cpu.s[0]), 0xffffffff);
  assert.equal(m.cpu.s[2], 0);
  // 0x00000001_00000000 / 3 = 0x55555555 rem 1
  m = setup({ 2: 1, 0: 0, 3: 3 });
  assert.equal(m.run([0xf7, 0xf3]), null);
  assert.equal(m.cpu.s[0], 0x55555555);
  assert.equal(m.cpu.s[2], 1);
});

test('DIV/IDIV raise #DE on zero divisor and quotient overflow, changing nothing', () => {
  const cases: [Record<number, number>, number[]][] = [
    [{ 0: 5, 2: 0, 3: 0 }, [0xf7, 0xf3]], // div ebx, ebx = 0
    [{ 0: 0, 2: 1, 3: 1 }, [0xf7, 0xf3]], // div: quotient 2^32
    [{ 0: 0x80000000 | 0, 2: -1, 3: -1 }, [0xf7, 0xfb]], // idiv: -2^31 / -1
    [{ 0: 0x8000, 3: 0xff }, [0xf6, 0xfb]], // idiv bl: -32768 / -1
    [{ 0: 0x100, 3: 1 }, [0xf6, 0xf3]], // div bl: 256 / 1
    [{ 0: 0, 2: 0x8000, 3: 0xffff }, [0x66, 0xf7, 0xfb]], // idiv bx: -2^31 / -1
  ];
  for (const [regs, code] of cases) {
    const m = setup(regs, FL_CF);
    const before = Array.from(m.cpu.s.slice(0, 8));
    const f = m.run(code);
    assert.equal(f?.vector, 0, `code ${code}`);
    assert.deepEqual(Array.from(m.cpu.s.slice(0, 8)), before);
    assert.equal(m.flags() & FL_CF, FL_CF);
  }
});

test('IDIV rounds toward zero, remainder takes the dividend sign', () => {
  // -7 / 2 = -3 rem -1 (cdq form)
  let m = setup({ 0: -7, 2: -1, 3: 2 });
  assert.equal(m.run([0xf7, 0xfb]), null);
  assert.equal(m.cpu.s[0], -3);
  assert.equal(m.cpu.s[2], -1);
  // -(2^40 + 5) / 1000: 2^40+5 = 1099511627781 → q = -1099511627, r = -781
  // -(2^40+5) = 0xFFFFFEFF_FFFFFFFB
  m = setup({ 2: 0xfffffeff | 0, 0: 0xfffffffb | 0, 3: 1000 });
  assert.equal(m.run([0xf7, 0xfb]), null);
  assert.equal(m.cpu.s[0], -1099511627);
  assert.equal(m.cpu.s[2], -781);
  // idiv bl: AX = -100 (0xFF9C), BL = 7 → AL = -14 (0xF2), AH = -2 (0xFE)
  m = setup({ 0: 0xff9c, 3: 7 });
  assert.equal(m.run([0xf6, 0xfb]), null);
  assert.equal(m.cpu.s[0], 0xfef2);
});

test('32-bit MUL/IMUL/DIV/IDIV agree with exact BigInt arithmetic on random operands', () => {
  const m = makeMachine();
  const s = m.cpu.s;
  const rand = rng(0x600d);
  // Operands of every magnitude: shift random words right by random amounts.
  const word = () => rand() >> (rand() & 31);
  const run = (code: number[], eax: number, edx: number, ebx: number) => {
    s[0] = eax;
    s[2] = edx;
    s[3] = ebx;
    s[S_LAZY_OP] = 0;
    return m.run(code);
  };
  for (let k = 0; k < 5000; k++) {
    const a = word();
    const b = word();
    // mul ebx
    assert.equal(run([0xf7, 0xe3], a, 0, b), null);
    const pu = BigInt(u(a)) * BigInt(u(b));
    assert.equal((BigInt(u(s[2])) << 32n) | BigInt(u(s[0])), pu, `mul ${u(a)} ${u(b)}`);
    assert.equal((m.flags() & FL_CF) !== 0, pu >> 32n !== 0n);
    // imul ebx
    assert.equal(run([0xf7, 0xeb], a, 0, b), null);
    const ps = BigInt(a) * BigInt(b);
    assert.equal(BigInt.asIntN(64, (BigInt(s[2]) << 32n) | BigInt(u(s[0]))), ps, `imul ${a} ${b}`);
    assert.equal((m.flags() & FL_OF) !== 0, BigInt.asIntN(32, ps) !== ps);
    // div ebx with EDX:EAX = random, EDX reduced below the divisor so most do not overflow
    const d = u(b) || 1;
    const hi = u(word()) % d;
    const lo = word();
    assert.equal(run([0xf7, 0xf3], lo, hi, d | 0), null);
    const n = (BigInt(hi) << 32n) | BigInt(u(lo));
    assert.equal(BigInt(u(s[0])), n / BigInt(d), `div ${n} / ${d}`);
    assert.equal(BigInt(u(s[2])), n % BigInt(d), `div ${n} % ${d}`);
    // idiv ebx with a random signed 64-bit dividend; #DE exactly when the quotient does not fit
    const sd = (b | 0) || -7;
    const sh = word() >> (rand() & 31);
    const sn = BigInt.asIntN(64, (BigInt(sh) << 32n) | BigInt(u(lo)));
    const f = run([0xf7, 0xfb], lo, sh, sd);
    const q = sn / BigInt(sd); // BigInt division truncates toward zero, like IDIV
    if (q > 0x7fffffffn || q < -0x80000000n) {
      assert.equal(f?.vector, 0, `idiv ${sn} / ${sd} should #DE`);
    } else {
      assert.equal(f, null, `idiv ${sn} / ${sd}`);
      assert.equal(BigInt(s[0]), q, `idiv ${sn} / ${sd}`);
      assert.equal(BigInt(s[2]), sn % BigInt(sd), `idiv ${sn} % ${sd}`);
    }
  }
});

// ---- comparison with the host CPU ----

interface MdCase extends RefCase {
  div: boolean;
}

const sizePrefix = (size: number) => (size === 2 ? [0x66] : []);
const maskOf = (size: number) => (size === 4 ? -1 : (1 << (size * 8)) - 1);
const edgeOf = (size: number) => (size === 1 ? EDGE8 : size === 2 ? EDGE16 : EDGE32);

/** F6/F7 /4–/7 with E = BL/BX/EBX, BH, and [edi]. */
function group3Cases(): MdCase[] {
  const cases: MdCase[] = [];
  const rand = rng(0xd1f);
  for (const size of [1, 2, 4]) {
    const mask = maskOf(size);
    const values = [...edgeOf(size), ...Array.from({ length: 6 }, () => rand() & mask)];
    const op = size === 1 ? 0xf6 : 0xf7;
    for (let sub = 4; sub < 8; sub++) {
      const div = sub >= 6;
      // Dividend/multiplicand pairs (EDX, EAX); for division add values near the overflow limit.
      const acc: [number, number][] = [];
      for (const a of values) {
        acc.push([0x5a5a5a5a, size === 1 ? (a & 0xff) | 0x1100 : a]);
        if (div && size > 1) for (const hi of [0, 1, -1, 0x7fff, 0x8000, 0x7fffffff, 0x80000000 | 0]) acc.push([hi, a]);
      }
      if (div && size === 1) for (const a of [0x7f00, 0x8000, 0xff00, 0x00ff, 0x0100, 0xff7f, 0x7fff, 0x3f80]) acc.push([0, a]);
      for (const [hi, lo] of acc) {
        for (const e of values) {
          const regs = [lo, 0x3c3c3c3c, hi, size === 4 ? e : (0x77777700 & ~mask) | e, 0x33333333, 0x44444444];
          for (const flags of [0, 0x8d5]) {
            cases.push({ div, code: [...sizePrefix(size), op, 0xc0 | (sub << 3) | 3], regs, flags, mem: 0 });
            if (flags === 0) cases.push({ div, code: [...sizePrefix(size), op, (sub << 3) | 7], regs, flags, mem: size === 4 ? e : 0x7a7a7a00 | e });
            if (size === 1 && flags === 0) cases.push({ div, code: [op, 0xc0 | (sub << 3) | 7], regs: [lo, 0x3c3c3c3c, hi, 0x7777007e | (e << 8), 0x33333333, 0x44444444], flags, mem: 0 });
          }
        }
      }
    }
  }
  return cases;
}

/** Exact division cases built from quotient, divisor and remainder: big dividends that do not overflow. */
function divisionCases(): MdCase[] {
  const cases: MdCase[] = [];
  const rand = rng(0xb16d1f);
  const divisors = [1, 2, 3, 7, 10, 0xffff, 0x10000, 0x10001, 0x7fffffff, 0x80000000, 0x80000001, 0xfffffffe, 0xffffffff];
  for (let k = 0; k < 40; k++) divisors.push(rand() >>> 0);
  for (const d of divisors) {
    for (let k = 0; k < 12; k++) {
      const q = k === 0 ? 0xffffffff : k === 1 ? 0x80000000 : rand() >>> 0;
      const r = k === 2 ? d - 1 : (rand() >>> 0) % d;
      const n = BigInt(q) * BigInt(d) + BigInt(r);
      const hi = Number(n >> 32n) | 0;
      const lo = Number(n & 0xffffffffn) | 0;
      cases.push({ div: true, code: [0xf7, 0xf3], regs: [lo, 0, hi, d | 0, 0, 0], flags: 0, mem: 0 });
      // Signed: the same magnitudes with every sign combination (some overflow, which must #DE).
      const sq = BigInt(q >>> 1);
      const sd = BigInt(d >>> 1 || 1);
      for (const [sgnq, sgnd] of [[1n, 1n], [-1n, 1n], [1n, -1n], [-1n, -1n]]) {
        const dd = sd * sgnd;
        const rr = (BigInt(r) % sd) * sgnq * sgnd; // same sign as the dividend
        const nn = sq * sgnq * dd + rr;
        const h = Number(BigInt.asIntN(32, nn >> 32n));
        const l = Number(BigInt.asIntN(32, nn));
        cases.push({ div: true, code: [0xf7, 0xfb], regs: [l, 0, h, Number(dd) | 0, 0, 0], flags: 0, mem: 0 });
      }
    }
  }
  return cases;
}

interface ImulCase extends RefCase {
  div: boolean;
}

function imulCases(): ImulCase[] {
  const cases: ImulCase[] = [];
  const rand = rng(0x1a2b);
  for (const size of [2, 4]) {
    const mask = maskOf(size);
    const values = [...edgeOf(size), ...Array.from({ length: 5 }, () => rand() & mask), 3, -3 & mask, 0x1000 & mask, 46341];
    const hi = size === 2 ? 0x5a5a0000 : 0;
    const pre = sizePrefix(size);
    for (const a of values) {
      for (const b of values) {
        const regs = [0x11111111, 0x22222222, hi | a, hi | b, 0x33333333, 0x44444444];
        cases.push({ div: false, code: [...pre, 0x0f, 0xaf, 0xd3], regs, flags: 0, mem: 0 }); // imul edx, ebx
        cases.push({ div: false, code: [...pre, 0x0f, 0xaf, 0x17], regs, flags: 0x8d5, mem: hi | b }); // imul edx, [edi]
        const imm = size === 4 ? [b & 0xff, (b >>> 8) & 0xff, (b >>> 16) & 0xff, b >>> 24] : [b & 0xff, (b >>> 8) & 0xff];
        cases.push({ div: false, code: [...pre, 0x69, 0xd3, ...imm], regs: [0x11111111, 0x22222222, 0x5a5a5a5a, hi | a, 0x33333333, 0x44444444], flags: 0, mem: 0 }); // imul edx, ebx, imm
      }
      for (const ib of [0, 1, 2, 0x7f, 0x80, 0xff, 0xfe, 0x10]) {
        cases.push({ div: false, code: [...pre, 0x6b, 0x17, ib], regs: [0, 0, 0x5a5a5a5a, 0, 0, 0], flags: 0, mem: hi | a }); // imul edx, [edi], ib
      }
    }
  }
  return cases;
}

/** MUL/IMUL define CF and OF only; DIV/IDIV define no flags. */
const mdMask = (c: MdCase) => (c.div ? 0 : FL_CF | FL_OF);

const native = nativeRef();
const skip = native === null ? nativeUnavailableReason() : false;

test('MUL/IMUL/DIV/IDIV (F6/F7) match the host CPU', { skip }, () => {
  const cases = group3Cases();
  const r = compare(makeMachine(), cases, mdMask);
  assert.equal(r.count, 0, `${r.count}/${cases.length} cases differ:\n` + r.failures.join('\n'));
});

test('64/32 DIV and IDIV with large dividends match the host CPU', { skip }, () => {
  const cases = divisionCases();
  const r = compare(makeMachine(), cases, mdMask);
  assert.equal(r.count, 0, `${r.count}/${cases.length} cases differ:\n` + r.failures.join('\n'));
});

test('IMUL two- and three-operand forms match the host CPU', { skip }, () => {
  const cases = imulCases();
  const r = compare(makeMachine(), cases, mdMask);
  assert.equal(r.count, 0, `${r.count}/${cases.length} cases differ:\n` + r.failures.join('\n'));
});
