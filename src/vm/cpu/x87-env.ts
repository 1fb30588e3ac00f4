import { CpuFault, Vector } from '../mem/fault.js';
import { MXCSR_STATE, XMM_STATE } from '../mem/layout.js';
import type { Cpu } from './cpu.js';
import type { Insn } from './insn.js';
import { rdBytes, wrBytes } from './x87-mem.js';
import {
  R_HI, R_LO, R_SE, X_FCS, X_FDP, X_FDS, X_FIP, X_FOP, X_TOP, X_VALID, XI, classify, fcw, fninit, fswFull, set80, setFcw,
  setFsw, setFcw as _setFcw, to80,
} from './x87-state.js';

/**
 * FNSTENV/FLDENV, FNSAVE/FRSTOR (16- and 32-bit protected-mode layouts by
 * operand size, SDM Vol. 1 §8.1.10 Figures 8-9…8-12) and FXSAVE/FXRSTOR
 * (Vol. 2 FXSAVE, Table 3-53). The last-instruction/operand pointers and
 * opcode are not tracked: they are stored as loaded by FLDENV/FRSTOR/FXRSTOR (0 after FNINIT).
 */
void _setFcw;
const img = new Uint8Array(512);
const dv = new DataView(img.buffer);

/** Full tag word: 2 bits per physical register (00 valid, 01 zero, 10 special, 11 empty). */
export function tagWord(s: Int32Array): number {
  let tw = 0;
  const v = s[X_VALID];
  for (let p = 0; p < 8; p++) {
    let t: number;
    if (((v >> p) & 1) === 0) t = 3;
    else {
      const c = classify(s, p);
      t = c === 2 ? 0 : c === 4 ? 1 : 2;
    }
    tw |= t << (2 * p);
  }
  return tw;
}

function putEnv(s: Int32Array, o32: boolean): number {
  const tw = tagWord(s);
  if (o32) {
    dv.setUint32(0, 0xffff0000 | fcw(s), true);
    dv.setUint32(4, 0xffff0000 | fswFull(s), true);
    dv.setUint32(8, 0xffff0000 | tw, true);
    dv.setUint32(12, s[X_FIP], true);
    dv.setUint32(16, (s[X_FCS] & 0xffff) | ((s[X_FOP] & 0x7ff) << 16), true);
    dv.setUint32(20, s[X_FDP], true);
    dv.setUint32(24, 0xffff0000 | (s[X_FDS] & 0xffff), true);
    return 28;
  }
  dv.setUint16(0, fcw(s), true);
  dv.setUint16(2, fswFull(s), true);
  dv.setUint16(4, tw, true);
  dv.setUint16(6, s[X_FIP], true);
  dv.setUint16(8, s[X_FCS], true);
  dv.setUint16(10, s[X_FDP], true);
  dv.setUint16(12, s[X_FDS], true);
  return 14;
}

function getEnv(s: Int32Array, o32: boolean): number {
  let cw: number, sw: number, tw: number;
  if (o32) {
    cw = dv.getUint16(0, true);
    sw = dv.getUint16(4, true);
    tw = dv.getUint16(8, true);
    s[X_FIP] = dv.getInt32(12, true);
    s[X_FCS] = dv.getUint16(16, true);
    s[X_FOP] = dv.getUint16(18, true) & 0x7ff;
    s[X_FDP] = dv.getInt32(20, true);
    s[X_FDS] = dv.getUint16(24, true);
  } else {
    cw = dv.getUint16(0, true);
    sw = dv.getUint16(2, true);
    tw = dv.getUint16(4, true);
    s[X_FIP] = dv.getUint16(6, true);
    s[X_FCS] = dv.getUint16(8, true);
    s[X_FDP] = dv.getUint16(10, true);
    s[X_FDS] = dv.getUint16(12, true);
  }
  let valid = 0;
  for (let p = 0; p < 8; p++) if (((tw >> (2 * p)) & 3) !== 3) valid |= 1 << p;
  s[X_VALID] = valid;
  setFsw(s, sw);
  setFcw(s, cw);
  return o32 ? 28 : 14;
}

/** FNSTENV m14/28: store the environment, then mask every exception. */
export function fnstenv(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  const n = putEnv(s, i.size === 4);
  wrBytes(cpu, cpu.ea(i), img, n);
  setFcw(s, fcw(s) | 0x3f);
}

