import { CpuFault, Vector } from '../mem/fault.js';
import { X87_STATE } from '../mem/layout.js';
import type { Cpu } from './cpu.js';

/**
 * x87 state inside the state area (mem/layout.ts X87_STATE, 0x200 bytes),
 * and the helpers every x87 handler shares. See README-x87.md for the model:
 * each register is a float64 (the hot path is plain JS arithmetic) plus an
 * optional exact 80-bit image ("raw") kept while a value loaded from m80 /
 * m64int / MMX is unmodified, so it round-trips bit-exactly.
 *
 * Byte offsets from X87_STATE:
 *   0x000  float64 × 10: physical registers 0–7, scratch 8 and 9 (memory operands)
 *   0x060  raw × 10, 16 bytes each: significand lo32, hi32, sign|exponent (16 bits),
 *          flag (non-zero: the raw image is exact and the float64 is its rounding)
 *   0x100  FCW ^ 0x37F, FSW (without TOP), TOP, valid mask, FAST, RC, FIP, FDP, FOP, FCS, FDS
 *
 * An all-zero state is the FNINIT state (FCW 0x37F, all registers empty),
 * which is what a fresh task (exec zeroes the registers) must see.
 */
export const XI = X87_STATE >> 2;
/** Int32 index of the low word of float64 slot p is F64I + 2p. */
export const F64I = XI;
/** Int32 index of raw slot p is RAW + 4p: [lo, hi, se, flag]. */
export const RAW = XI + 24;
export const X_FCW = XI + 64;
export const X_FSW = XI + 65;
export const X_TOP = XI + 66;
export const X_VALID = XI + 67;
/** 1 when the fast path is allowed: no exception pending, PE already set, RC nearest, all masked. */
export const X_FAST = XI + 68;
export const X_RC = XI + 69;
export const X_FIP = XI + 70;
export const X_FDP = XI + 71;
export const X_FOP = XI + 72;
export const X_FCS = XI + 73;
export const X_FDS = XI + 74;

export const SCRATCH = 8;
export const SCRATCH2 = 9;

// FSW bits (SDM Vol. 1 §8.1.3).
export const IE = 0x1;
export const DE = 0x2;
export const ZE = 0x4;
export const OE = 0x8;
export const UE = 0x10;
export const PE = 0x20;
export const SF = 0x40;
export const ES = 0x80;
export const C0 = 0x100;
export const C1 = 0x200;
export const C2 = 0x400;
export const C3 = 0x4000;
export const BUSY = 0x8000;
export const CC_MASK = C0 | C1 | C2 | C3;

export const MINNORM = 2.2250738585072014e-308;
export const MAXD = 1.7976931348623157e308;

/** The float64 register slots (a view created once per Cpu, cpu.ts). */
export function fregs(cpu: Cpu): Float64Array {
  return cpu.fpr;
}

// Scratch for bit conversions (not guest state).
export const SF64 = new Float64Array(1);
export const SI32 = new Int32Array(SF64.buffer);
export const SF32 = new Float32Array(1);
export const SF32I = new Int32Array(SF32.buffer);

export function fcw(s: Int32Array): number {
  return (s[X_FCW] ^ 0x37f) & 0xffff;
}

export function fswFull(s: Int32Array): number {
  return (s[X_FSW] & ~0x3800) | ((s[X_TOP] & 7) << 11);
}

export function updateFast(s: Int32Array): void {
  const cw = fcw(s);
  const sw = s[X_FSW];
  s[X_FAST] = (sw & (ES | PE)) === PE && (cw & 0xc3f) === 0x03f ? 1 : 0;
}

export function setFcw(s: Int32Array, v: number): void {
  v &= 0x1f7f;
  v |= 0x40; // bit 6 reads as 1
  s[X_FCW] = v ^ 0x37f;
  s[X_RC] = (v >> 10) & 3;
  recomputeES(s);
}

/** ES and B follow whether any flag is set whose exception is unmasked. */
export function recomputeES(s: Int32Array): void {
  let sw = s[X_FSW];
  if ((sw & 0x3f & ~fcw(s)) !== 0) sw |= ES | BUSY;
  else sw &= ~(ES | BUSY);
  s[X_FSW] = sw;
  updateFast(s);
}

export function setFsw(s: Int32Array, v: number): void {
  s[X_TOP] = (v >> 11) & 7;
  s[X_FSW] = v & ~0x3800 & 0xffff;
  recomputeES(s);
}

