import type { Cpu } from './cpu.js';
import type { Insn } from './insn.js';
import { isSNaN, propagateNaN } from './x87-arith.js';
import { K_MUL, roundResult } from './x87-round.js';
import {
  C0, C1, C2, C3, IE, MINNORM, PE, R_SE, RAW, UE, X_FSW, X_RC, X_TOP, X_VALID, ZE, checkPending, copySlot, pop, pushSlot, raise,
  setIndefinite, to80, underflow,
} from './x87-state.js';

/**
 * FSIN FCOS FSINCOS FPTAN FPATAN F2XM1 FYL2X FYL2XP1 FSCALE FXTRACT FPREM
 * FPREM1 (SDM Vol. 2). Values are computed with JS Math on doubles (within
 * about 1 ulp of the double result); FSIN/FCOS/FSINCOS/FPTAN take any
 * |x| < 2^63 (C2 = 1 and no change beyond). The exact 80-bit reduction a
 * real x87 performs with its 66-bit π is not reproduced (README-x87.md).
 */

const TWO63 = 9223372036854775808;

/** Operand checks for ST(0) (and ST(1) when two): −1 when the instruction is finished. */
function operands(cpu: Cpu, two: boolean): number {
  const s = cpu.s;
  checkPending(s);
  const p = s[X_TOP];
  const q = (p + 1) & 7;
  const v = s[X_VALID];
  if (((v >> p) & 1) === 0 || (two && ((v >> q) & 1) === 0)) {
    if (underflow(s)) return -1;
    return -2;
  }
  return p;
}

function nanIn(cpu: Cpu, d: number, a: number, b: number): boolean {
  const s = cpu.s;
  const f = cpu.fpr;
  const x = f[a];
  const y = b >= 0 ? f[b] : 0;
  if (x === x && y === y) return false;
  if ((isSNaN(s, a) || (b >= 0 && isSNaN(s, b))) && raise(s, IE)) return true;
  if (x !== x && b >= 0 && y !== y) propagateNaN(cpu, d, a, b);
  else propagateNaN(cpu, d, x !== x ? a : b, -1);
  return true;
}

function setResult(cpu: Cpu, p: number, r: number, exact: boolean): void {
  cpu.fpr[p] = r;
  cpu.s[RAW + 4 * p + 3] = 0;
  if (!exact) {
    raise(cpu.s, r !== 0 && Math.abs(r) < MINNORM ? PE | UE : PE);
  }
}

function invalid(cpu: Cpu, p: number): void {
  if (!raise(cpu.s, IE)) setIndefinite(cpu.s, p);
}

/** i.sub: 0 FSIN, 1 FCOS, 2 FSINCOS, 3 FPTAN. */
export function ftrig(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  const kind = i.sub;
  const p = operands(cpu, false);
  if (p === -1) return;
  const pushes = kind >= 2;
  if (p === -2) {
    // Underflow, masked: ST(0) ← indefinite (and the pushed one too).
    const t = s[X_TOP];
    setIndefinite(s, t);
    s[X_VALID] |= 1 << t;
    if (pushes) {
      const q = pushSlot(s);
      if (q >= 0) setIndefinite(s, q);
    }
    return;
  }
  if (pushes && ((s[X_VALID] >> ((p - 1) & 7)) & 1) !== 0) {
    pushSlot(s); // overflow
    return;
  }
  const f = cpu.fpr;
  const x = f[p];
  s[X_FSW] &= ~(C1 | C2);
  if (nanIn(cpu, p, p, -1)) {
    if (pushes && f[p] !== f[p]) {
      const q = pushSlot(s);
      if (q >= 0) copySlot(f, s, p, q);
    }
    return;
  }
  if (x === Infinity || x === -Infinity) {
    if (raise(s, IE)) return;
    setIndefinite(s, p);
    if (pushes) {
      const q = pushSlot(s);
      if (q >= 0) setIndefinite(s, q);
    }
    return;
  }
  if (Math.abs(x) >= TWO63) {
    s[X_FSW] |= C2;
    return;
  }
  switch (kind) {
    case 0:
      setResult(cpu, p, Math.sin(x), x === 0);
      return;
    case 1:
      setResult(cpu, p, Math.cos(x), x === 0);
      return;
    case 2: {
      const c = Math.cos(x);
      setResult(cpu, p, Math.sin(x), x === 0);
      const q = pushSlot(s);
      if (q >= 0) setResult(cpu, q, c, x === 0);
      return;
    }
    default: {
      setResult(cpu, p, Math.tan(x), x === 0);
      const q = pushSlot(s);
      if (q >= 0) {
        f[q] = 1;
        s[RAW + 4 * q + 3] = 0;
      }
    }
  }
}

