import type { Cpu } from './cpu.js';
import type { Insn } from './insn.js';
import { FMT_M32, FMT_M64, LOADED_DENORMAL, isSNaN, loadScratch } from './x87-arith.js';
import { rdF64, wr64, wr80 } from './x87-mem.js';
import {
  C1, DE, ES, F64I, F_FLAGS, IE, INEXACT, MAXD, MINNORM, PE, R_HI, R_LO, R_SE, RAW, ROUNDED_UP, SCRATCH, SF32, SF32I,
  X_FSW, X_RC, X_TOP, X_VALID, checkPending, copySlot, pending, pop, pushSlot, raise, round80, set80, setC1, to80,
  underflow,
} from './x87-state.js';

/**
 * Loads and stores: FLD/FST/FSTP m32 m64 m80 and ST(i), FILD/FIST/FISTP/
 * FISTTP m16 m32 m64, FBLD/FBSTP, the constants. SDM Vol. 2 FLD, FST, FILD,
 * FIST, FISTTP, FBLD, FBSTP, FLD1…; special cases Vol. 1 §4.9 and §8.5.
 */

// ---- FLD ----

export function fldM64(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  if ((s[X_FSW] & ES) !== 0) pending(cpu);
  const v = rdF64(cpu, cpu.ea(i));
  const av = Math.abs(v);
  const p = (s[X_TOP] - 1) & 7;
  if (!(av <= MAXD) || (av < MINNORM && v !== 0) || ((s[X_VALID] >> p) & 1) !== 0) return fldMemSlow(cpu, i, FMT_M64);
  s[X_TOP] = p;
  s[X_VALID] |= 1 << p;
  cpu.fpr[p] = v;
  s[RAW + 4 * p + 3] = 0;
}

export function fldM32(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  if ((s[X_FSW] & ES) !== 0) pending(cpu);
  const b = cpu.rd32(cpu.ea(i));
  const ex = b & 0x7f800000;
  const p = (s[X_TOP] - 1) & 7;
  if (ex === 0x7f800000 || (ex === 0 && (b & 0x7fffff) !== 0) || ((s[X_VALID] >> p) & 1) !== 0) return fldMemSlow(cpu, i, FMT_M32);
  SF32I[0] = b;
  s[X_TOP] = p;
  s[X_VALID] |= 1 << p;
  cpu.fpr[p] = SF32[0];
  s[RAW + 4 * p + 3] = 0;
}

function fldMemSlow(cpu: Cpu, i: Insn, fmt: number): void {
  const s = cpu.s;
  checkPending(s);
  loadScratch(cpu, cpu.ea(i), fmt);
  const f = cpu.fpr;
  const y = f[SCRATCH];
  if (y !== y && isSNaN(s, SCRATCH)) {
    if (raise(s, IE)) return;
    s[F64I + 2 * SCRATCH + 1] |= 0x80000; // quiet it
  } else if (LOADED_DENORMAL) {
    if (raise(s, DE)) return;
  }
  const p = pushSlot(s);
  if (p < 0) return;
  copySlot(f, s, SCRATCH, p);
}

export function fldM80(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  checkPending(s);
  const a = cpu.ea(i);
  const lo = cpu.rd32(a);
  const hi = cpu.rd32((a + 4) | 0);
  const se = cpu.rd16((a + 8) | 0);
  const p = pushSlot(s);
  if (p < 0) return;
  set80(cpu.fpr, s, p, lo, hi, se);
}

