import type { Cpu } from './cpu.js';
import { divErr, inSafe, mulErr, sgn, sqrtErr, twoProdErr, twoSumErr } from './sse-exact.js';
import { MX, MX_DAZ, MX_DE, MX_FZ, MX_IE, MX_OE, MX_PE, MX_UE, MX_ZE } from './sse-state.js';

/**
 * IEEE-754 element arithmetic for the SSE unit, with MXCSR semantics
 * (Intel SDM Vol. 1 §4.8–4.9, §10.2.3, §11.5): rounding control, DAZ, FTZ
 * and the six exception flags. Values travel as bit patterns (single: one
 * int32; double: `lo`/`hi` int32 pairs) so NaN payloads, signalling bits and
 * signed zeros survive — a JS number may quiet or canonicalise a NaN.
 *
 * How results are rounded: JS computes in binary64 with round-to-nearest.
 * For single precision the binary64 result of +,-,×,÷,√ on binary32 inputs
 * rounds correctly to binary32 (53 ≥ 2·24+2, so double rounding is
 * innocuous). Every operation also computes the sign of (exact − computed)
 * (an error-free transformation: TwoSum, Dekker's TwoProduct on operands
 * scaled near 1), which gives the inexact flag and lets the directed
 * rounding modes step the nearest result to its neighbour, so all four
 * MXCSR.RC modes are exact. Known approximations: tininess is judged on the
 * rounded result (x86 detects it after rounding with unbounded exponent; the
 * two differ only for results within half an ulp below the smallest normal
 * in round-to-nearest), and for double results in round-toward-zero/down/up
 * an exact result between MAX and MAX + ½ulp reports OE where hardware
 * reports only PE.
 *
 * Per-instruction state lives in module variables set by `begin()`: no
 * allocation per instruction.
 */

/** Exception flags raised by the current instruction (MXCSR bits 0–5). */
export let ex = 0;
let rc = 0;
let daz = false;
let ftz = false;
let ueUnmasked = true;

export function begin(cpu: Cpu): void {
  const m = cpu.s[MX];
  ex = 0;
  rc = (m >> 13) & 3;
  daz = (m & MX_DAZ) !== 0;
  ftz = (m & MX_FZ) !== 0;
  ueUnmasked = (m & 0x800) === 0;
}

export function rcMode(): number {
  return rc;
}

export function raise(flags: number): void {
  ex |= flags;
}

// Scratch for bit conversions.
const f32b = new Float32Array(1);
const i32s = new Int32Array(f32b.buffer);
const f64b = new Float64Array(1);
const i32d = new Int32Array(f64b.buffer);

export function f32bits(v: number): number {
  f32b[0] = v;
  return i32s[0];
}
export function bitsf32(b: number): number {
  i32s[0] = b;
  return f32b[0];
}
/** Result of double-returning functions: low and high words. */
export let rlo = 0;
export let rhi = 0;
export function setD(v: number): void {
  f64b[0] = v;
  rlo = i32d[0];
  rhi = i32d[1];
}
export function setDBits(lo: number, hi: number): void {
  rlo = lo;
  rhi = hi;
}
export function bitsf64(lo: number, hi: number): number {
  i32d[0] = lo;
  i32d[1] = hi;
  return f64b[0];
}

// ---- classification ----

export const isNaN32 = (b: number): boolean => (b & 0x7fffffff) > 0x7f800000;
export const isSNaN32 = (b: number): boolean => (b & 0x7fffffff) > 0x7f800000 && (b & 0x400000) === 0;
export const isDen32 = (b: number): boolean => (b & 0x7f800000) === 0 && (b & 0x7fffff) !== 0;
export const isNaN64 = (lo: number, hi: number): boolean => {
  const h = hi & 0x7fffffff;
  return h > 0x7ff00000 || (h === 0x7ff00000 && lo !== 0);
};
export const isSNaN64 = (lo: number, hi: number): boolean => isNaN64(lo, hi) && (hi & 0x80000) === 0;
export const isDen64 = (lo: number, hi: number): boolean => (hi & 0x7ff00000) === 0 && ((hi & 0xfffff) | lo) !== 0;

