import type { Cpu } from './cpu.js';
import type { Insn } from './insn.js';
import { loadT, writeU } from './sse-state.js';

/**
 * Rearranging instructions: PUNPCKxx and UNPCKxx, packs with saturation, PSHUFD/
 * PSHUFHW/PSHUFLW, SHUFPS/SHUFPD, PSHUFB and PALIGNR (SSSE3). Intel SDM
 * Vol. 2. Results that read the destination in another order are built in
 * scratch U and copied (writeU), so `xmm0, xmm0` forms are right.
 */

/** PUNPCKLBW: interleave the low bytes. In place, high to low, so nothing is read after it is overwritten. */
export function punpcklbw(cpu: Cpu, i: Insn): void {
  loadT(cpu, i, true);
  const x = cpu.xmm, d = x.u8, t = x.tu8, o = i.reg << 4;
  for (let k = 7; k >= 0; k--) {
    d[o + 2 * k + 1] = t[k];
    d[o + 2 * k] = d[o + k];
  }
}
export function punpcklwd(cpu: Cpu, i: Insn): void {
  loadT(cpu, i, true);
  const x = cpu.xmm, d = x.u16, t = x.tu16, o = i.reg << 3;
  for (let k = 3; k >= 0; k--) {
    d[o + 2 * k + 1] = t[k];
    d[o + 2 * k] = d[o + k];
  }
}
/** PUNPCKLDQ and UNPCKLPS. */
export function punpckldq(cpu: Cpu, i: Insn): void {
  loadT(cpu, i, true);
  const x = cpu.xmm, d = x.i32, t = x.ti32, o = i.reg << 2;
  d[o + 3] = t[1];
  d[o + 2] = d[o + 1];
  d[o + 1] = t[0];
}
/** PUNPCKLQDQ and UNPCKLPD. */
export function punpcklqdq(cpu: Cpu, i: Insn): void {
  loadT(cpu, i, true);
  const x = cpu.xmm, d = x.i32, t = x.ti32, o = i.reg << 2;
  d[o + 2] = t[0];
  d[o + 3] = t[1];
}
/** PUNPCKHBW: interleave the high bytes, low to high in place. */
export function punpckhbw(cpu: Cpu, i: Insn): void {
  loadT(cpu, i, true);
  const x = cpu.xmm, d = x.u8, t = x.tu8, o = i.reg << 4;
  for (let k = 0; k < 8; k++) {
    d[o + 2 * k] = d[o + 8 + k];
    d[o + 2 * k + 1] = t[8 + k];
  }
}
export function punpckhwd(cpu: Cpu, i: Insn): void {
  loadT(cpu, i, true);
  const x = cpu.xmm, d = x.u16, t = x.tu16, o = i.reg << 3;
  for (let k = 0; k < 4; k++) {
    d[o + 2 * k] = d[o + 4 + k];
    d[o + 2 * k + 1] = t[4 + k];
  }
}
/** PUNPCKHDQ and UNPCKHPS. */
export function punpckhdq(cpu: Cpu, i: Insn): void {
  loadT(cpu, i, true);
  const x = cpu.xmm, d = x.i32, t = x.ti32, o = i.reg << 2;
  d[o] = d[o + 2];
  d[o + 1] = t[2];
  d[o + 2] = d[o + 3];
  d[o + 3] = t[3];
}
/** PUNPCKHQDQ and UNPCKHPD. */
export function punpckhqdq(cpu: Cpu, i: Insn): void {
  loadT(cpu, i, true);
  const x = cpu.xmm, d = x.i32, t = x.ti32, o = i.reg << 2;
  d[o] = d[o + 2];
  d[o + 1] = d[o + 3];
  d[o + 2] = t[2];
  d[o + 3] = t[3];
}

const sat8s = (v: number): number => (v > 127 ? 127 : v < -128 ? -128 : v);
const sat8u = (v: number): number => (v > 255 ? 255 : v < 0 ? 0 : v);
const sat16s = (v: number): number => (v > 32767 ? 32767 : v < -32768 ? -32768 : v);