/** FLD ST(i): push a copy (read before the push). */
export function fldST(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  if ((s[X_FSW] & ES) !== 0) pending(cpu);
  const top = s[X_TOP];
  const q = (top + i.rm) & 7;
  const p0 = (top - 1) & 7;
  const v = s[X_VALID];
  if (((v >> q) & 1) !== 0 && ((v >> p0) & 1) === 0 && s[RAW + 4 * q + 3] === 0) {
    s[F64I + 2 * p0] = s[F64I + 2 * q];
    s[F64I + 2 * p0 + 1] = s[F64I + 2 * q + 1];
    s[RAW + 4 * p0 + 3] = 0;
    s[X_TOP] = p0;
    s[X_VALID] = v | (1 << p0);
    return;
  }
  if (((s[X_VALID] >> q) & 1) === 0) {
    if (underflow(s)) return;
    const p = pushSlot(s);
    if (p >= 0) setIndef(s, p);
    return;
  }
  const p = (s[X_TOP] - 1) & 7;
  if (((s[X_VALID] >> p) & 1) === 0) {
    copySlot(cpu.fpr, s, q, p);
    s[X_TOP] = p;
    s[X_VALID] |= 1 << p;
    return;
  }
  pushSlot(s); // overflow
}

function setIndef(s: Int32Array, p: number): void {
  s[F64I + 2 * p] = 0;
  s[F64I + 2 * p + 1] = 0xfff80000 | 0;
  s[RAW + 4 * p + 3] = 0;
}

// ---- FILD ----

export function fildI32(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  if ((s[X_FSW] & ES) !== 0) pending(cpu);
  const v = cpu.rd32(cpu.ea(i));
  const p = pushSlot(s);
  if (p < 0) return;
  cpu.fpr[p] = v;
  s[RAW + 4 * p + 3] = 0;
}

export function fildI16(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  if ((s[X_FSW] & ES) !== 0) pending(cpu);
  const v = (cpu.rd16(cpu.ea(i)) << 16) >> 16;
  const p = pushSlot(s);
  if (p < 0) return;
  cpu.fpr[p] = v;
  s[RAW + 4 * p + 3] = 0;
}

export function fildI64(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  if ((s[X_FSW] & ES) !== 0) pending(cpu);
  const a = cpu.ea(i);
  const lo = cpu.rd32(a);
  const hi = cpu.rd32((a + 4) | 0);
  const p = pushSlot(s);
  if (p < 0) return;
  const v = hi * 4294967296 + (lo >>> 0);
  if (Math.abs(v) <= 9007199254740992) {
    cpu.fpr[p] = v;
    s[RAW + 4 * p + 3] = 0;
    return;
  }
  // More than 53 significant bits possible: keep the exact 80-bit image.
  let mh = hi >>> 0;
  let ml = lo >>> 0;
  let sign = 0;
  if (hi < 0) {
    sign = 0x8000;
    ml = (~ml + 1) >>> 0;
    mh = (~mh + (ml === 0 ? 1 : 0)) >>> 0;
  }
  let ex = 16383 + 63;
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
  set80(cpu.fpr, s, p, ml | 0, mh | 0, sign | ex);
}

// ---- FST / FSTP ----

/** FST/FSTP m64 (i.sub = 1: pop). */
export function fstM64(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  if ((s[X_FSW] & ES) !== 0) pending(cpu);
  const p = s[X_TOP];
  if (((s[X_VALID] >> p) & 1) === 0 || s[RAW + 4 * p + 3] !== 0) return fstSlow(cpu, i, 8);
  wr64(cpu, cpu.ea(i), s[F64I + 2 * p], s[F64I + 2 * p + 1]);
  if (i.sub !== 0) {
    s[X_VALID] &= ~(1 << p);
    s[X_TOP] = (p + 1) & 7;
  }
}

const FLT_MIN = 1.1754943508222875e-38;
const FLT_MAX = 3.4028234663852886e38;

/** FST/FSTP m32 (i.sub = 1: pop). */
export function fstM32(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  if ((s[X_FSW] & ES) !== 0) pending(cpu);
  const p = s[X_TOP];
  if (((s[X_VALID] >> p) & 1) === 0 || s[RAW + 4 * p + 3] !== 0 || s[X_RC] !== 0) return fstSlow(cpu, i, 4);
  const v = cpu.fpr[p];
  SF32[0] = v;
  const r = SF32[0];
  if (r !== v) {
    const ar = Math.abs(r);
    if (!(ar >= FLT_MIN && ar <= FLT_MAX) || (s[X_FSW] & PE) === 0) return fstSlow(cpu, i, 4);
    s[X_FSW] = Math.abs(r) > Math.abs(v) ? s[X_FSW] | C1 : s[X_FSW] & ~C1;
  }
  cpu.wr32(cpu.ea(i), SF32I[0]);
  if (i.sub !== 0) {
    s[X_VALID] &= ~(1 << p);
    s[X_TOP] = (p + 1) & 7;
  }
}