/**
 * Record exception flags `bits`; returns true when one of them is unmasked
 * (the caller then leaves its destination alone for IE/DE/ZE, SDM Vol. 1 §8.5).
 */
export function raise(s: Int32Array, bits: number): boolean {
  let sw = s[X_FSW] | bits;
  const unmasked = (bits & 0x3f & ~fcw(s)) !== 0;
  if (unmasked) sw |= ES | BUSY;
  s[X_FSW] = sw;
  updateFast(s);
  return unmasked;
}

/** A waiting instruction found an unmasked exception pending: #MF. */
export function pending(_cpu: Cpu): never {
  throw new CpuFault(Vector.MF);
}

export function checkPending(s: Int32Array): void {
  if ((s[X_FSW] & ES) !== 0) throw new CpuFault(Vector.MF);
}

export function setC1(s: Int32Array, v: number): void {
  s[X_FSW] = v ? s[X_FSW] | C1 : s[X_FSW] & ~C1;
}

/** FNINIT: control, status, tags and pointers reset; register contents stay (SDM Vol. 2 FINIT). */
export function fninit(s: Int32Array): void {
  s.fill(0, X_FCW, XI + 128);
}

// ---- stack ----

export function phys(s: Int32Array, st: number): number {
  return (s[X_TOP] + st) & 7;
}

export function isValid(s: Int32Array, p: number): boolean {
  return ((s[X_VALID] >> p) & 1) !== 0;
}

export function setValid(s: Int32Array, p: number): void {
  s[X_VALID] |= 1 << p;
}

export function pop(s: Int32Array): void {
  const top = s[X_TOP];
  s[X_VALID] &= ~(1 << top);
  s[X_TOP] = (top + 1) & 7;
}

/**
 * Make room for a push: returns the new top's physical index, or -1 after a
 * stack overflow whose exception is unmasked (nothing changes then). A masked
 * overflow pushes the indefinite NaN, and returns -2 so the caller skips its store.
 */
export function pushSlot(s: Int32Array): number {
  const p = (s[X_TOP] - 1) & 7;
  if (((s[X_VALID] >> p) & 1) !== 0) {
    s[X_FSW] |= C1;
    if (raise(s, IE | SF)) return -1;
    s[X_TOP] = p;
    setIndefinite(s, p);
    return -2;
  }
  s[X_TOP] = p;
  s[X_VALID] |= 1 << p;
  return p;
}

/** Stack underflow on reading an empty register: IE+SF, C1 = 0. Returns true when unmasked. */
export function underflow(s: Int32Array): boolean {
  s[X_FSW] &= ~C1;
  return raise(s, IE | SF);
}

export function setIndefinite(s: Int32Array, p: number): void {
  s[F64I + 2 * p] = 0;
  s[F64I + 2 * p + 1] = 0xfff80000 | 0;
  s[RAW + 4 * p + 3] = 0;
}

/** Store a number (never a NaN whose bits matter) into slot p. */
export function setF(f: Float64Array, s: Int32Array, p: number, v: number): void {
  f[p] = v;
  s[RAW + 4 * p + 3] = 0;
}

export function copySlot(f: Float64Array, s: Int32Array, from: number, to: number): void {
  s[F64I + 2 * to] = s[F64I + 2 * from];
  s[F64I + 2 * to + 1] = s[F64I + 2 * from + 1];
  const rf = s[RAW + 4 * from + 3];
  s[RAW + 4 * to + 3] = rf;
  if (rf !== 0) {
    s[RAW + 4 * to] = s[RAW + 4 * from];
    s[RAW + 4 * to + 1] = s[RAW + 4 * from + 1];
    s[RAW + 4 * to + 2] = s[RAW + 4 * from + 2];
  }
  void f;
}

export function isNaNSlot(s: Int32Array, p: number): boolean {
  return (s[F64I + 2 * p + 1] & 0x7ff00000) === 0x7ff00000 && ((s[F64I + 2 * p + 1] & 0xfffff) | s[F64I + 2 * p]) !== 0;
}

// ---- 80-bit images ----

/** Output of to80 (exact 80-bit image of a slot). */
export let R_LO = 0;
export let R_HI = 0;
export let R_SE = 0;

/** Exact 80-bit image of slot p (raw if kept, else converted from the float64: always exact). */
export function to80(s: Int32Array, p: number): void {
  const r = RAW + 4 * p;
  if (s[r + 3] !== 0) {
    R_LO = s[r];
    R_HI = s[r + 1];
    R_SE = s[r + 2] & 0xffff;
    return;
  }
  f64BitsTo80(s[F64I + 2 * p], s[F64I + 2 * p + 1]);
}