/** Default NaN ("QNaN floating-point indefinite"). */
export const QNAN32 = 0xffc00000 | 0;
export const QNAN64_HI = 0xfff80000 | 0;

/** DAZ: a denormal source is read as a zero of the same sign; otherwise it raises DE. */
export function src32(b: number): number {
  if ((b & 0x7f800000) === 0 && (b & 0x7fffff) !== 0) {
    if (daz) return b & 0x80000000;
    ex |= MX_DE;
  }
  return b;
}
/** Same for doubles: returns the (possibly zeroed) low word; the high word is `srcHi`. */
export let srcHi = 0;
export function src64(lo: number, hi: number): number {
  srcHi = hi;
  if ((hi & 0x7ff00000) === 0 && ((hi & 0xfffff) | lo) !== 0) {
    if (daz) {
      srcHi = hi & 0x80000000;
      return 0;
    }
    ex |= MX_DE;
  }
  return lo;
}
/** DAZ only (no DE): for instructions whose exceptions list no Denormal (conversions to integer). */
export function daz32(b: number): number {
  return daz && (b & 0x7f800000) === 0 ? b & 0x80000000 : b;
}
export function dazLo(lo: number, hi: number): number {
  return daz && (hi & 0x7ff00000) === 0 ? 0 : lo;
}
export function dazHi(hi: number): number {
  return daz && (hi & 0x7ff00000) === 0 ? hi & 0x80000000 : hi;
}

// ---- rounding to binary32 ----

const MAXF = 3.4028234663852886e38;
const MINF = 1.1754943508222875e-38;
let inx = false;

/** Round d (+ an error whose sign is e) to binary32 in the current RC mode; sets `inx`. */
function round24(d: number, e: number): number {
  let r = Math.fround(d);
  const diff = d - r;
  const s = diff !== 0 ? sgn(diff) : sgn(e);
  inx = s !== 0;
  if (!inx || rc === 0) return r;
  let b = f32bits(r);
  if (rc === 1 ? s < 0 : rc === 2 ? s > 0 : (s < 0 && r > 0) || (s > 0 && r < 0)) {
    // Step one ulp toward the exact value.
    const down = s < 0;
    if (b === 0 || b === (0x80000000 | 0)) b = down ? 0x80000001 | 0 : 1;
    else if (b > 0 === !down) b = (b + 1) | 0;
    else b = (b - 1) | 0;
    r = bitsf32(b);
  }
  return r;
}

/**
 * Round the finite value d (exact result ≈ d, sign(exact − d) = sign(e)) to
 * a binary32 result with OE/UE/PE and FTZ. Returns its bits.
 */
export function finish32(d: number, e: number): number {
  if (d !== d) {
    ex |= MX_IE;
    return QNAN32;
  }
  if (d === Infinity || d === -Infinity) return f32bits(d);
  const r = round24(d, e);
  const inexact = inx;
  if (Math.abs(d) > MAXF || r === Infinity || r === -Infinity) {
    const rs = round24(d * 2 ** -64, e);
    if (Math.abs(rs) > MAXF * 2 ** -64) return overflow32(d < 0);
  }
  if (Math.abs(r) < MINF && (d !== 0 || e !== 0)) {
    const rt = round24(d * 2 ** 64, e);
    if (Math.abs(rt) < MINF * 2 ** 64) {
      if (ftz && !ueUnmasked) {
        ex |= MX_UE | MX_PE;
        return d < 0 || (d === 0 && e < 0) ? 0x80000000 | 0 : 0;
      }
      if (inexact || ueUnmasked) ex |= MX_UE;
    }
  }
  if (inexact) ex |= MX_PE;
  return f32bits(r);
}

function overflow32(neg: boolean): number {
  ex |= MX_OE | MX_PE;
  // RC: nearest → ∞; down → +MAX / −∞; up → +∞ / −MAX; zero → ±MAX.
  const toInf = rc === 0 || (rc === 1 && neg) || (rc === 2 && !neg);
  const b = toInf ? 0x7f800000 : 0x7f7fffff;
  return neg ? b | 0x80000000 : b;
}

// ---- rounding to binary64 ----

