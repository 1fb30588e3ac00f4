import { S_FLAGS, S_LAZY_OP } from '../mem/layout.js';
import { FL_ARITH, FL_CF, FL_OF, FL_SF, FL_ZF, K_SAR, K_SHL, K_SHR, materialize, setLazy } from './flags.js';
import type { Cpu } from './cpu.js';
import type { Insn } from './insn.js';

/**
 * Shifts and rotates: group 2 (ROL ROR RCL RCR SHL SHR SAL SAR, `i.sub`) with
 * an immediate count (`i.imm`, 1 for D0/D1) or CL, and SHLD/SHRD.
 * Intel SDM Vol. 2B "RCL/RCR/ROL/ROR", "SAL/SAR/SHL/SHR", "SHLD", "SHRD".
 *
 * The count is masked to 5 bits; a masked count of 0 changes nothing (no
 * flags either). SHL/SHR/SAR and 32-bit SHLD go through the lazy flags
 * (K_SHL/K_SHR/K_SAR: a = operand, b = count, res = result); rotates change
 * only CF and OF, so they fold the lazy flags first.
 *
 * Where the SDM leaves a flag undefined we do what Intel hardware does
 * (measured on the native run in ops-shift.test.ts with WEBVM_REF_ALL=1):
 * - OF is that of the first 1-bit step, for every count: SHL/SHLD and RCL
 *   MSB^MSB-1 of the operand, SHR MSB, SAR 0, ROL MSB^MSB-1, ROR MSB^LSB,
 *   RCR MSB^CF, SHRD MSB(dest)^LSB(src);
 * - except that ROL/ROR with an imm8 count other than 1 leave OF unchanged
 *   (they write CF only), and RCL/RCR whose 8/16-bit count is a multiple of
 *   9/17 change neither CF nor OF;
 * - AF is cleared by SHL/SHR/SAR/SHLD/SHRD (nonzero count);
 * - 16-bit SHLD/SHRD with a count above 16 shift the pattern dest:src:dest.
 */
const ROL = 0;
const ROR = 1;
const RCL = 2;
const RCR = 3;
const SHR = 5;
const SAR = 7;
// 4 SHL and 6 SAL are the same operation (the default case).

const OP_SHL32 = (K_SHL << 2) | 2;
const OP_SHR32 = (K_SHR << 2) | 2;
const OP_SAR32 = (K_SAR << 2) | 2;

/** PF for the low byte of v: 1 if it has an even number of set bits. */
function parity(v: number): number {
  return (0x9669 >> ((v ^ (v >>> 4)) & 0xf)) & 1;
}

/**
 * Set all six arithmetic flags directly: CF and OF as given, SF ZF PF from
 * the `size`-byte result, AF clear. Nothing of the previous lazy state is
 * kept, so there is no need to fold it first.
 */
function setShiftFlags(s: Int32Array, size: number, r: number, cf: number, of: number): void {
  const msb = size === 4 ? 31 : size === 2 ? 15 : 7;
  const m = size === 4 ? -1 : size === 2 ? 0xffff : 0xff;
  let f = (s[S_FLAGS] & ~FL_ARITH) | cf | (of << 11) | (parity(r) << 2);
  if ((r & m) === 0) f |= FL_ZF;
  if ((r >>> msb) & 1) f |= FL_SF;
  s[S_FLAGS] = f;
  s[S_LAZY_OP] = 0;
}

/**
 * Apply group-2 operation `kind` to the `size`-byte value `a` (zero-extended
 * for 8/16 bits) with masked count `n` (1–31); sets the flags, returns the
 * result. `immForm`: the count came from an imm8 (C0/C1), which matters only
 * for the undefined OF of ROL/ROR (see the file comment).
 */
