import { S_FLAGS, S_LAZY_OP } from '../mem/layout.js';
import type { Cpu } from './cpu.js';
import { FL_AF, FL_CF, FL_OF, FL_PF, FL_SF, FL_ZF } from './flags.js';
import type { Insn } from './insn.js';
import { FMT_M32, FMT_M64, FMT_REG, LOADED_DENORMAL, isSNaN, loadScratch } from './x87-arith.js';
import { rdF64 } from './x87-mem.js';
import {
  C0, C1, C2, C3, DE, ES, IE, MAXD, MINNORM, R_HI, R_LO, R_SE, RAW, SCRATCH, X_FSW, X_TOP, X_VALID,
  checkPending, pending, raise, to80, underflow,
} from './x87-state.js';

/**
 * FCOM FCOMP FCOMPP FUCOM FUCOMP FUCOMPP FICOM FICOMP FTST FCOMI FCOMIP
 * FUCOMI FUCOMIP (SDM Vol. 2). Result codes: 0 greater, 1 less, 2 equal,
 * 3 unordered → C3 C2 C0 = 000 001 100 111, or ZF PF CF likewise (FCOMI).
 * FCOM* raise IE on any NaN, FUCOM* only on an SNaN.
 */
const CC_OF = [0, C0, C3, C3 | C2 | C0];
const EF_OF = [0, FL_CF, FL_ZF, FL_ZF | FL_PF | FL_CF];

/** i.sub: pops (0–2); i.imm: 1 = unordered compare (FUCOM). */
export function fcomM64(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  if ((s[X_FSW] & ES) !== 0) pending(cpu);
  const y = rdF64(cpu, cpu.ea(i));
  const p = s[X_TOP];
  const ay = Math.abs(y);
  if (((s[X_VALID] >> p) & 1) === 0 || !(ay <= MAXD) || (ay < MINNORM && y !== 0) || s[RAW + 4 * p + 3] !== 0) return fcomMemSlow(cpu, i, FMT_M64);
  const x = cpu.fpr[p];
  if (x !== x) return fcomMemSlow(cpu, i, FMT_M64);
  s[X_FSW] = (s[X_FSW] & ~(C0 | C1 | C2 | C3)) | (x > y ? 0 : x < y ? C0 : C3);
  if (i.sub !== 0) {
    s[X_VALID] &= ~(1 << p);
    s[X_TOP] = (p + 1) & 7;
  }
}

/** FCOM m32 / FICOM m16 m32 (all through the scratch slot). */
export function fcomMem(cpu: Cpu, i: Insn): void {
  fcomMemSlow(cpu, i, i.imm2);
}

function fcomMemSlow(cpu: Cpu, i: Insn, fmt: number): void {
  const s = cpu.s;
  checkPending(s);
  loadScratch(cpu, cpu.ea(i), fmt);
  const r = compare(cpu, s[X_TOP], SCRATCH, i.imm !== 0, fmt);
  if (r < 0) return;
  s[X_FSW] = (s[X_FSW] & ~(C0 | C1 | C2 | C3)) | CC_OF[r];
  for (let k = 0; k < i.sub; k++) popIt(s);
}

function popIt(s: Int32Array): void {
  const top = s[X_TOP];
  s[X_VALID] &= ~(1 << top);
  s[X_TOP] = (top + 1) & 7;
}

/** FCOM/FUCOM ST(i) with 0–2 pops (FCOMPP/FUCOMPP: rm = 1, sub = 2). */
export function fcomST(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  checkPending(s);
  const p = s[X_TOP];
  const r = compare(cpu, p, (p + i.rm) & 7, i.imm !== 0, FMT_REG);
  if (r < 0) return;
  s[X_FSW] = (s[X_FSW] & ~(C0 | C1 | C2 | C3)) | CC_OF[r];
  for (let k = 0; k < i.sub; k++) popIt(s);
}

/** FTST: compare ST(0) with +0.0. */
export function ftst(cpu: Cpu, _i: Insn): void {
  const s = cpu.s;
  checkPending(s);
  cpu.fpr[SCRATCH] = 0;
  s[RAW + 4 * SCRATCH + 3] = 0;
  const r = compare(cpu, s[X_TOP], SCRATCH, false, FMT_REG + 100);
  if (r < 0) return;
  s[X_FSW] = (s[X_FSW] & ~(C0 | C1 | C2 | C3)) | CC_OF[r];
}