const MIND = 2.2250738585072014e-308;

/** Finish a binary64 result d (nearest) with sign(exact − d) = e; result in rlo/rhi. */
export function finish64(d: number, e: number): void {
  if (d !== d) {
    ex |= MX_IE;
    setDBits(0, QNAN64_HI);
    return;
  }
  const inexact = e !== 0;
  if (d === Infinity || d === -Infinity) {
    if (!inexact) {
      setD(d);
      return;
    }
    const neg = d < 0;
    ex |= MX_OE | MX_PE;
    const toInf = rc === 0 || (rc === 1 && neg) || (rc === 2 && !neg);
    setD(toInf ? d : neg ? -Number.MAX_VALUE : Number.MAX_VALUE);
    return;
  }
  let r = d;
  if (inexact && rc !== 0) {
    const step = rc === 1 ? e < 0 : rc === 2 ? e > 0 : (e < 0 && r > 0) || (e > 0 && r < 0);
    if (step) {
      setD(r);
      let lo = rlo, hi = rhi;
      const down = e < 0;
      if (lo === 0 && (hi & 0x7fffffff) === 0) {
        hi = down ? 0x80000000 | 0 : 0;
        lo = 1;
      } else if (hi >= 0 === !down) {
        lo = (lo + 1) | 0;
        if (lo === 0) hi = (hi + 1) | 0;
      } else {
        if (lo === 0) hi = (hi - 1) | 0;
        lo = (lo - 1) | 0;
      }
      r = bitsf64(lo, hi);
      if (r === Infinity || r === -Infinity) {
        ex |= MX_OE | MX_PE;
        setD(r);
        return;
      }
    }
  }
  if (Math.abs(r) < MIND && (d !== 0 || inexact)) {
    if (ftz && !ueUnmasked) {
      ex |= MX_UE | MX_PE;
      setDBits(0, d < 0 || (d === 0 && e < 0) ? 0x80000000 | 0 : 0);
      return;
    }
    if (inexact || ueUnmasked) ex |= MX_UE;
  }
  if (inexact) ex |= MX_PE;
  setD(r);
}

// ---- the operations (finite, non-NaN operands; zero/inf cases included) ----

export const OP_ADD = 0;
export const OP_SUB = 1;
export const OP_MUL = 2;
export const OP_DIV = 3;
export const OP_MIN = 4;
export const OP_MAX = 5;
export const OP_SQRT = 6;

/** a op b on binary64 values (no NaN operands), rounded to binary64 → rlo/rhi; or to binary32 when `single` → returned bits. */
function arith(op: number, a: number, b: number, single: boolean): number {
  let d: number;
  let e = 0;
  switch (op) {
    case OP_ADD:
    case OP_SUB: {
      if (op === OP_SUB) b = -b;
      d = a + b;
      if (d === 0) {
        // An exact zero sum: −0 only for (−0)+(−0), or in round-down when the operands cancel (IEEE 754 §6.3).
        const bothZero = a === 0 && b === 0;
        if (bothZero && Object.is(a, -0) === Object.is(b, -0)) d = a;
        else d = rc === 1 ? -0 : 0;
      } else if (d - d === 0) e = sgn(twoSumErr(a, b, d));
      else if (a - a === 0 && b - b === 0) e = sgn(d); // overflow of finite operands
      break;
    }
    case OP_MUL:
      d = a * b;
      // binary32 products are exact in binary64.
      if (!single && a !== 0 && b !== 0 && a - a === 0 && b - b === 0) e = mulErr(a, b, d);
      break;
    case OP_DIV:
      if (b === 0 && a === a && a !== 0 && a - a === 0) ex |= MX_ZE;
      d = a / b;
      if (d !== d) break;
      if (a !== 0 && a - a === 0 && b !== 0 && b - b === 0) e = divErr(a, b, d);
      break;
    default: // OP_SQRT of b
      if (b < 0) {
        d = NaN;
        break;
      }
      d = Math.sqrt(b);
      if (b !== 0 && b - b === 0) e = sqrtErr(b, d);
      break;
  }
  if (single) return finish32(d, e);
  finish64(d, e);
  return 0;
}

