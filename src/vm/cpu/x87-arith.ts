import type { Cpu } from './cpu.js';
import type { Insn } from './insn.js';
import { rdF64 } from './x87-mem.js';
import { K_DIV, K_DIVR, K_MUL, K_SQRT, K_SUB, K_SUBR, roundResult } from './x87-round.js';
import {
  DE, F64I, IE, MAXD, MINNORM, R_HI, R_LO, R_SE, RAW, SCRATCH, SF32, SF32I, X_FAST, X_RC, X_TOP, X_VALID, ZE,
  checkPending, pop, raise, set80, setIndefinite, to80, underflow,
} from './x87-state.js';

/**
 * FADD FMUL FSUB FSUBR FDIV FDIVR in all forms (SDM Vol. 2 D8/DA/DC/DE):
 * `i.sub` is the kind (0 add, 1 mul, 4 sub x−y, 5 subr y−x, 6 div x/y,
 * 7 divr y/x) where x is the destination's old value, y the other operand.
 * Register forms: D8 ST(0) ← ST(0) op ST(i); DC/DE ST(i) ← ST(i) op ST(0)
 * (the decoder swaps 4↔5, 6↔7 for those, as their encodings do).
 *
 * Hot path (X_FAST: nothing pending, PE already set, RC nearest, all
 * masked; operands and result normal or zero): one JS operation, no flags
 * beyond that. Everything else goes through `arithSlow`, which implements
 * the SDM's special-value, exception and rounding rules exactly for the
 * double-precision values we hold.
 */

/** Memory operand formats (where the operand of the slow path came from). */
export const FMT_REG = 0;
export const FMT_M32 = 1;
export const FMT_M64 = 2;
export const FMT_I16 = 3;
export const FMT_I32 = 4;

function op(kind: number, x: number, y: number): number {
  switch (kind) {
    case 0: return x + y;
    case 1: return x * y;
    case 4: return x - y;
    case 5: return y - x;
    case 6: return x / y;
    default: return y / x;
  }
}

/** True when a result outside the normal range still needs no flags (exact zero from + or −, inf from inf). */
export function quietSpecial(kind: number, x: number, y: number, r: number): boolean {
  if (r === 0) {
    if (kind === 0 || kind === K_SUB || kind === K_SUBR) return true;
    if (kind === K_MUL) return x === 0 || y === 0;
    if (kind === K_DIV) return x === 0 && y !== 0;
    if (kind === K_DIVR) return y === 0 && x !== 0;
  }
  return false;
}

// ---- memory forms: ST(0) ← ST(0) op m ----

export function arithM64(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  if (s[X_FAST] === 0) return arithMemSlow(cpu, i, FMT_M64);
  const y = rdF64(cpu, cpu.ea(i));
  const p = s[X_TOP];
  const ay = Math.abs(y);
  if (((s[X_VALID] >> p) & 1) === 0 || !(ay <= MAXD) || (ay < MINNORM && y !== 0)) return arithMemSlow(cpu, i, FMT_M64);
  const f = cpu.fpr;
  const x = f[p];
  const r = op(i.sub, x, y);
  const ar = Math.abs(r);
  if (!(ar >= MINNORM && ar <= MAXD) && !quietSpecial(i.sub, x, y, r)) return arithMemSlow(cpu, i, FMT_M64);
  f[p] = r;
  s[RAW + 4 * p + 3] = 0;
}

export function arithM32(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  if (s[X_FAST] === 0) return arithMemSlow(cpu, i, FMT_M32);
  const bits = cpu.rd32(cpu.ea(i));
  const ex = bits & 0x7f800000;
  const p = s[X_TOP];
  if (((s[X_VALID] >> p) & 1) === 0 || ex === 0x7f800000 || (ex === 0 && (bits & 0x7fffff) !== 0)) return arithMemSlow(cpu, i, FMT_M32);
  SF32I[0] = bits;
  const y = SF32[0];
  const f = cpu.fpr;
  const x = f[p];
  const r = op(i.sub, x, y);
  const ar = Math.abs(r);
  if (!(ar >= MINNORM && ar <= MAXD) && !quietSpecial(i.sub, x, y, r)) return arithMemSlow(cpu, i, FMT_M32);
  f[p] = r;
  s[RAW + 4 * p + 3] = 0;
}