/** The general store to m32/m64/m80 (size 4, 8, 10) with every special case. */
export function fstSlow(cpu: Cpu, i: Insn, size: number): void {
  const s = cpu.s;
  checkPending(s);
  const a = cpu.ea(i);
  const p = s[X_TOP];
  let lo = 0, hi = 0, se = 0;
  if (((s[X_VALID] >> p) & 1) === 0) {
    if (underflow(s)) return;
    // Masked: store the indefinite.
    if (size === 4) lo = 0xffc00000 | 0;
    else if (size === 8) hi = 0xfff80000 | 0;
    else { hi = 0xc0000000 | 0; se = 0xffff; }
  } else {
    to80(s, p);
    lo = R_LO; hi = R_HI; se = R_SE;
    if (size !== 10) {
      const rc = s[X_RC];
      const v = size === 4 ? round80(lo, hi, se, rc, 24, -126, FLT_MAX) : round80(lo, hi, se, rc, 53, -1022, MAXD);
      let flags = F_FLAGS;
      const inexact = INEXACT, up = ROUNDED_UP;
      if (v !== v) {
        // NaN: truncate the payload, set the quiet bit.
        if (size === 4) lo = (se & 0x8000 ? 0xffc00000 : 0x7fc00000) | ((hi >>> 8) & 0x3fffff);
        else {
          const l2 = (hi << 21) | (lo >>> 11);
          hi = (se & 0x8000 ? 0xfff80000 : 0x7ff80000) | ((hi >>> 11) & 0xfffff);
          lo = l2;
        }
        if ((se & 0x7fff) !== 0x7fff || (R_HI & 0x80000000) === 0) {
          // unsupported encoding → indefinite
          if (size === 4) lo = 0xffc00000 | 0;
          else { hi = 0xfff80000 | 0; lo = 0; }
        }
      } else if (size === 4) {
        SF32[0] = v;
        lo = SF32I[0];
      } else {
        SI64[0] = v;
        lo = SI64I[0];
        hi = SI64I[1];
      }
      if (!inexact) flags &= ~(PE | 0x10);
      s[X_FSW] = up ? s[X_FSW] | C1 : s[X_FSW] & ~C1;
      if (flags !== 0 && raise(s, flags) && (flags & (IE | 0x8 | 0x10)) !== 0) return;
    }
  }
  if (size === 4) cpu.wr32(a, lo);
  else if (size === 8) wr64(cpu, a, lo, hi);
  else wr80(cpu, a, lo, hi, se);
  if (i.sub !== 0) pop(s);
}

const SI64 = new Float64Array(1);
const SI64I = new Int32Array(SI64.buffer);

/** FSTP m80 (always pops). */
export function fstpM80(cpu: Cpu, i: Insn): void {
  fstSlow(cpu, i, 10);
}

/** FST/FSTP ST(i) (i.sub = 1: pop). */
export function fstST(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  checkPending(s);
  const p = s[X_TOP];
  const q = (p + i.rm) & 7;
  if (((s[X_VALID] >> p) & 1) === 0) {
    if (underflow(s)) return;
    setIndef(s, q);
  } else copySlot(cpu.fpr, s, p, q);
  s[X_VALID] |= 1 << q;
  if (i.sub !== 0) pop(s);
}

// ---- FIST / FISTP / FISTTP ----

/** Round v to an integer under rc (0 nearest-even, 1 down, 2 up, 3 toward zero). */
export function roundInt(v: number, rc: number): number {
  switch (rc) {
    case 0: {
      if (!(Math.abs(v) < 4503599627370496)) return v;
      const r = v >= 0 ? v + 4503599627370496 - 4503599627370496 : -(-v + 4503599627370496 - 4503599627370496);
      return r === 0 ? (v < 0 || Object.is(v, -0) ? -0 : 0) : r;
    }
    case 1: return Math.floor(v);
    case 2: return Math.ceil(v);
    default: return Math.trunc(v);
  }
}

