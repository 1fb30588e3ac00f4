import type { Cpu } from './cpu.js';
import type { Insn } from './insn.js';
import { loadT, writeU } from './sse-state.js';

/**
 * SSSE3 integer arithmetic on XMM registers (66 0F 38 xx): horizontal
 * add/subtract, PMADDUBSW, PMULHRSW, PSIGN*, PABS*. PSHUFB and PALIGNR are
 * in sse-shuffle.ts. Intel SDM Vol. 2.
 */

const sat16 = (v: number): number => (v > 32767 ? 32767 : v < -32768 ? -32768 : v);

/** PHADDW (sub 0), PHADDSW (1), PHSUBW (2), PHSUBSW (3): pairs of the destination, then of the source. */
export function phw(cpu: Cpu, i: Insn): void {
  loadT(cpu, i, true);
  const x = cpu.xmm, d = x.i16, t = x.ti16, o = i.reg << 3, op = i.sub;
  for (let k = 0; k < 4; k++) {
    const a0 = d[o + 2 * k], a1 = d[o + 2 * k + 1];
    const b0 = t[2 * k], b1 = t[2 * k + 1];
    let ra: number, rb: number;
    if (op === 0 || op === 1) {
      ra = a0 + a1;
      rb = b0 + b1;
    } else {
      ra = a0 - a1;
      rb = b0 - b1;
    }
    if (op & 1) {
      ra = sat16(ra);
      rb = sat16(rb);
    }
    t[8 + k] = ra;
    t[12 + k] = rb;
  }
  writeU(cpu, i.reg);
}

/** PHADDD (sub 0) / PHSUBD (sub 2). */
export function phd(cpu: Cpu, i: Insn): void {
  loadT(cpu, i, true);
  const x = cpu.xmm, d = x.i32, t = x.ti32, o = i.reg << 2;
  if (i.sub === 0) {
    const r0 = (d[o] + d[o + 1]) | 0, r1 = (d[o + 2] + d[o + 3]) | 0;
    d[o] = r0;
    d[o + 1] = r1;
    d[o + 2] = (t[0] + t[1]) | 0;
    d[o + 3] = (t[2] + t[3]) | 0;
  } else {
    const r0 = (d[o] - d[o + 1]) | 0, r1 = (d[o + 2] - d[o + 3]) | 0;
    d[o] = r0;
    d[o + 1] = r1;
    d[o + 2] = (t[0] - t[1]) | 0;
    d[o + 3] = (t[2] - t[3]) | 0;
  }
}

/** PMADDUBSW: unsigned destination bytes × signed source bytes, adjacent pairs summed with signed saturation. */
export function pmaddubsw(cpu: Cpu, i: Insn): void {
  loadT(cpu, i, true);
  const x = cpu.xmm, d = x.u8, t = x.ti8, r = x.i16, o = i.reg << 4;
  for (let k = 0; k < 8; k++) {
    const v = d[o + 2 * k] * t[2 * k] + d[o + 2 * k + 1] * t[2 * k + 1];
    r[(i.reg << 3) + k] = sat16(v);
  }
}

/** PMULHRSW: (a×b + 0x4000) >> 15, rounded high half of the doubled product. */
export function pmulhrsw(cpu: Cpu, i: Insn): void {
  loadT(cpu, i, true);
  const x = cpu.xmm, d = x.i16, t = x.ti16, o = i.reg << 3;
  for (let k = 0; k < 8; k++) d[o + k] = ((Math.imul(d[o + k], t[k]) >> 14) + 1) >> 1;
}

export function psignb(cpu: Cpu, i: Insn): void {
  loadT(cpu, i, true);
  const x = cpu.xmm, d = x.i8, t = x.ti8, o = i.reg << 4;
  for (let k = 0; k < 16; k++) {
    const s = t[k];
    if (s < 0) d[o + k] = -d[o + k];
    else if (s === 0) d[o + k] = 0;
  }
}
export function psignw(cpu: Cpu, i: Insn): void {
  loadT(cpu, i, true);
  const x = cpu.xmm, d = x.i16, t = x.ti16, o = i.reg << 3;
  for (let k = 0; k < 8; k++) {
    const s = t[k];
    if (s < 0) d[o + k] = -d[o + k];
    else if (s === 0) d[o + k] = 0;
  }
}
export function psignd(cpu: Cpu, i: Insn): void {
  loadT(cpu, i, true);
  const x = cpu.xmm, d = x.i32, t = x.ti32, o = i.reg << 2;
  for (let k = 0; k < 4; k++) {
    const s = t[k];
    if (s < 0) d[o + k] = -d[o + k] | 0;
    else if (s === 0) d[o + k] = 0;
  }
}

export function pabsb(cpu: Cpu, i: Insn): void {
  loadT(cpu, i, true);
  const x = cpu.xmm, d = x.u8, t = x.ti8, o = i.reg << 4;
  for (let k = 0; k < 16; k++) {
    const v = t[k];
    d[o + k] = v < 0 ? -v : v;
  }
}
export function pabsw(cpu: Cpu, i: Insn): void {
  loadT(cpu, i, true);
  const x = cpu.xmm, d = x.u16, t = x.ti16, o = i.reg << 3;
  for (let k = 0; k < 8; k++) {
    const v = t[k];
    d[o + k] = v < 0 ? -v : v;
  }
}
export function pabsd(cpu: Cpu, i: Insn): void {
  loadT(cpu, i, true);
  const x = cpu.xmm, d = x.i32, t = x.ti32, o = i.reg << 2;
  for (let k = 0; k < 4; k++) {
    const v = t[k];
    d[o + k] = v < 0 ? -v | 0 : v;
  }
}