export function packsswb(cpu: Cpu, i: Insn): void {
  loadT(cpu, i, true);
  const x = cpu.xmm, d = x.i16, t = x.ti16, u = x.ti8, o = i.reg << 3;
  for (let k = 0; k < 8; k++) {
    u[16 + k] = sat8s(d[o + k]);
    u[24 + k] = sat8s(t[k]);
  }
  writeU(cpu, i.reg);
}
export function packuswb(cpu: Cpu, i: Insn): void {
  loadT(cpu, i, true);
  const x = cpu.xmm, d = x.i16, t = x.ti16, u = x.tu8, o = i.reg << 3;
  for (let k = 0; k < 8; k++) {
    u[16 + k] = sat8u(d[o + k]);
    u[24 + k] = sat8u(t[k]);
  }
  writeU(cpu, i.reg);
}
export function packssdw(cpu: Cpu, i: Insn): void {
  loadT(cpu, i, true);
  const x = cpu.xmm, d = x.i32, t = x.ti32, u = x.ti16, o = i.reg << 2;
  for (let k = 0; k < 4; k++) {
    u[8 + k] = sat16s(d[o + k]);
    u[12 + k] = sat16s(t[k]);
  }
  writeU(cpu, i.reg);
}

/** PSHUFD xmm, xmm/m128, imm8. */
export function pshufd(cpu: Cpu, i: Insn): void {
  loadT(cpu, i, true);
  const x = cpu.xmm, d = x.i32, t = x.ti32, o = i.reg << 2, m = i.imm;
  d[o] = t[m & 3];
  d[o + 1] = t[(m >> 2) & 3];
  d[o + 2] = t[(m >> 4) & 3];
  d[o + 3] = t[(m >> 6) & 3];
}
/** PSHUFHW: high four words shuffled, low quadword copied. */
export function pshufhw(cpu: Cpu, i: Insn): void {
  loadT(cpu, i, true);
  const x = cpu.xmm, d = x.u16, t = x.tu16, o = i.reg << 3, m = i.imm;
  for (let k = 0; k < 4; k++) d[o + k] = t[k];
  for (let k = 0; k < 4; k++) d[o + 4 + k] = t[4 + ((m >> (2 * k)) & 3)];
}
/** PSHUFLW: low four words shuffled, high quadword copied. */
export function pshuflw(cpu: Cpu, i: Insn): void {
  loadT(cpu, i, true);
  const x = cpu.xmm, d = x.u16, t = x.tu16, o = i.reg << 3, m = i.imm;
  for (let k = 0; k < 4; k++) d[o + k] = t[(m >> (2 * k)) & 3];
  for (let k = 4; k < 8; k++) d[o + k] = t[k];
}
/** SHUFPS: two singles from the destination, two from the source. */
export function shufps(cpu: Cpu, i: Insn): void {
  loadT(cpu, i, true);
  const x = cpu.xmm, d = x.i32, t = x.ti32, o = i.reg << 2, m = i.imm;
  const a = d[o + (m & 3)];
  const b = d[o + ((m >> 2) & 3)];
  d[o] = a;
  d[o + 1] = b;
  d[o + 2] = t[(m >> 4) & 3];
  d[o + 3] = t[(m >> 6) & 3];
}
/** SHUFPD. */
export function shufpd(cpu: Cpu, i: Insn): void {
  loadT(cpu, i, true);
  const x = cpu.xmm, d = x.i32, t = x.ti32, o = i.reg << 2, m = i.imm;
  const s = o + ((m & 1) << 1);
  const lo = d[s], hi = d[s + 1];
  const q = m & 2;
  d[o] = lo;
  d[o + 1] = hi;
  d[o + 2] = t[q];
  d[o + 3] = t[q + 1];
}

/** PSHUFB (SSSE3): each byte selects a destination byte by the source's low 4 bits, or 0 if bit 7 is set. */
export function pshufb(cpu: Cpu, i: Insn): void {
  loadT(cpu, i, true);
  const x = cpu.xmm, d = x.u8, t = x.tu8, o = i.reg << 4;
  for (let k = 0; k < 16; k++) t[16 + k] = d[o + k];
  for (let k = 0; k < 16; k++) {
    const c = t[k];
    d[o + k] = c & 0x80 ? 0 : t[16 + (c & 15)];
  }
}

/** PALIGNR (SSSE3): destination:source as 32 bytes, shifted right by imm8 bytes, low 16 kept. */
export function palignr(cpu: Cpu, i: Insn): void {
  loadT(cpu, i, true);
  const x = cpu.xmm, d = x.u8, t = x.tu8, o = i.reg << 4, n = i.imm;
  // T holds the source at 0–15; copy the destination to 16–31 to make the 32-byte pair.
  for (let k = 0; k < 16; k++) t[16 + k] = d[o + k];
  for (let k = 0; k < 16; k++) {
    const j = k + n;
    d[o + k] = j < 32 ? t[j] : 0;
  }
}
