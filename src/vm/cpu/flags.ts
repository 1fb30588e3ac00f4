import { S_FLAGS, S_LAZY_A, S_LAZY_B, S_LAZY_OP, S_LAZY_RES } from '../mem/layout.js';

/**
 * Lazy arithmetic flags. An instruction that sets CF/PF/AF/ZF/SF/OF stores
 * its operation, operands and result (S_LAZY_*); the flags are computed only
 * when something reads them. S_LAZY_OP = 0 means S_FLAGS holds them all.
 *
 * Operation codes are (kind << 2) | size, size 0 = 8-bit, 1 = 16, 2 = 32.
 * Formulas: Intel SDM Vol. 1 §3.4.3 and each instruction's "Flags Affected".
 */
export const FL_CF = 0x1;
export const FL_PF = 0x4;
export const FL_AF = 0x10;
export const FL_ZF = 0x40;
export const FL_SF = 0x80;
export const FL_TF = 0x100;
export const FL_IF = 0x200;
export const FL_DF = 0x400;
export const FL_OF = 0x800;
export const FL_AC = 0x40000;
export const FL_ID = 0x200000;
export const FL_ARITH = FL_CF | FL_PF | FL_AF | FL_ZF | FL_SF | FL_OF;
/** Bits a user-mode POPF may change (IOPL is 0, so IF and IOPL are kept). */
export const FL_USER_WRITABLE = FL_ARITH | FL_TF | FL_DF | 0x4000 | FL_AC | FL_ID;

export const K_ADD = 1;
export const K_ADC = 2;
export const K_SUB = 3;
export const K_SBB = 4;
export const K_LOGIC = 5;
export const K_INC = 6;
export const K_DEC = 7;
export const K_SHL = 8;
export const K_SHR = 9;
export const K_SAR = 10;

/** size in bytes (1, 2, 4) → size index (0, 1, 2) */
export function sizeIndex(size: number): number {
  return size === 4 ? 2 : size - 1;
}

const PARITY = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  let p = 1;
  for (let b = i; b !== 0; b >>= 1) p ^= b & 1;
  PARITY[i] = p ? FL_PF : 0;
}

function msbShift(op: number): number {
  const sz = op & 3;
  return sz === 0 ? 7 : sz === 1 ? 15 : 31;
}

function sizeMask(op: number): number {
  const sz = op & 3;
  return sz === 0 ? 0xff : sz === 1 ? 0xffff : -1;
}

export function getCF(s: Int32Array): number {
  const op = s[S_LAZY_OP];
  if (op === 0) return s[S_FLAGS] & 1;
  const a = s[S_LAZY_A];
  const b = s[S_LAZY_B];
  const r = s[S_LAZY_RES];
  switch (op >> 2) {
    case K_ADD:
    case K_ADC:
      return (((a & b) | ((a | b) & ~r)) >>> msbShift(op)) & 1;
    case K_SUB:
    case K_SBB:
      return (((~a & b) | ((~a | b) & r)) >>> msbShift(op)) & 1;
    case K_LOGIC:
      return 0;
    case K_INC:
    case K_DEC:
      return s[S_FLAGS] & 1;
    case K_SHL: {
      const bits = msbShift(op) + 1;
      return b > bits ? 0 : ((a & sizeMask(op)) >>> (bits - b)) & 1;
    }
    case K_SHR:
      return b > 32 ? 0 : ((a & sizeMask(op)) >>> (b - 1)) & 1;
    case K_SAR: {
      const bits = msbShift(op) + 1;
      const sa = (a << (32 - bits)) >> (32 - bits);
      return (sa >> (b - 1 > 31 ? 31 : b - 1)) & 1;
    }
  }
  return 0;
}

export function getZF(s: Int32Array): number {
  if (s[S_LAZY_OP] === 0) return (s[S_FLAGS] >> 6) & 1;
  return (s[S_LAZY_RES] & sizeMask(s[S_LAZY_OP])) === 0 ? 1 : 0;
}

export function getSF(s: Int32Array): number {
  const op = s[S_LAZY_OP];
  if (op === 0) return (s[S_FLAGS] >> 7) & 1;
  return (s[S_LAZY_RES] >>> msbShift(op)) & 1;
}

export function getPF(s: Int32Array): number {
  if (s[S_LAZY_OP] === 0) return (s[S_FLAGS] >> 2) & 1;
  return PARITY[s[S_LAZY_RES] & 0xff] >> 2;
}

export function getAF(s: Int32Array): number {
  const op = s[S_LAZY_OP];
  if (op === 0) return (s[S_FLAGS] >> 4) & 1;
  switch (op >> 2) {
    case K_ADD:
    case K_ADC:
    case K_SUB:
    case K_SBB:
    case K_INC:
    case K_DEC:
      return ((s[S_LAZY_A] ^ s[S_LAZY_B] ^ s[S_LAZY_RES]) >> 4) & 1;
  }
  return 0;
}