/** Binary single op on bits (ADD SUB MUL DIV MIN MAX; SQRT uses only `b`). */
export function op32(op: number, a: number, b: number): number {
  // Fast path: normal operands, round to nearest, normal result. Only PE can arise.
  const ea = a & 0x7f800000, eb = b & 0x7f800000;
  if (op <= OP_DIV && rc === 0 && ea !== 0 && eb !== 0 && ea !== 0x7f800000 && eb !== 0x7f800000) {
    const av = bitsf32(a), bv = bitsf32(b);
    let r: number;
    let inexact: boolean;
    if (op === OP_MUL) {
      const d = av * bv; // exact in binary64
      r = Math.fround(d);
      inexact = r !== d;
    } else if (op === OP_DIV) {
      r = Math.fround(av / bv);
      inexact = r * bv !== av; // r·b is exact in binary64
    } else {
      const bb = op === OP_SUB ? -bv : bv;
      const d = av + bb;
      r = Math.fround(d);
      inexact = r !== d || twoSumErr(av, bb, d) !== 0;
    }
    const m = r < 0 ? -r : r;
    if (m >= MINF && m <= MAXF) {
      if (inexact) ex |= MX_PE;
      return f32bits(r);
    }
  }
  if (op === OP_SQRT) {
    if (isNaN32(b)) {
      if (isSNaN32(b)) ex |= MX_IE;
      return b | 0x400000;
    }
    // √(negative) is invalid before a denormal operand is reported (checked on hardware).
    b = b < 0 ? daz32(b) : src32(b);
    return arith(op, 0, bitsf32(b), true);
  }
  if (isNaN32(a) || isNaN32(b)) {
    if (op >= OP_MIN) {
      // MIN/MAX: any NaN is invalid and the second operand is returned as is.
      ex |= MX_IE;
      return daz32(b);
    }
    if (isSNaN32(a) || isSNaN32(b)) ex |= MX_IE;
    return isNaN32(a) ? a | 0x400000 : b | 0x400000;
  }
  // x/±0 reports ZE only, never DE for a denormal dividend (checked on hardware).
  a = op === OP_DIV && (b & 0x7fffffff) === 0 ? daz32(a) : src32(a);
  b = src32(b);
  if (op >= OP_MIN) {
    const av = bitsf32(a), bv = bitsf32(b);
    // The second operand unless the first is strictly smaller (larger): ±0 pairs return the second.
    return (op === OP_MIN ? av < bv : av > bv) ? a : b;
  }
  return arith(op, bitsf32(a), bitsf32(b), true);
}

/** Binary double op on bits; result in rlo/rhi. */
export function op64(op: number, alo: number, ahi: number, blo: number, bhi: number): void {
  // Fast path: normal operands of moderate size, round to nearest, normal result.
  const ea = ahi & 0x7ff00000, eb = bhi & 0x7ff00000;
  if (op <= OP_DIV && rc === 0 && ea !== 0 && eb !== 0 && ea !== 0x7ff00000 && eb !== 0x7ff00000) {
    const av = bitsf64(alo, ahi), bv = bitsf64(blo, bhi);
    if (inSafe(av) && inSafe(bv)) {
      let d: number;
      let e: number;
      if (op === OP_MUL) {
        d = av * bv;
        e = twoProdErr(av, bv, d);
      } else if (op === OP_DIV) {
        d = av / bv;
        // Exact iff a = d·b: d·b = p + pe exactly, and p − a is exact (Sterbenz).
        const p = d * bv;
        e = inSafe(d) ? twoProdErr(d, bv, p) + (p - av) : NaN;
      } else {
        const bb = op === OP_SUB ? -bv : bv;
        d = av + bb;
        e = twoSumErr(av, bb, d);
      }
      if (e === e && d !== 0 && (d < 0 ? -d : d) >= MIND) {
        if (e !== 0) ex |= MX_PE;
        setD(d);
        return;
      }
    }
  }
  if (op === OP_SQRT) {
    if (isNaN64(blo, bhi)) {
      if (isSNaN64(blo, bhi)) ex |= MX_IE;
      setDBits(blo, bhi | 0x80000);
      return;
    }
    if (bhi < 0) {
      blo = dazLo(blo, bhi);
      bhi = dazHi(bhi);
    } else {
      blo = src64(blo, bhi);
      bhi = srcHi;
    }
    arith(op, 0, bitsf64(blo, bhi), false);
    return;
  }
  const an = isNaN64(alo, ahi), bn = isNaN64(blo, bhi);
  if (an || bn) {
    if (op >= OP_MIN) {
      ex |= MX_IE;
      setDBits(dazLo(blo, bhi), dazHi(bhi));
      return;
    }
    if (isSNaN64(alo, ahi) || isSNaN64(blo, bhi)) ex |= MX_IE;
    if (an) setDBits(alo, ahi | 0x80000);
    else setDBits(blo, bhi | 0x80000);
    return;
  }
  if (op === OP_DIV && blo === 0 && (bhi & 0x7fffffff) === 0) {
    alo = dazLo(alo, ahi);
    ahi = dazHi(ahi);
  } else {
    alo = src64(alo, ahi);
    ahi = srcHi;
  }
  blo = src64(blo, bhi);
  bhi = srcHi;
  const av = bitsf64(alo, ahi), bv = bitsf64(blo, bhi);
  if (op >= OP_MIN) {
    if (op === OP_MIN ? av < bv : av > bv) setDBits(alo, ahi);
    else setDBits(blo, bhi);
    return;
  }
  arith(op, av, bv, false);
}