export function arithI32(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  if (s[X_FAST] === 0) return arithMemSlow(cpu, i, FMT_I32);
  const y = cpu.rd32(cpu.ea(i));
  const p = s[X_TOP];
  if (((s[X_VALID] >> p) & 1) === 0) return arithMemSlow(cpu, i, FMT_I32);
  const f = cpu.fpr;
  const x = f[p];
  const r = op(i.sub, x, y);
  const ar = Math.abs(r);
  if (!(ar >= MINNORM && ar <= MAXD) && !quietSpecial(i.sub, x, y, r)) return arithMemSlow(cpu, i, FMT_I32);
  f[p] = r;
  s[RAW + 4 * p + 3] = 0;
}

export function arithI16(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  if (s[X_FAST] === 0) return arithMemSlow(cpu, i, FMT_I16);
  const y = (cpu.rd16(cpu.ea(i)) << 16) >> 16;
  const p = s[X_TOP];
  if (((s[X_VALID] >> p) & 1) === 0) return arithMemSlow(cpu, i, FMT_I16);
  const f = cpu.fpr;
  const x = f[p];
  const r = op(i.sub, x, y);
  const ar = Math.abs(r);
  if (!(ar >= MINNORM && ar <= MAXD) && !quietSpecial(i.sub, x, y, r)) return arithMemSlow(cpu, i, FMT_I16);
  f[p] = r;
  s[RAW + 4 * p + 3] = 0;
}

/** The operand loadScratch read was a denormal of its m32/m64 format (→ DE). */
export let LOADED_DENORMAL = false;

/** Load a memory operand of format fmt into the scratch slot (bits exact). */
export function loadScratch(cpu: Cpu, a: number, fmt: number): void {
  const s = cpu.s;
  const f = cpu.fpr;
  s[RAW + 4 * SCRATCH + 3] = 0;
  LOADED_DENORMAL = false;
  switch (fmt) {
    case FMT_M64: {
      const lo = cpu.rd32(a);
      const hi = cpu.rd32((a + 4) | 0);
      s[F64I + 2 * SCRATCH] = lo;
      s[F64I + 2 * SCRATCH + 1] = hi;
      LOADED_DENORMAL = (hi & 0x7ff00000) === 0 && ((hi & 0xfffff) | lo) !== 0;
      return;
    }
    case FMT_M32: {
      const b = cpu.rd32(a);
      const ex = (b >>> 23) & 0xff;
      if (ex === 0xff) {
        // Widen the NaN/infinity bit pattern exactly (a JS conversion could quiet an SNaN).
        s[F64I + 2 * SCRATCH + 1] = (b & 0x80000000) | 0x7ff00000 | ((b & 0x7fffff) >>> 3);
        s[F64I + 2 * SCRATCH] = b << 29;
        return;
      }
      LOADED_DENORMAL = ex === 0 && (b & 0x7fffff) !== 0;
      SF32I[0] = b;
      f[SCRATCH] = SF32[0];
      return;
    }
    case FMT_I32:
      f[SCRATCH] = cpu.rd32(a);
      return;
    default:
      f[SCRATCH] = (cpu.rd16(a) << 16) >> 16;
  }
}

export function arithMemSlowExport(cpu: Cpu, i: Insn, fmt: number): void {
  arithMemSlow(cpu, i, fmt);
}

function arithMemSlow(cpu: Cpu, i: Insn, fmt: number): void {
  const s = cpu.s;
  checkPending(s);
  loadScratch(cpu, cpu.ea(i), fmt);
  const p = s[X_TOP];
  arithSlow(cpu, i.sub, p, p, SCRATCH, fmt, false);
}

// ---- register forms ----