export function getOF(s: Int32Array): number {
  const op = s[S_LAZY_OP];
  if (op === 0) return (s[S_FLAGS] >> 11) & 1;
  const a = s[S_LAZY_A];
  const b = s[S_LAZY_B];
  const r = s[S_LAZY_RES];
  const m = msbShift(op);
  switch (op >> 2) {
    case K_ADD:
    case K_ADC:
    case K_INC:
      return (((a ^ r) & (b ^ r)) >>> m) & 1;
    case K_SUB:
    case K_SBB:
    case K_DEC:
      return (((a ^ b) & (a ^ r)) >>> m) & 1;
    case K_SHL:
      // OF of the first 1-bit step (SDM defines it for count 1 only; Intel hardware uses this for every count).
      return ((a >>> m) ^ (a >>> (m - 1))) & 1;
    case K_SHR:
      return ((a & sizeMask(op)) >>> m) & 1;
  }
  return 0;
}

/** The whole EFLAGS value with the lazy bits computed. */
export function getFlags(s: Int32Array): number {
  const op = s[S_LAZY_OP];
  const f = s[S_FLAGS];
  if (op === 0) return f;
  const r = s[S_LAZY_RES];
  let v = (f & ~FL_ARITH) | getCF(s) | PARITY[r & 0xff] | (getAF(s) << 4) | (getOF(s) << 11);
  if ((r & sizeMask(op)) === 0) v |= FL_ZF;
  if ((r >>> msbShift(op)) & 1) v |= FL_SF;
  return v;
}

/** Fold the lazy state into S_FLAGS. */
export function materialize(s: Int32Array): void {
  if (s[S_LAZY_OP] !== 0) {
    s[S_FLAGS] = getFlags(s);
    s[S_LAZY_OP] = 0;
  }
}

export function setLazy(s: Int32Array, op: number, a: number, b: number, res: number): void {
  s[S_LAZY_OP] = op;
  s[S_LAZY_A] = a;
  s[S_LAZY_B] = b;
  s[S_LAZY_RES] = res;
}

/** INC/DEC keep CF: save the current CF in S_FLAGS before going lazy. */
export function setLazyIncDec(s: Int32Array, op: number, a: number, res: number): void {
  const cf = getCF(s);
  s[S_FLAGS] = (s[S_FLAGS] & ~FL_CF) | cf;
  s[S_LAZY_OP] = op;
  s[S_LAZY_A] = a;
  s[S_LAZY_B] = 1;
  s[S_LAZY_RES] = res;
}

/** Set (val=1) or clear (val=0) one arithmetic flag, materialising first. */
export function setFlagBit(s: Int32Array, bit: number, val: number): void {
  materialize(s);
  s[S_FLAGS] = val ? s[S_FLAGS] | bit : s[S_FLAGS] & ~bit;
}

/**
 * Evaluate condition code `cc` (the low nibble of Jcc/SETcc/CMOVcc).
 * After CMP/SUB and TEST/AND on 32-bit operands it avoids computing
 * individual flags.
 */
export function testCC(s: Int32Array, cc: number): boolean {
  const op = s[S_LAZY_OP];
  // After a 32-bit CMP/SUB or TEST/AND every condition follows from the operands or result.
  if (op === ((K_SUB << 2) | 2)) return subCond(cc, s[S_LAZY_A], s[S_LAZY_B]);
  if (op === ((K_LOGIC << 2) | 2)) return logicCond(cc, s[S_LAZY_RES]);
  let v: boolean;
  switch (cc >> 1) {
    case 0: v = getOF(s) !== 0; break;
    case 1: v = getCF(s) !== 0; break;
    case 2: v = getZF(s) !== 0; break;
    case 3: v = (getCF(s) | getZF(s)) !== 0; break;
    case 4: v = getSF(s) !== 0; break;
    case 5: v = getPF(s) !== 0; break;
    case 6: v = getSF(s) !== getOF(s); break;
    default: v = getZF(s) !== 0 || getSF(s) !== getOF(s); break;
  }
  return (cc & 1) !== 0 ? !v : v;
}

/** The condition `cc` (Jcc's low nibble) after a 32-bit SUB/CMP of a - b. */
export function subCond(cc: number, a: number, b: number): boolean {
  switch (cc) {
    case 0: return ((a ^ b) & (a ^ ((a - b) | 0))) < 0;
    case 1: return ((a ^ b) & (a ^ ((a - b) | 0))) >= 0;
    case 2: return a >>> 0 < b >>> 0;
    case 3: return a >>> 0 >= b >>> 0;
    case 4: return a === b;
    case 5: return a !== b;
    case 6: return a >>> 0 <= b >>> 0;
    case 7: return a >>> 0 > b >>> 0;
    case 8: return ((a - b) | 0) < 0;
    case 9: return ((a - b) | 0) >= 0;
    case 10: return parityEven(a - b);
    case 11: return !parityEven(a - b);
    case 12: return a < b;
    case 13: return a >= b;
    case 14: return a <= b;
    default: return a > b;
  }
}

/** The condition `cc` after a 32-bit TEST/AND with result r (CF = OF = 0). */
export function logicCond(cc: number, r: number): boolean {
  switch (cc) {
    case 0: case 2: return false;
    case 1: case 3: return true;
    case 4: case 6: return r === 0;
    case 5: case 7: return r !== 0;
    case 8: case 12: return r < 0;
    case 9: case 13: return r >= 0;
    case 10: return parityEven(r);
    case 11: return !parityEven(r);
    case 14: return r <= 0;
    default: return r > 0;
  }
}

/** PF: an even number of set bits in the low byte. */
function parityEven(r: number): boolean {
  let p = r & 0xff;
  p ^= p >> 4;
  p ^= p >> 2;
  p ^= p >> 1;
  return (p & 1) === 0;
}
