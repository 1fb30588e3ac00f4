import { C1, MAXD, MINNORM, OE, PE, SI32, SF64, UE, X_FSW, raise } from './x87-state.js';

/**
 * Exact rounding for the slow path: the hot path computes x op y in JS
 * (round to nearest double); here the sign of the rounding error is found
 * exactly (BigInt, cold path only), to set PE/UE/OE and C1 (rounded up) and
 * to round toward −∞, +∞ or zero when RC asks for it (SDM Vol. 1 §4.8.4, §8.5).
 */
export const K_ADD = 0;
export const K_MUL = 1;
export const K_SUB = 4;
export const K_SUBR = 5;
export const K_DIV = 6;
export const K_DIVR = 7;
export const K_SQRT = 8;
/** A result the caller computed exactly (no rounding error possible) — no flags beyond range checks. */
export const K_EXACT = 9;

interface Dec {
  m: bigint;
  e: number;
}

function dec(v: number): Dec {
  SF64[0] = v;
  const lo = SI32[0] >>> 0;
  const hi = SI32[1];
  const ex = (hi >>> 20) & 0x7ff;
  let m = BigInt((hi & 0xfffff) >>> 0) * 4294967296n + BigInt(lo);
  let e: number;
  if (ex === 0) e = -1074;
  else {
    m += 1n << 52n;
    e = ex - 1075;
  }
  if (hi < 0) m = -m;
  return { m, e };
}

/** Sign of Σ terms (each m·2^e). */
function sumSign(t: Dec[]): number {
  let emin = Infinity;
  for (const x of t) if (x.m !== 0n && x.e < emin) emin = x.e;
  if (emin === Infinity) return 0;
  let acc = 0n;
  for (const x of t) if (x.m !== 0n) acc += x.m << BigInt(x.e - emin);
  return acc > 0n ? 1 : acc < 0n ? -1 : 0;
}

function mul(a: Dec, b: Dec): Dec {
  return { m: a.m * b.m, e: a.e + b.e };
}

function neg(a: Dec): Dec {
  return { m: -a.m, e: a.e };
}

/** Sign of (exact result − r) for finite x, y, r. */
export function errorSign(kind: number, x: number, y: number, r: number): number {
  const X = dec(x);
  const Y = dec(y);
  const R = dec(r);
  switch (kind) {
    case K_ADD: return sumSign([X, Y, neg(R)]);
    case K_SUB: return sumSign([X, neg(Y), neg(R)]);
    case K_SUBR: return sumSign([Y, neg(X), neg(R)]);
    case K_MUL: return sumSign([mul(X, Y), neg(R)]);
    case K_DIV: return sumSign([X, neg(mul(R, Y))]) * (y < 0 ? -1 : 1);
    case K_DIVR: return sumSign([Y, neg(mul(R, X))]) * (x < 0 ? -1 : 1);
    case K_SQRT: return sumSign([X, neg(mul(R, R))]);
  }
  return 0;
}

const NB = new Float64Array(1);
const NBI = new Int32Array(NB.buffer);
/** The next double after v toward +∞ (dir 1) or −∞ (dir −1). */
export function nextToward(v: number, dir: number): number {
  if (v === 0) return dir > 0 ? 5e-324 : -5e-324;
  NB[0] = v;
  let lo = NBI[0] >>> 0;
  let hi = NBI[1];
  // Moving away from zero increments the magnitude bits.
  const away = (v > 0) === (dir > 0);
  if (away) {
    lo = (lo + 1) >>> 0;
    if (lo === 0) hi++;
  } else {
    if (lo === 0) hi--;
    lo = (lo - 1) >>> 0;
  }
  NBI[0] = lo;
  NBI[1] = hi;
  return NB[0];
}

/**
 * Finish a finite-operand arithmetic result r (round-to-nearest double of
 * x op y): apply RC, raise PE/UE/OE, set C1. Returns the value to store.
 * s is the state; `rc` the rounding control.
 */
export function roundResult(s: Int32Array, rc: number, kind: number, x: number, y: number, r: number): number {
  let flags = 0;
  let up = false;
  if (r === Infinity || r === -Infinity) {
    // Overflow from finite operands.
    flags = OE | PE;
    const negR = r < 0;
    if (rc === 3 || (rc === 1 && !negR) || (rc === 2 && negR)) r = negR ? -MAXD : MAXD;
    else up = true;
  } else if (kind !== K_EXACT) {
    const es = errorSign(kind, x, y, r);
    if (es !== 0) {
      flags = PE;
      // es > 0: exact > r.
      if (rc === 1 && es < 0) r = nextToward(r, -1);
      else if (rc === 2 && es > 0) r = nextToward(r, 1);
      else if (rc === 3 && ((r > 0 && es < 0) || (r < 0 && es > 0))) r = nextToward(r, r > 0 ? -1 : 1);
      // Rounded up: the magnitude of r exceeds that of the exact result.
      up = r > 0 ? errorSign(kind, x, y, r) < 0 : r < 0 ? errorSign(kind, x, y, r) > 0 : false;
      if (Math.abs(r) < MINNORM) flags |= UE;
      if (r === Infinity || r === -Infinity) flags |= OE;
    }
  }
  s[X_FSW] = up ? s[X_FSW] | C1 : s[X_FSW] & ~C1;
  if (flags !== 0) raise(s, flags);
  return r;
}
