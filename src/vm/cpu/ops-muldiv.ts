import { CpuFault, Vector } from '../mem/fault.js';
import { S_FLAGS, S_LAZY_OP } from '../mem/layout.js';
import { FL_ARITH } from './flags.js';
import type { Cpu } from './cpu.js';
import type { Insn } from './insn.js';

/**
 * MUL, IMUL (one, two and three operand forms), DIV, IDIV.
 * Intel SDM Vol. 2A "DIV", "IDIV", "IMUL", Vol. 2B "MUL".
 *
 * 64-bit products and dividends are handled exactly with doubles and int32
 * arithmetic, never BigInt: the low half of a product is Math.imul, the high
 * half is recovered from the (rounded) double product, and 64/32 division is
 * two 48/32-bit long-division steps, each exact in a double.
 *
 * Flags: MUL/IMUL set CF = OF = "the result needs the high half". SF ZF AF PF
 * are undefined; we do what Intel hardware does (measured natively, see
 * ops-muldiv.test.ts): SF and PF from the low half of the result (AL, AX,
 * EAX for the one-operand forms), ZF and AF cleared — even for a zero
 * result. DIV/IDIV leave all flags unchanged (undefined in the SDM; Intel
 * leaves them too); #DE is raised before any state changes.
 */

const TWO32 = 4294967296;

/** Set the flags of a multiply: CF = OF = `of`, SF PF from the `size`-byte low result, ZF = AF = 0. */
function setMulFlags(s: Int32Array, size: number, lo: number, of: number): void {
  const msb = size === 4 ? 31 : size === 2 ? 15 : 7;
  s[S_FLAGS] =
    (s[S_FLAGS] & ~FL_ARITH) |
    of |
    (of << 11) |
    (((0x9669 >> ((lo ^ (lo >>> 4)) & 0xf)) & 1) << 2) |
    (((lo >>> msb) & 1) << 7);
  s[S_LAZY_OP] = 0;
}

/**
 * High 32 bits of the exact product a*b, given its low 32 bits `lo`
 * (a, b both unsigned or both signed int32). The double product is within
 * 2^10 of the exact one (|a*b| < 2^64, 53-bit mantissa) and so is the
 * subtraction, so (p - lo) / 2^32 is within 2^-21 of the exact high half.
 */
function mulHigh(a: number, b: number, lo: number): number {
  return Math.round((a * b - (lo >>> 0)) / TWO32) | 0;
}

/** F6/4 F7/4: MUL E — AX = AL*E, DX:AX = AX*E, EDX:EAX = EAX*E (unsigned). */
export function mulE(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  const size = i.size;
  const b = cpu.readE(i, size);
  if (size === 4) {
    const a = s[0] >>> 0;
    const bu = b >>> 0;
    const lo = Math.imul(a, bu);
    const hi = mulHigh(a, bu, lo);
    s[0] = lo;
    s[2] = hi;
    setMulFlags(s, 4, lo, hi !== 0 ? 1 : 0);
  } else if (size === 2) {
    const p = (s[0] & 0xffff) * b; // < 2^32, exact
    s[0] = (s[0] & ~0xffff) | (p & 0xffff);
    s[2] = (s[2] & ~0xffff) | (p >>> 16);
    setMulFlags(s, 2, p, p > 0xffff ? 1 : 0);
  } else {
    const p = (s[0] & 0xff) * b;
    s[0] = (s[0] & ~0xffff) | p;
    setMulFlags(s, 1, p, p > 0xff ? 1 : 0);
  }
}

/** F6/5 F7/5: IMUL E — signed AX = AL*E, DX:AX = AX*E, EDX:EAX = EAX*E. */
export function imulE(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  const size = i.size;
  const b = cpu.readE(i, size);
  if (size === 4) {
    const a = s[0];
    const lo = Math.imul(a, b);
    const hi = mulHigh(a, b, lo);
    s[0] = lo;
    s[2] = hi;
    setMulFlags(s, 4, lo, hi !== lo >> 31 ? 1 : 0);
  } else if (size === 2) {
    const p = ((s[0] << 16) >> 16) * ((b << 16) >> 16); // |p| <= 2^30, exact
    s[0] = (s[0] & ~0xffff) | (p & 0xffff);
    s[2] = (s[2] & ~0xffff) | ((p >>> 16) & 0xffff);
    setMulFlags(s, 2, p, p !== (p << 16) >> 16 ? 1 : 0);
  } else {
    const p = ((s[0] << 24) >> 24) * ((b << 24) >> 24);
    s[0] = (s[0] & ~0xffff) | (p & 0xffff);
    setMulFlags(s, 1, p, p !== (p << 24) >> 24 ? 1 : 0);
  }
}

/** G = a * b truncated to i.size (2 or 4) with CF = OF = truncation lost information. */
function imulTrunc(cpu: Cpu, i: Insn, a: number, b: number): void {
  const s = cpu.s;
  if (i.size === 4) {
    const r = Math.imul(a, b);
    // If the exact product fits in int32 the double product is exact and equal to r;
    // otherwise the double product is at least 2^31 in magnitude and differs from r.
    s[i.reg] = r;
    setMulFlags(s, 4, r, a * b !== r ? 1 : 0);
  } else {
    const p = ((a << 16) >> 16) * ((b << 16) >> 16);
    s[i.reg] = (s[i.reg] & ~0xffff) | (p & 0xffff);
    setMulFlags(s, 2, p, p !== (p << 16) >> 16 ? 1 : 0);
  }
}

