import { CpuFault, Vector } from '../mem/fault.js';
import { S_FLAGS, S_LAZY_OP } from '../mem/layout.js';
import { FL_ARITH, getAF, getCF } from './flags.js';
import type { Cpu } from './cpu.js';
import type { Insn } from './insn.js';

/**
 * Decimal adjust: DAA DAS AAA AAS AAM AAD, and the undocumented SALC.
 * Intel SDM Vol. 2A, each instruction's "Operation". All are rare, so they
 * write every arithmetic flag directly instead of going lazy.
 *
 * Undefined flags follow Intel hardware (measured natively over every AL,
 * AF and CF, see ops-bcd.test.ts): OF is cleared by DAA DAS AAA AAS AAM;
 * AAA/AAS set SF ZF PF from the final AL; AAM clears CF AF OF; AAD sets
 * CF AF OF as the 8-bit ADD AL, AH*base it performs.
 */

/** Write all six arithmetic flags: CF AF OF as given (0/1), SF ZF PF from the byte `al`. */
function setFlagsAL(s: Int32Array, al: number, cf: number, af: number, of: number): void {
  s[S_FLAGS] =
    (s[S_FLAGS] & ~FL_ARITH) |
    cf |
    (((0x9669 >> ((al ^ (al >>> 4)) & 0xf)) & 1) << 2) |
    (af << 4) |
    ((al & 0xff) === 0 ? 0x40 : 0) |
    (al & 0x80) |
    (of << 11);
  s[S_LAZY_OP] = 0;
}

/** 27: DAA */
export function daa(cpu: Cpu, _i: Insn): void {
  const s = cpu.s;
  const oldAl = s[0] & 0xff;
  const oldCf = getCF(s);
  let al = oldAl;
  let af = 0;
  if ((al & 0xf) > 9 || getAF(s) !== 0) {
    al = (al + 6) & 0xff;
    af = 1;
  }
  // The first step's carry is always overwritten by the second (SDM: ELSE CF ← 0).
  let cf = 0;
  if (oldAl > 0x99 || oldCf !== 0) {
    al = (al + 0x60) & 0xff;
    cf = 1;
  }
  s[0] = (s[0] & ~0xff) | al;
  setFlagsAL(s, al, cf, af, 0);
}

/** 2F: DAS */
export function das(cpu: Cpu, _i: Insn): void {
  const s = cpu.s;
  const oldAl = s[0] & 0xff;
  const oldCf = getCF(s);
  let al = oldAl;
  let af = 0;
  let cf = 0;
  if ((al & 0xf) > 9 || getAF(s) !== 0) {
    cf = oldCf | (al < 6 ? 1 : 0);
    al = (al - 6) & 0xff;
    af = 1;
  }
  if (oldAl > 0x99 || oldCf !== 0) {
    al = (al - 0x60) & 0xff;
    cf = 1;
  }
  s[0] = (s[0] & ~0xff) | al;
  setFlagsAL(s, al, cf, af, 0);
}

/** 37: AAA — AX + 106h when the low digit of AL overflowed, then AL keeps only that digit. */
export function aaa(cpu: Cpu, _i: Insn): void {
  const s = cpu.s;
  const ax = s[0] & 0xffff;
  const al = ax & 0xff;
  let res = ax;
  let c = 0;
  if ((al & 0xf) > 9 || getAF(s) !== 0) {
    res = (ax + 0x106) & 0xffff;
    c = 1;
  }
  res &= 0xff0f;
  s[0] = (s[0] & ~0xffff) | res;
  setFlagsAL(s, res & 0xff, c, c, 0);
}

/** 3F: AAS */
export function aas(cpu: Cpu, _i: Insn): void {
  const s = cpu.s;
  const ax = s[0] & 0xffff;
  const al = ax & 0xff;
  let res = ax;
  let c = 0;
  if ((al & 0xf) > 9 || getAF(s) !== 0) {
    res = (ax - 6 - 0x100) & 0xffff;
    c = 1;
  }
  res &= 0xff0f;
  s[0] = (s[0] & ~0xffff) | res;
  setFlagsAL(s, res & 0xff, c, c, 0);
}

/** D4 ib: AAM — AH = AL / base, AL = AL mod base; base 0 raises #DE. */
export function aam(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  const base = i.imm & 0xff;
  if (base === 0) throw new CpuFault(Vector.DE);
  const al = s[0] & 0xff;
  const q = (al / base) | 0;
  const r = al - q * base;
  s[0] = (s[0] & ~0xffff) | (q << 8) | r;
  setFlagsAL(s, r, 0, 0, 0);
}

/** D5 ib: AAD — AL = AL + AH * base, AH = 0. */
export function aad(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  const base = i.imm & 0xff;
  const al = s[0] & 0xff;
  const prod = (((s[0] >> 8) & 0xff) * base) & 0xff;
  const r = (al + prod) & 0xff;
  s[0] = (s[0] & ~0xffff) | r;
  const cf = al + prod > 0xff ? 1 : 0;
  setFlagsAL(s, r, cf, ((al ^ prod ^ r) >> 4) & 1, ((~(al ^ prod) & (al ^ r)) >> 7) & 1);
}

/** D6: SALC — AL = CF ? FFh : 0; no flags change. */
export function salc(cpu: Cpu, _i: Insn): void {
  const s = cpu.s;
  s[0] = (s[0] & ~0xff) | (getCF(s) !== 0 ? 0xff : 0);
}