/** FCOMI/FUCOMI/FCOMIP/FUCOMIP: EFLAGS ZF PF CF; OF SF AF cleared (i.sub: pop). */
export function fcomi(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  if ((s[X_FSW] & ES) !== 0) pending(cpu);
  const p = s[X_TOP];
  const q = (p + i.rm) & 7;
  let r: number;
  const v = s[X_VALID];
  const f = cpu.fpr;
  const x = f[p];
  const y = f[q];
  if (((v >> p) & (v >> q) & 1) !== 0 && (x < y || x > y) && (s[RAW + 4 * p + 3] | s[RAW + 4 * q + 3]) === 0) {
    r = x < y ? 1 : 0;
  } else {
    r = compare(cpu, p, q, i.imm !== 0, FMT_REG);
    if (r < 0) return;
  }
  s[X_FSW] &= ~C1;
  s[S_FLAGS] = (s[S_FLAGS] & ~(FL_CF | FL_PF | FL_AF | FL_ZF | FL_SF | FL_OF)) | EF_OF[r];
  s[S_LAZY_OP] = 0;
  if (i.sub !== 0) popIt(s);
}

/**
 * Compare slot px with slot py; returns the code, or −1 when an unmasked
 * exception leaves everything unchanged. Stack underflow: unordered.
 */
export function compare(cpu: Cpu, px: number, py: number, quiet: boolean, fmt: number): number {
  const s = cpu.s;
  const v = s[X_VALID];
  if (((v >> px) & 1) === 0 || (fmt === FMT_REG && ((v >> py) & 1) === 0)) {
    if (underflow(s)) return -1;
    return 3;
  }
  const f = cpu.fpr;
  const x = f[px];
  const y = f[py];
  if (x !== x || y !== y) {
    if (!quiet || isSNaN(s, px) || isSNaN(s, py)) {
      if (raise(s, IE)) return -1;
    }
    return 3;
  }
  if ((fmt === FMT_M32 || fmt === FMT_M64) && LOADED_DENORMAL) {
    if (raise(s, DE)) return -1;
  }
  if (x < y) return 1;
  if (x > y) return 0;
  if ((s[RAW + 4 * px + 3] | s[RAW + 4 * py + 3]) !== 0 && x !== 0) {
    // Equal as doubles: decide on the exact 80-bit images.
    to80(s, px);
    const a0 = R_LO >>> 0, a1 = R_HI >>> 0, a2 = R_SE & 0x7fff;
    to80(s, py);
    const b0 = R_LO >>> 0, b1 = R_HI >>> 0, b2 = R_SE & 0x7fff;
    const mag = a2 !== b2 ? (a2 > b2 ? 1 : -1) : a1 !== b1 ? (a1 > b1 ? 1 : -1) : a0 !== b0 ? (a0 > b0 ? 1 : -1) : 0;
    if (mag === 0) return 2;
    const bigger = x > 0 ? mag > 0 : mag < 0;
    return bigger ? 0 : 1;
  }
  return 2;
}

/** FXAM: C3 C2 C0 = class, C1 = sign (SDM Vol. 2 FXAM). */
const FXAM_CC = [0, C0, C2, C2 | C0, C3, C3 | C0, C3 | C2];
export function fxam(cpu: Cpu, _i: Insn): void {
  const s = cpu.s;
  checkPending(s);
  const p = s[X_TOP];
  to80(s, p);
  const sign = (R_SE & 0x8000) !== 0 ? C1 : 0;
  let cls: number;
  if (((s[X_VALID] >> p) & 1) === 0) cls = 5;
  else {
    const ex = R_SE & 0x7fff;
    const j = (R_HI & 0x80000000) !== 0;
    if (ex === 0x7fff) cls = !j ? 0 : ((R_HI & 0x7fffffff) | R_LO) === 0 ? 3 : 1;
    else if (ex === 0) cls = (R_HI | R_LO) === 0 ? 4 : 6;
    else cls = j ? 2 : 0;
  }
  s[X_FSW] = (s[X_FSW] & ~(C0 | C1 | C2 | C3)) | FXAM_CC[cls] | sign;
}