/** 0F AF: IMUL G, E */
export function imulGE(cpu: Cpu, i: Insn): void {
  const size = i.size;
  imulTrunc(cpu, i, cpu.getReg(i.reg, size), cpu.readE(i, size));
}

/** 69 6B: IMUL G, E, imm (imm sign-extended by the decoder) */
export function imulGEI(cpu: Cpu, i: Insn): void {
  imulTrunc(cpu, i, cpu.readE(i, i.size), i.imm);
}

// Results of div64 (module state instead of an allocated pair).
let divQ = 0;
let divR = 0;

/**
 * Unsigned (hi:lo) / d with hi < d < 2^32 (so the quotient fits in 32 bits),
 * as two long-division steps on 16-bit digits. Every intermediate is an
 * integer below 2^48, and floor(x / d) of such doubles is exact because the
 * quotient (< 2^16) is never within rounding error (2^-37) of an integer it
 * is not equal to (the gap is at least 1/d > 2^-32).
 */
function div64(hi: number, lo: number, d: number): void {
  const x1 = hi * 65536 + (lo >>> 16);
  const q1 = Math.floor(x1 / d);
  const x0 = (x1 - q1 * d) * 65536 + (lo & 0xffff);
  const q0 = Math.floor(x0 / d);
  divQ = q1 * 65536 + q0;
  divR = x0 - q0 * d;
}

/** F6/6 F7/6: DIV E — unsigned AX / E8, DX:AX / E16, EDX:EAX / E32. */
export function divE(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  const size = i.size;
  const e = cpu.readE(i, size);
  if (size === 4) {
    const d = e >>> 0;
    const hi = s[2] >>> 0;
    const lo = s[0] >>> 0;
    // hi >= d covers both divide by zero and a quotient of 2^32 or more.
    if (hi >= d) throw new CpuFault(Vector.DE);
    if (hi === 0) {
      const q = Math.floor(lo / d);
      s[0] = q;
      s[2] = lo - q * d;
    } else {
      div64(hi, lo, d);
      s[0] = divQ;
      s[2] = divR;
    }
  } else if (size === 2) {
    if (e === 0) throw new CpuFault(Vector.DE);
    const n = (((s[2] & 0xffff) << 16) | (s[0] & 0xffff)) >>> 0;
    const q = Math.floor(n / e);
    if (q > 0xffff) throw new CpuFault(Vector.DE);
    s[0] = (s[0] & ~0xffff) | q;
    s[2] = (s[2] & ~0xffff) | (n - q * e);
  } else {
    if (e === 0) throw new CpuFault(Vector.DE);
    const n = s[0] & 0xffff;
    const q = Math.floor(n / e);
    if (q > 0xff) throw new CpuFault(Vector.DE);
    s[0] = (s[0] & ~0xffff) | ((n - q * e) << 8) | q;
  }
}

/** F6/7 F7/7: IDIV E — signed AX / E8, DX:AX / E16, EDX:EAX / E32; quotient rounds toward 0, remainder has the dividend's sign. */
export function idivE(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  const size = i.size;
  const e = cpu.readE(i, size);
  if (size === 4) {
    const d = e | 0;
    if (d === 0) throw new CpuFault(Vector.DE);
    const hi = s[2];
    const lo = s[0];
    if (hi === lo >> 31) {
      // The dividend fits in 32 bits (CDQ; IDIV): one exact double division.
      const q = Math.trunc(lo / d);
      if (q > 0x7fffffff) throw new CpuFault(Vector.DE); // -2^31 / -1
      s[0] = q;
      s[2] = lo % d;
      return;
    }
    const neg = hi < 0;
    // |dividend| as unsigned hi:lo (two's complement negation of the 64-bit value).
    const mh = neg ? (~hi + (lo === 0 ? 1 : 0)) >>> 0 : hi >>> 0;
    const ml = neg ? -lo >>> 0 : lo >>> 0;
    const md = Math.abs(d);
    if (mh >= md) throw new CpuFault(Vector.DE);
    div64(mh, ml, md);
    const qneg = neg !== d < 0;
    if (divQ > (qneg ? 0x80000000 : 0x7fffffff)) throw new CpuFault(Vector.DE);
    s[0] = qneg ? -divQ : divQ;
    s[2] = neg ? -divR : divR;
  } else if (size === 2) {
    const d = (e << 16) >> 16;
    if (d === 0) throw new CpuFault(Vector.DE);
    const n = (s[2] << 16) | (s[0] & 0xffff);
    const q = Math.trunc(n / d);
    if (q > 0x7fff || q < -0x8000) throw new CpuFault(Vector.DE);
    s[0] = (s[0] & ~0xffff) | (q & 0xffff);
    s[2] = (s[2] & ~0xffff) | ((n % d) & 0xffff);
  } else {
    const d = (e << 24) >> 24;
    if (d === 0) throw new CpuFault(Vector.DE);
    const n = (s[0] << 16) >> 16;
    const q = Math.trunc(n / d);
    if (q > 0x7f || q < -0x80) throw new CpuFault(Vector.DE);
    s[0] = (s[0] & ~0xffff) | (((n % d) & 0xff) << 8) | (q & 0xff);
  }
}