/** D8 C0–FF: ST(0) ← ST(0) op ST(i). */
export function arithST0(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  const p = s[X_TOP];
  const q = (p + i.rm) & 7;
  const v = s[X_VALID];
  if (s[X_FAST] === 0 || ((v >> p) & (v >> q) & 1) === 0) return arithSlow(cpu, i.sub, p, p, q, FMT_REG, false);
  const f = cpu.fpr;
  const x = f[p];
  const y = f[q];
  const r = op(i.sub, x, y);
  const ar = Math.abs(r);
  if (!(ar >= MINNORM && ar <= MAXD) && !quietSpecial(i.sub, x, y, r)) return arithSlow(cpu, i.sub, p, p, q, FMT_REG, false);
  f[p] = r;
  s[RAW + 4 * p + 3] = 0;
}

/** DC C0–FF: ST(i) ← ST(i) op ST(0). */
export function arithSTi(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  const p = s[X_TOP];
  const q = (p + i.rm) & 7;
  const v = s[X_VALID];
  if (s[X_FAST] === 0 || ((v >> p) & (v >> q) & 1) === 0) return arithSlow(cpu, i.sub, q, q, p, FMT_REG, false);
  const f = cpu.fpr;
  const x = f[q];
  const y = f[p];
  const r = op(i.sub, x, y);
  const ar = Math.abs(r);
  if (!(ar >= MINNORM && ar <= MAXD) && !quietSpecial(i.sub, x, y, r)) return arithSlow(cpu, i.sub, q, q, p, FMT_REG, false);
  f[q] = r;
  s[RAW + 4 * q + 3] = 0;
}

/** DE C0–FF: ST(i) ← ST(i) op ST(0), pop. */
export function arithSTiPop(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  const p = s[X_TOP];
  const q = (p + i.rm) & 7;
  const v = s[X_VALID];
  if (s[X_FAST] === 0 || ((v >> p) & (v >> q) & 1) === 0) return arithSlow(cpu, i.sub, q, q, p, FMT_REG, true);
  const f = cpu.fpr;
  const x = f[q];
  const y = f[p];
  const r = op(i.sub, x, y);
  const ar = Math.abs(r);
  if (!(ar >= MINNORM && ar <= MAXD) && !quietSpecial(i.sub, x, y, r)) return arithSlow(cpu, i.sub, q, q, p, FMT_REG, true);
  f[q] = r;
  s[RAW + 4 * q + 3] = 0;
  s[X_VALID] = v & ~(1 << p);
  s[X_TOP] = (p + 1) & 7;
}

// ---- the slow path ----

/** Is slot p a signaling NaN (in its exact 80-bit image)? */
export function isSNaN(s: Int32Array, p: number): boolean {
  to80(s, p);
  return (R_SE & 0x7fff) === 0x7fff && (R_HI & 0x80000000) !== 0 && (R_HI & 0x40000000) === 0 && ((R_HI & 0x3fffffff) | R_LO) !== 0;
}

export function isNaNp(s: Int32Array, p: number): boolean {
  to80(s, p);
  return (R_SE & 0x7fff) === 0x7fff && ((R_HI & 0x7fffffff) | R_LO) !== 0;
}

/**
 * NaN result of an operation with NaN operand(s) px/py (SDM Vol. 1 Table 4-7,
 * x87 column): a QNaN beats an SNaN; between two of a kind the larger
 * significand wins (on a tie the positive one). Written quiet into slot d.
 */
export function propagateNaN(cpu: Cpu, d: number, px: number, py: number): void {
  const s = cpu.s;
  const nx = isNaNp(s, px);
  const xl = R_LO, xh = R_HI, xs = R_SE;
  const ny = py >= 0 && isNaNp(s, py);
  const yl = R_LO, yh = R_HI, ys = R_SE;
  let lo: number, hi: number, se: number;
  if (nx && ny) {
    const qx = (xh & 0x40000000) !== 0;
    const qy = (yh & 0x40000000) !== 0;
    let pickX: boolean;
    if (qx !== qy) pickX = qx;
    else {
      const mx = (xh | 0x40000000) >>> 0, my = (yh | 0x40000000) >>> 0;
      if (mx !== my) pickX = mx > my;
      else if (xl >>> 0 !== yl >>> 0) pickX = xl >>> 0 > yl >>> 0;
      else pickX = (xs & 0x8000) === 0;
    }
    if (pickX) { lo = xl; hi = xh; se = xs; } else { lo = yl; hi = yh; se = ys; }
  } else if (nx) { lo = xl; hi = xh; se = xs; } else { lo = yl; hi = yh; se = ys; }
  set80(cpu.fpr, s, d, lo, hi | 0x40000000, se);
}