export function fldenv(cpu: Cpu, i: Insn): void {
  const n = i.size === 4 ? 28 : 14;
  rdBytes(cpu, cpu.ea(i), img, n);
  getEnv(cpu.s, i.size === 4);
}

/** FNSAVE m94/108: environment + ST(0)…ST(7) as 80-bit values, then FNINIT. */
export function fnsave(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  const n = putEnv(s, i.size === 4);
  const top = s[X_TOP];
  for (let k = 0; k < 8; k++) {
    to80(s, (top + k) & 7);
    const o = n + 10 * k;
    dv.setInt32(o, R_LO, true);
    dv.setInt32(o + 4, R_HI, true);
    dv.setUint16(o + 8, R_SE, true);
  }
  wrBytes(cpu, cpu.ea(i), img, n + 80);
  fninit(s);
}

export function frstor(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  const n = i.size === 4 ? 28 : 14;
  rdBytes(cpu, cpu.ea(i), img, n + 80);
  getEnv(s, i.size === 4);
  const top = s[X_TOP];
  for (let k = 0; k < 8; k++) {
    const o = n + 10 * k;
    set80(cpu.fpr, s, (top + k) & 7, dv.getInt32(o, true), dv.getInt32(o + 4, true), dv.getUint16(o + 8, true));
  }
}

/** MXCSR bits FXRSTOR accepts (MXCSR_MASK reported in the image): everything but the reserved upper half. */
export const MXCSR_MASK = 0xffff;

/** FXSAVE m512 (16-byte aligned, else #GP). */
export function fxsave(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  const a = cpu.ea(i);
  if ((a & 15) !== 0) throw new CpuFault(Vector.GP);
  // Bytes 288–511 are not written by this implementation: read them first to keep them.
  rdBytes(cpu, a, img, 512);
  dv.setUint16(0, fcw(s), true);
  dv.setUint16(2, fswFull(s), true);
  img[4] = s[X_VALID] & 0xff;
  img[5] = 0;
  dv.setUint16(6, s[X_FOP] & 0x7ff, true);
  dv.setInt32(8, s[X_FIP], true);
  dv.setUint16(12, s[X_FCS], true);
  dv.setUint16(14, 0, true);
  dv.setInt32(16, s[X_FDP], true);
  dv.setUint16(20, s[X_FDS], true);
  dv.setUint16(22, 0, true);
  dv.setInt32(24, s[MXCSR_STATE >> 2], true);
  dv.setInt32(28, MXCSR_MASK, true);
  const top = s[X_TOP];
  for (let k = 0; k < 8; k++) {
    to80(s, (top + k) & 7);
    const o = 32 + 16 * k;
    dv.setInt32(o, R_LO, true);
    dv.setInt32(o + 4, R_HI, true);
    dv.setUint16(o + 8, R_SE, true);
    for (let j = 10; j < 16; j++) img[o + j] = 0;
  }
  for (let k = 0; k < 32; k++) dv.setInt32(160 + 4 * k, s[(XMM_STATE >> 2) + k], true);
  wrBytes(cpu, a, img, 512);
}

export function fxrstor(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  const a = cpu.ea(i);
  if ((a & 15) !== 0) throw new CpuFault(Vector.GP);
  rdBytes(cpu, a, img, 288);
  const mxcsr = dv.getInt32(24, true);
  if ((mxcsr & ~MXCSR_MASK) !== 0) throw new CpuFault(Vector.GP);
  const sw = dv.getUint16(2, true);
  s[X_VALID] = img[4];
  s[X_FOP] = dv.getUint16(6, true) & 0x7ff;
  s[X_FIP] = dv.getInt32(8, true);
  s[X_FCS] = dv.getUint16(12, true);
  s[X_FDP] = dv.getInt32(16, true);
  s[X_FDS] = dv.getUint16(20, true);
  setFsw(s, sw);
  setFcw(s, dv.getUint16(0, true));
  const top = s[X_TOP];
  for (let k = 0; k < 8; k++) {
    const o = 32 + 16 * k;
    set80(cpu.fpr, s, (top + k) & 7, dv.getInt32(o, true), dv.getInt32(o + 4, true), dv.getUint16(o + 8, true));
  }
  s[MXCSR_STATE >> 2] = mxcsr;
  for (let k = 0; k < 32; k++) s[(XMM_STATE >> 2) + k] = dv.getInt32(160 + 4 * k, true);
  void XI;
}
