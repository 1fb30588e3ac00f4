/**
 * Error-free transformations for the SSE unit (pure functions, no MXCSR
 * state): the exact error of a rounded binary64 sum (TwoSum) and product
 * (Dekker's TwoProduct, no FMA in JS), and from them the sign of
 * (exact − rounded) for ×, ÷ and √, with operands scaled near 1 when they
 * are so large or small that the splitting could overflow or underflow.
 * Used by sse-fpu.ts for the inexact flag and the directed rounding modes.
 */

// Scratch for bit access.
const f64b = new Float64Array(1);
const i32d = new Int32Array(f64b.buffer);

/** Error of a + b rounded (TwoSum, exact without overflow). */
export function twoSumErr(a: number, b: number, s: number): number {
  const bb = s - a;
  return a - (s - bb) + (b - bb);
}

const SPLIT = 134217729; // 2^27 + 1
/** Error of a × b rounded = p (Dekker's TwoProduct; operands near 1 so nothing over/underflows). */
export function twoProdErr(a: number, b: number, p: number): number {
  let c = SPLIT * a;
  const ah = c - (c - a);
  const al = a - ah;
  c = SPLIT * b;
  const bh = c - (c - b);
  const bl = b - bh;
  return ah * bh - p + ah * bl + al * bh + al * bl;
}

/** Exponent e with |v|·2^-e in [1, 2) (v finite, nonzero). */
function expo(v: number): number {
  f64b[0] = v;
  let e = (i32d[1] >>> 20) & 0x7ff;
  if (e === 0) {
    f64b[0] = v * 18446744073709551616; // 2^64
    e = ((i32d[1] >>> 20) & 0x7ff) - 64;
  }
  return e - 1023;
}

/** 2^n for a normal exponent (−1022 ≤ n ≤ 1023), built from bits (no Math.pow). */
function pow2(n: number): number {
  i32d[0] = 0;
  i32d[1] = (n + 1023) << 20;
  return f64b[0];
}

/** v · 2^n exactly (for results that land in the normal range). */
function ldexp(v: number, n: number): number {
  while (n > 1000) {
    v *= pow2(1000);
    n -= 1000;
  }
  while (n < -1000) {
    v *= pow2(-1000);
    n += 1000;
  }
  return v * pow2(n);
}

/** Magnitudes where Dekker's TwoProduct needs no scaling: nothing in it can overflow or underflow. */
const SAFE_HI = 2 ** 450;
const SAFE_LO = 2 ** -450;
export const inSafe = (v: number): boolean => {
  const a = v < 0 ? -v : v;
  return a < SAFE_HI && a > SAFE_LO;
};

export const sgn = (v: number): number => (v > 0 ? 1 : v < 0 ? -1 : 0);

/** Sign of (exact − d) for a × b (a, b finite, nonzero; d their rounded product). */
export function mulErr(a: number, b: number, d: number): number {
  if (d === Infinity || d === -Infinity) return sgn(d);
  if (inSafe(a) && inSafe(b)) return sgn(twoProdErr(a, b, d));
  const ea = expo(a), eb = expo(b);
  const ma = ldexp(Math.abs(a), -ea), mb = ldexp(Math.abs(b), -eb);
  const p = ma * mb;
  const pe = twoProdErr(ma, mb, p);
  const rr = ldexp(Math.abs(d), -(ea + eb));
  const diff = p - rr;
  const s = diff !== 0 ? sgn(diff) : sgn(pe);
  return (a < 0) !== (b < 0) ? -s : s;
}

/** Sign of (exact − d) for a / b (a, b finite, nonzero). */
export function divErr(a: number, b: number, d: number): number {
  if (d === Infinity || d === -Infinity) return sgn(d);
  if (inSafe(a) && inSafe(b) && inSafe(d)) {
    // exact − d has the sign of (a − d·b)/b; a − p is exact (Sterbenz), p + pe = d·b exactly.
    const p = d * b;
    const pe = twoProdErr(d, b, p);
    const x = a - p;
    const s = x > pe ? 1 : x < pe ? -1 : 0;
    return b < 0 ? -s : s;
  }
  const ea = expo(a), eb = expo(b);
  const ma = ldexp(Math.abs(a), -ea), mb = ldexp(Math.abs(b), -eb);
  const q = ldexp(Math.abs(d), eb - ea);
  const p = q * mb;
  const pe = twoProdErr(q, mb, p);
  const x = ma - p;
  const s = x > pe ? 1 : x < pe ? -1 : 0;
  return (a < 0) !== (b < 0) ? -s : s;
}

/** Sign of (exact − d) for √a (a finite, positive). */
export function sqrtErr(a: number, d: number): number {
  if (inSafe(a)) {
    const p = d * d;
    const pe = twoProdErr(d, d, p);
    const x = a - p;
    return x > pe ? 1 : x < pe ? -1 : 0;
  }
  const k = expo(a) >> 1;
  const m = ldexp(a, -2 * k);
  const r = ldexp(d, -k);
  const p = r * r;
  const pe = twoProdErr(r, r, p);
  const x = m - p;
  return x > pe ? 1 : x < pe ? -1 : 0;
}