/** FPATAN: ST(1) ← atan(ST(1)/ST(0)) with the quadrant from both signs, pop. */
export function fpatan(cpu: Cpu, _i: Insn): void {
  const s = cpu.s;
  const p = operands(cpu, true);
  if (p === -1) return;
  const q = (s[X_TOP] + 1) & 7;
  if (p === -2) {
    setIndefinite(s, q);
    s[X_VALID] |= 1 << q;
    pop(s);
    return;
  }
  const f = cpu.fpr;
  s[X_FSW] &= ~C1;
  if (!nanIn(cpu, q, q, p)) {
    const y = f[q], x = f[p];
    const r = Math.atan2(y, x);
    setResult(cpu, q, r, r === 0);
  } else if (f[q] === f[q] && f[p] === f[p]) return; // unmasked SNaN
  pop(s);
}

/** F2XM1: ST(0) ← 2^ST(0) − 1. */
export function f2xm1(cpu: Cpu, _i: Insn): void {
  const s = cpu.s;
  const p = operands(cpu, false);
  if (p === -1) return;
  if (p === -2) {
    setIndefinite(s, s[X_TOP]);
    return;
  }
  s[X_FSW] &= ~C1;
  if (nanIn(cpu, p, p, -1)) return;
  const x = cpu.fpr[p];
  if (x === 0 || x === Infinity) return;
  if (x === -Infinity) {
    setResult(cpu, p, -1, true);
    return;
  }
  // expm1 keeps the relative accuracy near 0; 2^x − 1 is fine away from it.
  const r = Math.abs(x) < 0.5 ? Math.expm1(x * Math.LN2) : 2 ** x - 1;
  setResult(cpu, p, r, false);
}

/** FYL2X (i.sub 0): ST(1) ← ST(1)·log2 ST(0); FYL2XP1 (i.sub 1): ST(1) ← ST(1)·log2(ST(0)+1); pop. */
export function fyl2x(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  const p = operands(cpu, true);
  if (p === -1) return;
  const q = (s[X_TOP] + 1) & 7;
  if (p === -2) {
    setIndefinite(s, q);
    s[X_VALID] |= 1 << q;
    pop(s);
    return;
  }
  s[X_FSW] &= ~C1;
  const f = cpu.fpr;
  if (nanIn(cpu, q, q, p)) {
    if (f[q] === f[q]) return;
    pop(s);
    return;
  }
  const x = f[p];
  const y = f[q];
  if (i.sub === 0) {
    if (x < 0 || (x === 0 && y === 0) || (x === 1 && (y === Infinity || y === -Infinity)) || (x === Infinity && y === 0)) {
      if (raise(s, IE)) return;
      setIndefinite(s, q);
      pop(s);
      return;
    }
    if (x === 0) {
      if (y !== Infinity && y !== -Infinity && raise(s, ZE)) return;
      setResult(cpu, q, y > 0 ? -Infinity : Infinity, true);
      pop(s);
      return;
    }
    const l = Math.log2(x);
    const r = y * l;
    setResult(cpu, q, r, x === Infinity || y === Infinity || y === -Infinity || x === 1 || y === 0);
  } else {
    if (x < -1 || ((x === 0) && (y === Infinity || y === -Infinity))) {
      if (raise(s, IE)) return;
      setIndefinite(s, q);
      pop(s);
      return;
    }
    const r = y * (Math.log1p(x) * Math.LOG2E);
    setResult(cpu, q, r, x === 0 || y === 0);
  }
  pop(s);
}