const INT_MIN = [0, 0, -32768, 0, -2147483648];
const INT_MAX = [0, 0, 32767, 0, 2147483647];

/**
 * FIST/FISTP/FISTTP m16/m32/m64: i.size is the integer size (2, 4, 8),
 * i.sub bit 0 = pop, bit 1 = truncate (FISTTP).
 */
export function fist(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  if ((s[X_FSW] & ES) !== 0) pending(cpu);
  const a = cpu.ea(i);
  const p = s[X_TOP];
  const size = i.size;
  const rc = (i.sub & 2) !== 0 ? 3 : s[X_RC];
  let lo = 0, hi = 0;
  let ok = true;
  if (((s[X_VALID] >> p) & 1) === 0) {
    if (underflow(s)) return;
    ok = false;
  } else if (s[RAW + 4 * p + 3] !== 0 && size === 8) {
    // Exact 64-bit conversion from the 80-bit image.
    to80(s, p);
    const r = int64From80(R_LO, R_HI, R_SE, rc);
    if (r === null) ok = false;
    else {
      lo = Number(BigInt.asIntN(32, r));
      hi = Number(BigInt.asIntN(32, r >> 32n));
      s[X_FSW] = R_UP ? s[X_FSW] | C1 : s[X_FSW] & ~C1;
      if (R_INEXACT) raise(s, PE);
    }
  } else {
    const v = cpu.fpr[p];
    const r = roundInt(v, rc);
    if (size === 8) ok = r >= -9223372036854775808 && r < 9223372036854775808;
    else ok = r >= INT_MIN[size] && r <= INT_MAX[size];
    if (ok) {
      if (r !== v) {
        s[X_FSW] = Math.abs(r) > Math.abs(v) ? s[X_FSW] | C1 : s[X_FSW] & ~C1;
        if ((s[X_FSW] & PE) === 0 || (s[X_FSW] & ES) === 0) raise(s, PE);
      } else s[X_FSW] &= ~C1;
      if (size === 8) {
        const h = Math.floor(r / 4294967296);
        lo = (r - h * 4294967296) | 0;
        hi = h | 0;
      } else lo = r | 0;
    }
  }
  if (!ok) {
    if (raise(s, IE)) return;
    // Integer indefinite.
    lo = size === 2 ? 0x8000 : size === 4 ? 0x80000000 | 0 : 0;
    hi = 0x80000000 | 0;
  }
  if (size === 2) cpu.wr16(a, lo);
  else if (size === 4) cpu.wr32(a, lo);
  else wr64(cpu, a, lo, hi);
  if ((i.sub & 1) !== 0) pop(s);
}

let R_UP = false;
let R_INEXACT = false;