function shiftValue(s: Int32Array, kind: number, size: number, a: number, n: number, immForm: boolean): number {
  const bits = size << 3;
  const top = bits - 1;
  const z = size === 4 ? 2 : size - 1;
  switch (kind) {
    case ROL: {
      // Count taken modulo the width; CF is still updated when that is 0.
      const c = n & top;
      let r = a;
      if (c !== 0) r = size === 4 ? (a << c) | (a >>> (32 - c)) : ((a << c) | (a >>> (bits - c))) & ((1 << bits) - 1);
      materialize(s);
      const keep = immForm && n !== 1 ? s[S_FLAGS] & FL_OF : (((a >>> top) ^ (a >>> (top - 1))) & 1) << 11;
      s[S_FLAGS] = (s[S_FLAGS] & ~(FL_CF | FL_OF)) | (r & 1) | keep;
      return r;
    }
    case ROR: {
      const c = n & top;
      let r = a;
      if (c !== 0) r = size === 4 ? (a >>> c) | (a << (32 - c)) : ((a >>> c) | (a << (bits - c))) & ((1 << bits) - 1);
      materialize(s);
      const keep = immForm && n !== 1 ? s[S_FLAGS] & FL_OF : ((a ^ (a >>> top)) & 1) << 11;
      s[S_FLAGS] = (s[S_FLAGS] & ~(FL_CF | FL_OF)) | ((r >>> top) & 1) | keep;
      return r;
    }
    case RCL: {
      // Rotate the (bits+1)-bit quantity CF:a; 8/16-bit counts are taken mod 9/17,
      // and an effective count of 0 leaves CF and OF alone.
      materialize(s);
      const cfIn = s[S_FLAGS] & 1;
      let r: number;
      let cf: number;
      if (size === 4) {
        r = n === 1 ? (a << 1) | cfIn : (a << n) | (cfIn << (n - 1)) | (a >>> (33 - n));
        cf = (a >>> (32 - n)) & 1;
      } else {
        const c = n % (bits + 1);
        if (c === 0) return a;
        const x = (cfIn << bits) | a;
        const v = ((x << c) | (x >>> (bits + 1 - c))) & ((2 << bits) - 1);
        r = v & ((1 << bits) - 1);
        cf = v >>> bits;
      }
      const of = ((a >>> top) ^ (a >>> (top - 1))) & 1;
      s[S_FLAGS] = (s[S_FLAGS] & ~(FL_CF | FL_OF)) | cf | (of << 11);
      return r;
    }
    case RCR: {
      materialize(s);
      const cfIn = s[S_FLAGS] & 1;
      let r: number;
      let cf: number;
      if (size === 4) {
        r = n === 1 ? (a >>> 1) | (cfIn << 31) : (a >>> n) | (cfIn << (32 - n)) | (a << (33 - n));
        cf = (a >>> (n - 1)) & 1;
      } else {
        const c = n % (bits + 1);
        if (c === 0) return a;
        const x = (cfIn << bits) | a;
        const v = ((x >>> c) | (x << (bits + 1 - c))) & ((2 << bits) - 1);
        r = v & ((1 << bits) - 1);
        cf = v >>> bits;
      }
      // SDM: OF = MSB(dest) XOR CF, taken before rotating.
      const of = ((a >>> top) & 1) ^ cfIn;
      s[S_FLAGS] = (s[S_FLAGS] & ~(FL_CF | FL_OF)) | cf | (of << 11);
      return r;
    }
    case SHR: {
      const r = (a >>> n) | 0;
      setLazy(s, (K_SHR << 2) | z, a, n, r);
      return r;
    }
    case SAR: {
      const sa = size === 4 ? a : size === 2 ? (a << 16) >> 16 : (a << 24) >> 24;
      const r = sa >> n;
      setLazy(s, (K_SAR << 2) | z, sa, n, r);
      return r;
    }
    default: {
      const r = a << n;
      setLazy(s, (K_SHL << 2) | z, a, n, r);
      return r;
    }
  }
}

function shift(cpu: Cpu, i: Insn, n: number, immForm: boolean): void {
  const size = i.size;
  if (i.mod === 3) {
    if (n === 0) return;
    if (size === 4) {
      // 32-bit register SHL/SHR/SAR: the forms compiled code uses.
      const s = cpu.s;
      const a = s[i.rm];
      const kind = i.sub;
      if (kind === SHR) {
        const r = (a >>> n) | 0;
        s[i.rm] = r;
        setLazy(s, OP_SHR32, a, n, r);
        return;
      }
      if (kind === SAR) {
        const r = a >> n;
        s[i.rm] = r;
        setLazy(s, OP_SAR32, a, n, r);
        return;
      }
      if (kind === 4 || kind === 6) {
        const r = a << n;
        s[i.rm] = r;
        setLazy(s, OP_SHL32, a, n, r);
        return;
      }
    }
    cpu.setReg(i.rm, size, shiftValue(cpu.s, i.sub, size, cpu.getReg(i.rm, size), n, immForm));
  } else {
    // Hardware checks the write access even for a zero count (a read-only operand faults).
    const addr = cpu.ea(i);
    cpu.probeWrite(addr, size);
    if (n === 0) return;
    cpu.wr(addr, size, shiftValue(cpu.s, i.sub, size, cpu.rd(addr, size), n, immForm));
  }
}