function isInf(v: number): boolean {
  return v === Infinity || v === -Infinity;
}

/**
 * Everything the hot path does not handle. x = slot px, y = slot py; the
 * result goes to slot d (then pop if asked). fmt tells where y came from
 * (SNaN and denormal operand checks for m32/m64).
 */
export function arithSlow(cpu: Cpu, kind: number, d: number, px: number, py: number, fmt: number, doPop: boolean): void {
  const s = cpu.s;
  const f = cpu.fpr;
  checkPending(s);
  const v = s[X_VALID];
  const top = s[X_TOP];
  if (((v >> px) & 1) === 0 || (fmt === FMT_REG && ((v >> py) & 1) === 0)) {
    if (underflow(s)) return;
    setIndefinite(s, d);
    s[X_VALID] |= 1 << d;
    if (doPop) pop(s);
    return;
  }
  void top;
  const x = f[px];
  const y = f[py];
  const finish = (r: number | null): void => {
    if (r !== null) {
      f[d] = r;
      s[RAW + 4 * d + 3] = 0;
    }
    if (doPop) pop(s);
  };
  // NaN operands (SNaN → IE), then invalid operations.
  if (x !== x || y !== y) {
    const sn = isSNaN(s, px) || isSNaN(s, py);
    if (sn && raise(s, IE)) return;
    if (x !== x && y !== y) propagateNaN(cpu, d, px, py);
    else propagateNaN(cpu, d, x !== x ? px : py, -1);
    if (doPop) pop(s);
    return;
  }
  let invalid = false;
  let r = 0;
  switch (kind) {
    case 0: invalid = isInf(x) && isInf(y) && x !== y; break;
    case K_SUB: case K_SUBR: invalid = isInf(x) && isInf(y) && x === y; break;
    case K_MUL: invalid = (isInf(x) && y === 0) || (isInf(y) && x === 0); break;
    case K_DIV: invalid = (x === 0 && y === 0) || (isInf(x) && isInf(y)); break;
    case K_DIVR: invalid = (x === 0 && y === 0) || (isInf(x) && isInf(y)); break;
    case K_SQRT: invalid = x < 0; break;
  }
  if (invalid) {
    if (raise(s, IE)) return;
    setIndefinite(s, d);
    if (doPop) pop(s);
    return;
  }
  if ((kind === K_DIV && y === 0 && !isInf(x)) || (kind === K_DIVR && x === 0 && !isInf(y))) {
    if (raise(s, ZE)) return;
    const num = kind === K_DIV ? x : y;
    const den = kind === K_DIV ? y : x;
    finish((num < 0) !== (Object.is(den, -0) || den < 0) ? -Infinity : Infinity);
    return;
  }
  // Denormal operand (a real x87 reports it after invalid and divide-by-zero).
  if (fmt !== FMT_REG && LOADED_DENORMAL) {
    if (raise(s, DE)) return;
  }
  r = kind === K_SQRT ? Math.sqrt(x) : op(kind, x, y);
  if (isInf(x) || isInf(y)) {
    finish(r);
    return;
  }
  // RC for −0 from exact cancellation: round toward −∞ gives −0 (IEEE 754 §6.3).
  const rc = s[X_RC];
  if (r === 0 && (kind === 0 || kind === K_SUB || kind === K_SUBR)) {
    const a = kind === K_SUBR ? y : x;
    const b = kind === 0 ? y : kind === K_SUB ? -y : -x;
    const an = Object.is(a, -0), bn = Object.is(b, -0);
    if (an && bn) r = -0;
    else if (Object.is(a, 0) && Object.is(b, 0)) r = 0;
    else r = rc === 1 ? -0 : 0;
  }
  r = roundResult(s, rc, kind, x, y, r);
  finish(r);
}