/** FSCALE: ST(0) ← ST(0)·2^trunc(ST(1)). */
export function fscale(cpu: Cpu, _i: Insn): void {
  const s = cpu.s;
  const p = operands(cpu, true);
  if (p === -1) return;
  if (p === -2) {
    setIndefinite(s, s[X_TOP]);
    return;
  }
  const q = (p + 1) & 7;
  s[X_FSW] &= ~C1;
  if (nanIn(cpu, p, p, q)) return;
  const f = cpu.fpr;
  const x = f[p];
  const y = f[q];
  if ((x === 0 && y === Infinity) || ((x === Infinity || x === -Infinity) && y === -Infinity)) {
    invalid(cpu, p);
    return;
  }
  if (x === 0 || x === Infinity || x === -Infinity) return;
  if (y === Infinity || y === -Infinity) {
    cpu.fpr[p] = y > 0 ? x * Infinity : x * 0;
    s[RAW + 4 * p + 3] = 0;
    return;
  }
  let n = Math.trunc(y);
  if (n > 5000) n = 5000;
  if (n < -5000) n = -5000;
  // Scale in steps that stay exact until the last one, which rounds once.
  let r = x;
  let k = n;
  while (k > 1000) { r *= 2 ** 1000; k -= 1000; }
  while (k < -1000 && Math.abs(r) >= MINNORM * 2 ** 1000) { r *= 2 ** -1000; k += 1000; }
  const scale = 2 ** Math.max(-1074, Math.min(1023, k));
  const r0 = r;
  r = r0 * scale;
  if (k < -1074) r = r0 * 2 ** -537 * 2 ** (k + 537);
  cpu.fpr[p] = roundResult(s, s[X_RC], K_MUL, r0, scale, r);
  s[RAW + 4 * p + 3] = 0;
}

/** FXTRACT: ST(0) → exponent; push significand (ST(0) significand, ST(1) exponent). */
export function fxtract(cpu: Cpu, _i: Insn): void {
  const s = cpu.s;
  const p = operands(cpu, false);
  if (p === -1) return;
  if (p === -2) {
    setIndefinite(s, s[X_TOP]);
    const q = pushSlot(s);
    if (q >= 0) setIndefinite(s, q);
    return;
  }
  if (((s[X_VALID] >> ((p - 1) & 7)) & 1) !== 0) {
    pushSlot(s);
    return;
  }
  const f = cpu.fpr;
  s[X_FSW] &= ~C1;
  const x = f[p];
  if (x !== x) {
    if (isSNaN(s, p)) {
      if (raise(s, IE)) return;
      propagateNaN(cpu, p, p, -1);
    }
    const q = pushSlot(s);
    if (q >= 0) copySlot(f, s, p, q);
    return;
  }
  if (x === 0) {
    if (raise(s, ZE)) return;
    f[p] = -Infinity;
    s[RAW + 4 * p + 3] = 0;
    const q = pushSlot(s);
    if (q >= 0) { f[q] = x; s[RAW + 4 * q + 3] = 0; }
    return;
  }
  if (x === Infinity || x === -Infinity) {
    f[p] = Infinity;
    s[RAW + 4 * p + 3] = 0;
    const q = pushSlot(s);
    if (q >= 0) { f[q] = x; s[RAW + 4 * q + 3] = 0; }
    return;
  }
  to80(s, p);
  const e = (R_SE & 0x7fff) - 16383;
  // Scale in two exact steps: 2^−e alone overflows for denormal doubles.
  const h = Math.trunc(-e / 2);
  const sig2 = x * 2 ** h * 2 ** (-e - h);
  f[p] = e;
  s[RAW + 4 * p + 3] = 0;
  const q = pushSlot(s);
  if (q >= 0) { f[q] = sig2; s[RAW + 4 * q + 3] = 0; }
}