export function f64BitsTo80(lo: number, hi: number): void {
  const sign = (hi >>> 31) << 15;
  const e = (hi >>> 20) & 0x7ff;
  const fh = hi & 0xfffff;
  if (e === 0x7ff) {
    R_SE = sign | 0x7fff;
    R_HI = (0x80000000 | (fh << 11) | (lo >>> 21)) | 0;
    R_LO = lo << 11;
    return;
  }
  if (e === 0) {
    if ((fh | lo) === 0) {
      R_SE = sign;
      R_HI = 0;
      R_LO = 0;
      return;
    }
    // Denormal double: normalise (the 80-bit format has the range).
    let h = fh;
    let l = lo;
    let ex = 1 - 1023 + 16383;
    // Shift the 52-bit fraction up so the leading one reaches bit 63 of (h<<11|l>>>21 ...).
    let mh = ((h << 11) | (l >>> 21)) >>> 0;
    let ml = (l << 11) >>> 0;
    if (mh === 0) {
      mh = ml;
      ml = 0;
      ex -= 32;
    }
    const z = Math.clz32(mh);
    if (z > 0) {
      mh = ((mh << z) | (ml >>> (32 - z))) >>> 0;
      ml = (ml << z) >>> 0;
      ex -= z;
    }
    R_SE = sign | ex;
    R_HI = mh | 0;
    R_LO = ml | 0;
    return;
  }
  R_SE = sign | (e - 1023 + 16383);
  R_HI = (0x80000000 | (fh << 11) | (lo >>> 21)) | 0;
  R_LO = lo << 11;
}

/** Inexact flag of the last roundMant / from80. */
export let INEXACT = false;
/** The last rounding increased the magnitude. */
export let ROUNDED_UP = false;

/**
 * Round the unsigned 64-bit (hi, lo) dropping `sh` low bits (sh ≥ 0) under
 * rounding control rc for a value of sign `neg`; returns the kept integer
 * (may be 2^(64-sh); exact in a double only when it has ≤ 53 bits).
 */
export function roundMant(hi: number, lo: number, sh: number, rc: number, neg: boolean): number {
  hi >>>= 0;
  lo >>>= 0;
  let kept: number;
  let cls: number; // 0 exact, 1 below half, 2 half, 3 above half
  let odd: number;
  if (sh === 0) {
    INEXACT = false;
    ROUNDED_UP = false;
    return hi * 4294967296 + lo;
  }
  if (sh < 32) {
    kept = hi * 2 ** (32 - sh) + (lo >>> sh);
    const rem = lo & ((1 << sh) - 1);
    const half = 2 ** (sh - 1);
    cls = rem === 0 ? 0 : rem < half ? 1 : rem === half ? 2 : 3;
  } else if (sh === 32) {
    kept = hi;
    cls = lo === 0 ? 0 : lo < 0x80000000 ? 1 : lo === 0x80000000 ? 2 : 3;
  } else if (sh < 64) {
    const k = sh - 32;
    kept = hi >>> k;
    const remHi = (hi & ((1 << k) - 1)) >>> 0;
    const halfHi = 2 ** (k - 1);
    if (remHi === 0 && lo === 0) cls = 0;
    else if (remHi < halfHi) cls = 1;
    else if (remHi === halfHi && lo === 0) cls = 2;
    else cls = 3;
    if (k === 1) cls = remHi === 0 ? (lo === 0 ? 0 : 1) : lo === 0 ? 2 : 3;
  } else if (sh === 64) {
    kept = 0;
    cls = hi === 0 && lo === 0 ? 0 : hi < 0x80000000 ? 1 : hi === 0x80000000 && lo === 0 ? 2 : 3;
  } else {
    kept = 0;
    cls = hi === 0 && lo === 0 ? 0 : 1;
  }
  odd = kept % 2;
  INEXACT = cls !== 0;
  let up = false;
  if (cls !== 0) {
    switch (rc) {
      case 0: up = cls === 3 || (cls === 2 && odd === 1); break;
      case 1: up = neg; break;
      case 2: up = !neg; break;
      default: up = false;
    }
  }
  ROUNDED_UP = up;
  return up ? kept + 1 : kept;
}

/**
 * The double nearest (under rc) to the 80-bit value (lo, hi, se). Sets
 * F_FLAGS to the exceptions a store to m64 raises (IE for SNaN/unsupported,
 * OE, UE, PE) and INEXACT/ROUNDED_UP.
 */