/** C0 C1 (count imm8) and D0 D1 (count 1) */
export function shiftEI(cpu: Cpu, i: Insn): void {
  shift(cpu, i, i.imm & 31, true);
}

/** D2 D3: count CL */
export function shiftECL(cpu: Cpu, i: Insn): void {
  shift(cpu, i, cpu.s[1] & 31, false);
}

/**
 * SHLD dest, src, n (n = 1–31). A 16-bit count above 16 is undefined in the
 * SDM; Intel hardware shifts the 48-bit pattern dest:src:dest, and so do we.
 */
function shldValue(s: Int32Array, size: number, d: number, src: number, n: number): number {
  if (size === 4) {
    const r = (d << n) | (src >>> (32 - n));
    // CF = bit 32-n of d, OF = first-step sign change: exactly K_SHL's formulas.
    setLazy(s, OP_SHL32, d, n, r);
    return r;
  }
  let r: number;
  let cf: number;
  if (n <= 16) {
    r = ((d << n) | (src >>> (16 - n))) & 0xffff;
    cf = (d >>> (16 - n)) & 1;
  } else {
    const x = (src << 16) | d; // bits 31..0 of dest:src:dest
    r = (x >>> (32 - n)) & 0xffff;
    cf = (x >>> (48 - n)) & 1;
  }
  setShiftFlags(s, 2, r, cf, ((d >>> 15) ^ (d >>> 14)) & 1);
  return r;
}

/** SHRD dest, src, n (n = 1–31); 16-bit counts above 16 shift dest:src:dest like SHLD. */
function shrdValue(s: Int32Array, size: number, d: number, src: number, n: number): number {
  let r: number;
  let cf: number;
  let msb: number;
  if (size === 4) {
    r = (d >>> n) | (src << (32 - n));
    cf = (d >>> (n - 1)) & 1;
    msb = 31;
  } else {
    if (n <= 16) {
      const x = (src << 16) | d;
      r = (x >>> n) & 0xffff;
      cf = (x >>> (n - 1)) & 1;
    } else {
      const y = (d << 16) | src; // bits 47..16 of dest:src:dest
      r = (y >>> (n - 16)) & 0xffff;
      cf = (y >>> (n - 17)) & 1;
    }
    msb = 15;
  }
  // OF (defined for n = 1) = sign change = MSB(dest) XOR LSB(src); Intel uses this for every n.
  setShiftFlags(s, size, r, cf, ((d >>> msb) ^ src) & 1);
  return r;
}

function shld(cpu: Cpu, i: Insn, n: number, right: boolean): void {
  const size = i.size;
  const src = cpu.getReg(i.reg, size);
  if (i.mod === 3) {
    if (n === 0) return;
    const d = cpu.getReg(i.rm, size);
    cpu.setReg(i.rm, size, right ? shrdValue(cpu.s, size, d, src, n) : shldValue(cpu.s, size, d, src, n));
  } else {
    const addr = cpu.ea(i);
    cpu.probeWrite(addr, size);
    if (n === 0) return;
    const d = cpu.rd(addr, size);
    cpu.wr(addr, size, right ? shrdValue(cpu.s, size, d, src, n) : shldValue(cpu.s, size, d, src, n));
  }
}

/** 0F A4: SHLD E, G, imm8 */
export function shldI(cpu: Cpu, i: Insn): void {
  shld(cpu, i, i.imm & 31, false);
}

/** 0F A5: SHLD E, G, CL */
export function shldCL(cpu: Cpu, i: Insn): void {
  shld(cpu, i, cpu.s[1] & 31, false);
}

/** 0F AC: SHRD E, G, imm8 */
export function shrdI(cpu: Cpu, i: Insn): void {
  shld(cpu, i, i.imm & 31, true);
}

/** 0F AD: SHRD E, G, CL */
export function shrdCL(cpu: Cpu, i: Insn): void {
  shld(cpu, i, cpu.s[1] & 31, true);
}