/**
 * FPREM (i.sub 0, truncating quotient) and FPREM1 (i.sub 1, IEEE nearest).
 * Complete when the exponent difference is < 64 (C2 = 0, C0 C3 C1 = Q2 Q1 Q0);
 * otherwise a partial step by 2^(D−N), N = 32 + (D mod 32)... (C2 = 1).
 */
export function fprem(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  const p = operands(cpu, true);
  if (p === -1) return;
  if (p === -2) {
    setIndefinite(s, s[X_TOP]);
    return;
  }
  const q = (p + 1) & 7;
  s[X_FSW] &= ~(C0 | C1 | C2 | C3);
  if (nanIn(cpu, p, p, q)) return;
  const f = cpu.fpr;
  const x = f[p];
  const y = f[q];
  if (x === Infinity || x === -Infinity || y === 0) {
    invalid(cpu, p);
    return;
  }
  if (x === 0 || y === Infinity || y === -Infinity) return;
  to80(s, p);
  const ex = R_SE & 0x7fff;
  to80(s, q);
  const ey = R_SE & 0x7fff;
  const d = ex - ey;
  if (d < 0) {
    // |x| < |y|: quotient 0 (FPREM1 may still round to ±1).
    if (i.sub === 1 && d === -1) {
      const r = remainderNear(x, y);
      if (r.q !== 0) {
        f[p] = r.r;
        s[RAW + 4 * p + 3] = 0;
        s[X_FSW] |= C1;
      }
    }
    return;
  }
  if (d >= 64) {
    // Partial reduction: divide out y·2^(d−n) for some n in 32..63.
    const n = 32 + ((d - 64) % 32);
    const ys = y * 2 ** (d - n);
    const r = x % ys;
    f[p] = r;
    s[RAW + 4 * p + 3] = 0;
    s[X_FSW] |= C2;
    return;
  }
  const res = i.sub === 0 ? remainderTrunc(x, y) : remainderNear(x, y);
  f[p] = res.r;
  s[RAW + 4 * p + 3] = 0;
  const qq = res.q;
  if (qq & 4) s[X_FSW] |= C0;
  if (qq & 2) s[X_FSW] |= C3;
  if (qq & 1) s[X_FSW] |= C1;
}

/** x mod y truncating (exact, like fmod) and the low bits of the quotient. */
function remainderTrunc(x: number, y: number): { r: number; q: number } {
  const r = x % y;
  return { r, q: quotientLow(x, y, r) };
}

function remainderNear(x: number, y: number): { r: number; q: number } {
  let r = x % y;
  let q = quotientLow(x, y, r);
  const ay = Math.abs(y);
  const ar = Math.abs(r);
  // Round the quotient to nearest (even on a tie): adjust by one y.
  if (ar > ay / 2 || (ar === ay / 2 && (q & 1) === 1)) {
    r = r - (r < 0 ? -ay : ay);
    q = (q + 1) & 7;
  }
  if (r === 0) r = x < 0 ? -0 : 0;
  return { r, q };
}

/** Low 3 bits of trunc(x / y) given r = x − q·y (exact, with BigInt when large). */
function quotientLow(x: number, y: number, r: number): number {
  const qa = Math.abs((x - r) / y);
  if (qa < 2 ** 50) return Math.round(qa) & 7;
  const X = decomp(Math.abs(x)), Y = decomp(Math.abs(y));
  const sh = X.e - Y.e;
  const num = sh >= 0 ? X.m << BigInt(sh) : X.m;
  const den = sh >= 0 ? Y.m : Y.m << BigInt(-sh);
  return Number((num / den) & 7n);
}

function decomp(v: number): { m: bigint; e: number } {
  let e = 0;
  let m = v;
  while (!Number.isInteger(m)) { m *= 2; e--; }
  while (m >= 2 ** 53) { m /= 2; e++; }
  return { m: BigInt(m), e };
}

void PE;