/**
 * Compare for CMPPS/CMPSS/CMPPD/CMPSD (predicate 0–7: EQ LT LE UNORD NEQ
 * NLT NLE ORD) and COMIS/UCOMIS. `unordered` / the relation come back as
 * -1 unordered, 0 equal, 1 a<b, 2 a>b. `signalQ`: a QNaN operand is
 * invalid too (LT LE NLT NLE, COMISS).
 */
export function cmp32(a: number, b: number, signalQ: boolean): number {
  if (isNaN32(a) || isNaN32(b)) {
    if (signalQ || isSNaN32(a) || isSNaN32(b)) ex |= MX_IE;
    return -1;
  }
  const av = bitsf32(src32(a)), bv = bitsf32(src32(b));
  return av === bv ? 0 : av < bv ? 1 : 2;
}

export function cmp64(alo: number, ahi: number, blo: number, bhi: number, signalQ: boolean): number {
  if (isNaN64(alo, ahi) || isNaN64(blo, bhi)) {
    if (signalQ || isSNaN64(alo, ahi) || isSNaN64(blo, bhi)) ex |= MX_IE;
    return -1;
  }
  alo = src64(alo, ahi);
  ahi = srcHi;
  blo = src64(blo, bhi);
  bhi = srcHi;
  const av = bitsf64(alo, ahi), bv = bitsf64(blo, bhi);
  return av === bv ? 0 : av < bv ? 1 : 2;
}

// ---- conversions ----

/** Round a binary64 value to an integer in the current RC mode (or toward zero). */
export function roundInt(v: number, trunc: boolean): number {
  const mode = trunc ? 3 : rc;
  if (mode === 3) return Math.trunc(v);
  if (mode === 1) return Math.floor(v);
  if (mode === 2) return Math.ceil(v);
  const f = Math.floor(v);
  const diff = v - f;
  if (diff < 0.5) return f;
  if (diff > 0.5) return f + 1;
  return f % 2 === 0 ? f : f + 1;
}

/** A finite-or-not binary64 value (not NaN-checked) to int32 with IE → 0x80000000 and PE. */
export function toInt32(v: number, trunc: boolean): number {
  if (v !== v) {
    ex |= MX_IE;
    return 0x80000000 | 0;
  }
  const r = roundInt(v, trunc);
  if (!(r >= -2147483648 && r <= 2147483647)) {
    ex |= MX_IE;
    return 0x80000000 | 0;
  }
  if (r !== v) ex |= MX_PE;
  return r | 0;
}

/** int32 → binary32 bits in the current rounding mode. */
export function intTo32(n: number): number {
  const r = round24(n, 0);
  if (inx) ex |= MX_PE;
  return f32bits(r);
}