export let F_FLAGS = 0;
export function from80(lo: number, hi: number, se: number, rc: number): number {
  return round80(lo, hi, se, rc, 53, -1022, MAXD);
}

/**
 * Round the 80-bit value to a format with `mbits` significand bits, minimum
 * normal exponent `emin` and largest finite value `maxv` (float: 24, −126;
 * double: 53, −1022). NaNs come back as a double NaN with the payload
 * truncated and the quiet bit set; F_FLAGS says IE for an SNaN.
 */
export function round80(lo: number, hi: number, se: number, rc: number, mbits: number, emin: number, maxv: number): number {
  const neg = (se & 0x8000) !== 0;
  const ex = se & 0x7fff;
  F_FLAGS = 0;
  INEXACT = false;
  ROUNDED_UP = false;
  if (ex === 0x7fff) {
    if ((hi & 0x80000000) === 0) {
      F_FLAGS = IE;
      return NaN_INDEF();
    }
    if (((hi & 0x7fffffff) | lo) === 0) return neg ? -Infinity : Infinity;
    if ((hi & 0x40000000) === 0) F_FLAGS = IE; // SNaN
    SI32[1] = (se & 0x8000 ? 0xfff80000 : 0x7ff80000) | ((hi >>> 11) & 0xfffff);
    SI32[0] = (hi << 21) | (lo >>> 11);
    return SF64[0];
  }
  if (ex !== 0 && (hi & 0x80000000) === 0) {
    F_FLAGS = IE; // unnormal: unsupported
    return NaN_INDEF();
  }
  if ((hi | lo) === 0) return neg ? -0 : 0;
  const e = (ex === 0 ? 1 : ex) - 16383; // value = M * 2^(e-63)
  let sh = 64 - mbits;
  if (e < emin) sh += emin - e;
  const k = roundMant(hi, lo, sh, rc, neg);
  let v = k * 2 ** (e - 63 + sh);
  if (v > maxv) {
    F_FLAGS |= OE | PE;
    INEXACT = true;
    if (rc === 3 || (rc === 1 && !neg) || (rc === 2 && neg)) {
      v = maxv;
      ROUNDED_UP = false;
    } else {
      v = Infinity;
      ROUNDED_UP = true;
    }
  } else {
    if (INEXACT) F_FLAGS |= PE;
    if (INEXACT && v < 2 ** emin) F_FLAGS |= UE;
  }
  return neg ? -v : v;
}

function NaN_INDEF(): number {
  SI32[0] = 0;
  SI32[1] = 0xfff80000 | 0;
  return SF64[0];
}

/** Write an 80-bit value into slot p, exact image kept, float64 its nearest rounding. */
export function set80(f: Float64Array, s: Int32Array, p: number, lo: number, hi: number, se: number): void {
  const v = from80(lo, hi, se, 0);
  const ex = se & 0x7fff;
  if (ex === 0x7fff && (hi & 0x80000000) !== 0 && ((hi & 0x7fffffff) | lo) !== 0) {
    // NaN: keep the payload bits (truncated) in the float64 with the quiet bit set.
    s[F64I + 2 * p] = (hi << 21) | (lo >>> 11);
    s[F64I + 2 * p + 1] = ((se & 0x8000 ? 0xfff80000 : 0x7ff80000) | ((hi >>> 11) & 0xfffff)) | 0;
  } else f[p] = v;
  const r = RAW + 4 * p;
  s[r] = lo;
  s[r + 1] = hi;
  s[r + 2] = se & 0xffff;
  // A value a double holds exactly needs no image (its float64 converts back to the same bits).
  s[r + 3] = F_FLAGS === 0 && !INEXACT && v === v ? 0 : 1;
}

/**
 * FXAM-style class of slot p: 0 unsupported, 1 NaN, 2 normal, 3 infinity,
 * 4 zero, 6 denormal (in the 80-bit sense).
 */
export function classify(s: Int32Array, p: number): number {
  to80(s, p);
  const ex = R_SE & 0x7fff;
  const j = (R_HI & 0x80000000) !== 0;
  if (ex === 0x7fff) {
    if (!j) return 0;
    return ((R_HI & 0x7fffffff) | R_LO) === 0 ? 3 : 1;
  }
  if (ex === 0) return (R_HI | R_LO) === 0 ? 4 : 6;
  return j ? 2 : 0;
}