/** Exact int64 of an 80-bit value under rc, or null when out of range / NaN. */
function int64From80(lo: number, hi: number, se: number, rc: number): bigint | null {
  R_UP = false;
  R_INEXACT = false;
  const ex = se & 0x7fff;
  if (ex === 0x7fff) return null;
  const neg = (se & 0x8000) !== 0;
  const m = (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
  if (m === 0n) return 0n;
  const e = (ex === 0 ? 1 : ex) - 16383 - 63; // value = m * 2^e
  let q: bigint;
  let rem = 0n;
  let half = 0n;
  if (e >= 0) {
    if (e > 1) return null;
    q = m << BigInt(e);
  } else {
    const sh = BigInt(-e);
    q = -e >= 128 ? 0n : m >> sh;
    rem = -e >= 128 ? m : m - (q << sh);
    half = 1n << (sh - 1n);
  }
  if (rem !== 0n) {
    R_INEXACT = true;
    let up = false;
    if (rc === 0) up = rem > half || (rem === half && (q & 1n) === 1n);
    else if (rc === 1) up = neg;
    else if (rc === 2) up = !neg;
    if (up) q += 1n;
    R_UP = up;
  }
  const r = neg ? -q : q;
  if (r < -(1n << 63n) || r >= 1n << 63n) return null;
  return r;
}

// ---- BCD ----

/** FBLD m80: 18 packed BCD digits and a sign byte. */
export function fbld(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  checkPending(s);
  const a = cpu.ea(i);
  let v = 0n;
  for (let k = 8; k >= 0; k--) {
    const b = cpu.rd8((a + k) | 0);
    v = v * 100n + BigInt((b >> 4) * 10 + (b & 15));
  }
  const neg = (cpu.rd8((a + 9) | 0) & 0x80) !== 0;
  const p = pushSlot(s);
  if (p < 0) return;
  if (v === 0n) {
    cpu.fpr[p] = neg ? -0 : 0;
    s[RAW + 4 * p + 3] = 0;
    return;
  }
  let ex = 16383 + 63;
  let m = v;
  while ((m & (1n << 63n)) === 0n) {
    m <<= 1n;
    ex--;
  }
  set80(cpu.fpr, s, p, Number(BigInt.asIntN(32, m)), Number(BigInt.asIntN(32, m >> 32n)), (neg ? 0x8000 : 0) | ex);
}

/** FBSTP m80: round under RC, store 18 BCD digits, pop. */
export function fbstp(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  checkPending(s);
  const a = cpu.ea(i);
  const p = s[X_TOP];
  const bytes = new Uint8Array(10);
  let ok = true;
  if (((s[X_VALID] >> p) & 1) === 0) {
    if (underflow(s)) return;
    ok = false;
  } else {
    to80(s, p);
    const r = int64From80(R_LO, R_HI, R_SE, s[X_RC]);
    const neg = (R_SE & 0x8000) !== 0;
    if (r === null || r >= 1000000000000000000n || r <= -1000000000000000000n) ok = false;
    else {
      if (R_INEXACT) {
        setC1(s, R_UP ? 1 : 0);
        raise(s, PE);
      }
      let m = r < 0n ? -r : r;
      for (let k = 0; k < 9; k++) {
        const d = Number(m % 100n);
        m /= 100n;
        bytes[k] = ((d / 10) << 4) | d % 10;
      }
      bytes[9] = neg ? 0x80 : 0;
    }
  }
  if (!ok) {
    if (raise(s, IE)) return;
    bytes.fill(0);
    bytes[7] = 0xc0;
    bytes[8] = 0xff;
    bytes[9] = 0xff;
  }
  cpu.probeWrite(a, 10);
  for (let k = 0; k < 10; k++) cpu.wr8((a + k) | 0, bytes[k]);
  pop(s);
}

// ---- constants ----

/**
 * FLD1 FLDL2T FLDL2E FLDPI FLDLG2 FLDLN2 FLDZ (D9 E8–EE, i.sub = 0–6).
 * The 80-bit constants are the infinitely precise value truncated to 64
 * bits plus whether the rest is above half, so RC can round them (SDM Vol. 1 §8.3.8).
 */
const K_HI = [0x80000000, 0xd49a784b, 0xb8aa3b29, 0xc90fdaa2, 0x9a209a84, 0xb17217f7, 0];
const K_LO = [0, 0xcd1b8afe, 0x5c17f0bb, 0x2168c234, 0xfbcff798, 0xd1cf79ab, 0];
const K_EXP = [16383, 16384, 16383, 16384, 16381, 16382, 0];
/** 0 exact, 1 remainder below half, 2 above half. */
const K_REST = [0, 1, 2, 2, 2, 2, 0];

export function fldConst(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  checkPending(s);
  const k = i.sub;
  const p = pushSlot(s);
  if (p < 0) return;
  const rest = K_REST[k];
  let lo = K_LO[k];
  if (rest !== 0) {
    const rc = s[X_RC];
    if ((rc === 0 && rest === 2) || rc === 2) lo = (lo + 1) >>> 0;
  }
  set80(cpu.fpr, s, p, lo | 0, K_HI[k] | 0, K_EXP[k]);
  if (k === 0 || k === 6) s[RAW + 4 * p + 3] = 0;
  s[X_FSW] &= ~C1;
}
