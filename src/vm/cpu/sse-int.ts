import type { Cpu } from './cpu.js';
import type { Insn } from './insn.js';
import { loadT } from './sse-state.js';

/**
 * SSE2 packed integer arithmetic on XMM registers: add/sub (wrapping and
 * saturating), multiplies, PMADDWD, PSADBW, averages, min/max, compares,
 * logicals (also ANDPS/ANDPD… which are the same bit operations) and shifts.
 * Intel SDM Vol. 2. Every handler loads its source into scratch T first
 * (sse-state.ts) and writes the destination XMM register `i.reg` in place.
 */

// ---- add / subtract ----

export function paddb(cpu: Cpu, i: Insn): void {
  loadT(cpu, i, true);
  const x = cpu.xmm, d = x.u8, t = x.tu8, o = i.reg << 4;
  for (let k = 0; k < 16; k++) d[o + k] = d[o + k] + t[k];
}
export function paddw(cpu: Cpu, i: Insn): void {
  loadT(cpu, i, true);
  const x = cpu.xmm, d = x.u16, t = x.tu16, o = i.reg << 3;
  for (let k = 0; k < 8; k++) d[o + k] = d[o + k] + t[k];
}
export function paddd(cpu: Cpu, i: Insn): void {
  loadT(cpu, i, true);
  const x = cpu.xmm, d = x.i32, t = x.ti32, o = i.reg << 2;
  for (let k = 0; k < 4; k++) d[o + k] = (d[o + k] + t[k]) | 0;
}
export function paddq(cpu: Cpu, i: Insn): void {
  loadT(cpu, i, true);
  const x = cpu.xmm, d = x.i32, t = x.ti32, o = i.reg << 2;
  for (let k = 0; k < 4; k += 2) {
    const a = d[o + k], b = t[k];
    const lo = (a + b) | 0;
    const c = (lo >>> 0) < (a >>> 0) ? 1 : 0;
    d[o + k] = lo;
    d[o + k + 1] = (d[o + k + 1] + t[k + 1] + c) | 0;
  }
}
export function psubb(cpu: Cpu, i: Insn): void {
  loadT(cpu, i, true);
  const x = cpu.xmm, d = x.u8, t = x.tu8, o = i.reg << 4;
  for (let k = 0; k < 16; k++) d[o + k] = d[o + k] - t[k];
}
export function psubw(cpu: Cpu, i: Insn): void {
  loadT(cpu, i, true);
  const x = cpu.xmm, d = x.u16, t = x.tu16, o = i.reg << 3;
  for (let k = 0; k < 8; k++) d[o + k] = d[o + k] - t[k];
}
export function psubd(cpu: Cpu, i: Insn): void {
  loadT(cpu, i, true);
  const x = cpu.xmm, d = x.i32, t = x.ti32, o = i.reg << 2;
  for (let k = 0; k < 4; k++) d[o + k] = (d[o + k] - t[k]) | 0;
}
export function psubq(cpu: Cpu, i: Insn): void {
  loadT(cpu, i, true);
  const x = cpu.xmm, d = x.i32, t = x.ti32, o = i.reg << 2;
  for (let k = 0; k < 4; k += 2) {
    const a = d[o + k], b = t[k];
    const bw = (a >>> 0) < (b >>> 0) ? 1 : 0;
    d[o + k] = (a - b) | 0;
    d[o + k + 1] = (d[o + k + 1] - t[k + 1] - bw) | 0;
  }
}
export function paddsb(cpu: Cpu, i: Insn): void {
  loadT(cpu, i, true);
  const x = cpu.xmm, d = x.i8, t = x.ti8, o = i.reg << 4;
  for (let k = 0; k < 16; k++) {
    const v = d[o + k] + t[k];
    d[o + k] = v > 127 ? 127 : v < -128 ? -128 : v;
  }
}
export function paddsw(cpu: Cpu, i: Insn): void {
  loadT(cpu, i, true);
  const x = cpu.xmm, d = x.i16, t = x.ti16, o = i.reg << 3;
  for (let k = 0; k < 8; k++) {
    const v = d[o + k] + t[k];
    d[o + k] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
  }
}
export function psubsb(cpu: Cpu, i: Insn): void {
  loadT(cpu, i, true);
  const x = cpu.xmm, d = x.i8, t = x.ti8, o = i.reg << 4;
  for (let k = 0; k < 16; k++) {
    const v = d[o + k] - t[k];
    d[o + k] = v > 127 ? 127 : v < -128 ? -128 : v;
  }
}
export function psubsw(cpu: Cpu, i: Insn): void {
  loadT(cpu, i, true);
  const x = cpu.xmm, d = x.i16, t = x.ti16, o = i.reg << 3;
  for (let k = 0; k < 8; k++) {
    const v = d[o + k] - t[k];
    d[o + k] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
  }
}
export function paddusb(cpu: Cpu, i: Insn): void {
  loadT(cpu, i, true);
  const x = cpu.xmm, d = x.u8, t = x.tu8, o = i.reg << 4;
  for (let k = 0; k < 16; k++) {
    const v = d[o + k] + t[k];
    d[o + k] = v > 255 ? 255 : v;
  }
}
export function paddusw(cpu: Cpu, i: Insn): void {
  loadT(cpu, i, true);
  const x = cpu.xmm, d = x.u16, t = x.tu16, o = i.reg << 3;
  for (let k = 0; k < 8; k++) {
    const v = d[o + k] + t[k];
    d[o + k] = v > 65535 ? 65535 : v;
  }
}
export function psubusb(cpu: Cpu, i: Insn): void {
  loadT(cpu, i, true);
  const x = cpu.xmm, d = x.u8, t = x.tu8, o = i.reg << 4;
  for (let k = 0; k < 16; k++) {
    const v = d[o + k] - t[k];
    d[o + k] = v < 0 ? 0 : v;
  }
}
export function psubusw(cpu: Cpu, i: Insn): void {
  loadT(cpu, i, true);
  const x = cpu.xmm, d = x.u16, t = x.tu16, o = i.reg << 3;
  for (let k = 0; k < 8; k++) {
    const v = d[o + k] - t[k];
    d[o + k] = v < 0 ? 0 : v;
  }
}

// ---- multiply ----

export function pmullw(cpu: Cpu, i: Insn): void {
  loadT(cpu, i, true);
  const x = cpu.xmm, d = x.i16, t = x.ti16, o = i.reg << 3;
  for (let k = 0; k < 8; k++) d[o + k] = Math.imul(d[o + k], t[k]);
}
export function pmulhw(cpu: Cpu, i: Insn): void {
  loadT(cpu, i, true);
  const x = cpu.xmm, d = x.i16, t = x.ti16, o = i.reg << 3;
  for (let k = 0; k < 8; k++) d[o + k] = Math.imul(d[o + k], t[k]) >> 16;
}
export function pmulhuw(cpu: Cpu, i: Insn): void {
  loadT(cpu, i, true);
  const x = cpu.xmm, d = x.u16, t = x.tu16, o = i.reg << 3;
  for (let k = 0; k < 8; k++) d[o + k] = Math.imul(d[o + k], t[k]) >>> 16;
}
/** PMULUDQ: unsigned 32×32→64 of the even dwords. */
export function pmuludq(cpu: Cpu, i: Insn): void {
  loadT(cpu, i, true);
  const x = cpu.xmm, d = x.i32, t = x.ti32, o = i.reg << 2;
  for (let k = 0; k < 4; k += 2) {
    const a = d[o + k], b = t[k];
    const al = a & 0xffff, ah = a >>> 16, bl = b & 0xffff, bh = b >>> 16;
    const ll = al * bl, hl = ah * bl, lh = al * bh;
    const mid = (ll >>> 16) + (hl & 0xffff) + (lh & 0xffff);
    d[o + k] = Math.imul(a, b);
    d[o + k + 1] = (ah * bh + (hl >>> 16) + (lh >>> 16) + (mid >>> 16)) | 0;
  }
}
export function pmaddwd(cpu: Cpu, i: Insn): void {
  loadT(cpu, i, true);
  const x = cpu.xmm, d = x.i16, t = x.ti16, o = i.reg << 3, r = x.i32, ro = i.reg << 2;
  for (let k = 0; k < 4; k++) {
    const v = (Math.imul(d[o + 2 * k], t[2 * k]) + Math.imul(d[o + 2 * k + 1], t[2 * k + 1])) | 0;
    r[ro + k] = v;
  }
}
export function psadbw(cpu: Cpu, i: Insn): void {
  loadT(cpu, i, true);
  const x = cpu.xmm, d = x.u8, t = x.tu8, o = i.reg << 4, r = x.i32, ro = i.reg << 2;
  for (let h = 0; h < 2; h++) {
    let sum = 0;
    for (let k = 8 * h; k < 8 * h + 8; k++) {
      const v = d[o + k] - t[k];
      sum += v < 0 ? -v : v;
    }
    r[ro + 2 * h] = sum;
    r[ro + 2 * h + 1] = 0;
  }
}

// ---- average, min, max ----

export function pavgb(cpu: Cpu, i: Insn): void {
  loadT(cpu, i, true);
  const x = cpu.xmm, d = x.u8, t = x.tu8, o = i.reg << 4;
  for (let k = 0; k < 16; k++) d[o + k] = (d[o + k] + t[k] + 1) >> 1;
}
export function pavgw(cpu: Cpu, i: Insn): void {
  loadT(cpu, i, true);
  const x = cpu.xmm, d = x.u16, t = x.tu16, o = i.reg << 3;
  for (let k = 0; k < 8; k++) d[o + k] = (d[o + k] + t[k] + 1) >> 1;
}
export function pminub(cpu: Cpu, i: Insn): void {
  loadT(cpu, i, true);
  const x = cpu.xmm, d = x.u8, t = x.tu8, o = i.reg << 4;
  for (let k = 0; k < 16; k++) if (t[k] < d[o + k]) d[o + k] = t[k];
}
export function pmaxub(cpu: Cpu, i: Insn): void {
  loadT(cpu, i, true);
  const x = cpu.xmm, d = x.u8, t = x.tu8, o = i.reg << 4;
  for (let k = 0; k < 16; k++) if (t[k] > d[o + k]) d[o + k] = t[k];
}
export function pminsw(cpu: Cpu, i: Insn): void {
  loadT(cpu, i, true);
  const x = cpu.xmm, d = x.i16, t = x.ti16, o = i.reg << 3;
  for (let k = 0; k < 8; k++) if (t[k] < d[o + k]) d[o + k] = t[k];
}
export function pmaxsw(cpu: Cpu, i: Insn): void {
  loadT(cpu, i, true);
  const x = cpu.xmm, d = x.i16, t = x.ti16, o = i.reg << 3;
  for (let k = 0; k < 8; k++) if (t[k] > d[o + k]) d[o + k] = t[k];
}

// ---- compare ----

export function pcmpeqb(cpu: Cpu, i: Insn): void {
  loadT(cpu, i, true);
  const x = cpu.xmm, d = x.u8, t = x.tu8, o = i.reg << 4;
  for (let k = 0; k < 16; k++) d[o + k] = d[o + k] === t[k] ? 0xff : 0;
}
export function pcmpeqw(cpu: Cpu, i: Insn): void {
  loadT(cpu, i, true);
  const x = cpu.xmm, d = x.u16, t = x.tu16, o = i.reg << 3;
  for (let k = 0; k < 8; k++) d[o + k] = d[o + k] === t[k] ? 0xffff : 0;
}
export function pcmpeqd(cpu: Cpu, i: Insn): void {
  loadT(cpu, i, true);
  const x = cpu.xmm, d = x.i32, t = x.ti32, o = i.reg << 2;
  for (let k = 0; k < 4; k++) d[o + k] = d[o + k] === t[k] ? -1 : 0;
}
export function pcmpgtb(cpu: Cpu, i: Insn): void {
  loadT(cpu, i, true);
  const x = cpu.xmm, d = x.i8, t = x.ti8, o = i.reg << 4;
  for (let k = 0; k < 16; k++) d[o + k] = d[o + k] > t[k] ? -1 : 0;
}
export function pcmpgtw(cpu: Cpu, i: Insn): void {
  loadT(cpu, i, true);
  const x = cpu.xmm, d = x.i16, t = x.ti16, o = i.reg << 3;
  for (let k = 0; k < 8; k++) d[o + k] = d[o + k] > t[k] ? -1 : 0;
}
export function pcmpgtd(cpu: Cpu, i: Insn): void {
  loadT(cpu, i, true);
  const x = cpu.xmm, d = x.i32, t = x.ti32, o = i.reg << 2;
  for (let k = 0; k < 4; k++) d[o + k] = d[o + k] > t[k] ? -1 : 0;
}

// ---- logical (PAND… and ANDPS/ANDPD…, same bits) ----

export function pand(cpu: Cpu, i: Insn): void {
  loadT(cpu, i, true);
  const x = cpu.xmm, d = x.i32, t = x.ti32, o = i.reg << 2;
  d[o] &= t[0];
  d[o + 1] &= t[1];
  d[o + 2] &= t[2];
  d[o + 3] &= t[3];
}
export function pandn(cpu: Cpu, i: Insn): void {
  loadT(cpu, i, true);
  const x = cpu.xmm, d = x.i32, t = x.ti32, o = i.reg << 2;
  d[o] = ~d[o] & t[0];
  d[o + 1] = ~d[o + 1] & t[1];
  d[o + 2] = ~d[o + 2] & t[2];
  d[o + 3] = ~d[o + 3] & t[3];
}
export function por(cpu: Cpu, i: Insn): void {
  loadT(cpu, i, true);
  const x = cpu.xmm, d = x.i32, t = x.ti32, o = i.reg << 2;
  d[o] |= t[0];
  d[o + 1] |= t[1];
  d[o + 2] |= t[2];
  d[o + 3] |= t[3];
}
export function pxor(cpu: Cpu, i: Insn): void {
  loadT(cpu, i, true);
  const x = cpu.xmm, d = x.i32, t = x.ti32, o = i.reg << 2;
  d[o] ^= t[0];
  d[o + 1] ^= t[1];
  d[o + 2] ^= t[2];
  d[o + 3] ^= t[3];
}

// ---- shifts: i.sub = 0 logical right, 1 arithmetic right, 2 left ----

export const SH_RL = 0;
export const SH_RA = 1;
export const SH_LL = 2;

/** Shift count from the xmm/m128 source: its low quadword, unsigned (anything ≥ 64 saturates). */
function countT(cpu: Cpu, i: Insn): number {
  loadT(cpu, i, true);
  const t = cpu.xmm.ti32;
  return t[1] !== 0 || t[0] >>> 0 > 64 ? 64 : t[0];
}

function shiftW(cpu: Cpu, r: number, n: number, kind: number): void {
  const d = cpu.xmm.i16;
  const o = r << 3;
  if (kind === SH_RA) {
    if (n > 15) n = 15;
    for (let k = 0; k < 8; k++) d[o + k] = d[o + k] >> n;
  } else if (n > 15) {
    for (let k = 0; k < 8; k++) d[o + k] = 0;
  } else if (kind === SH_RL) {
    for (let k = 0; k < 8; k++) d[o + k] = (d[o + k] & 0xffff) >>> n;
  } else {
    for (let k = 0; k < 8; k++) d[o + k] = d[o + k] << n;
  }
}

function shiftD(cpu: Cpu, r: number, n: number, kind: number): void {
  const d = cpu.xmm.i32;
  const o = r << 2;
  if (kind === SH_RA) {
    if (n > 31) n = 31;
    for (let k = 0; k < 4; k++) d[o + k] = d[o + k] >> n;
  } else if (n > 31) {
    for (let k = 0; k < 4; k++) d[o + k] = 0;
  } else if (kind === SH_RL) {
    for (let k = 0; k < 4; k++) d[o + k] = d[o + k] >>> n;
  } else {
    for (let k = 0; k < 4; k++) d[o + k] = d[o + k] << n;
  }
}

function shiftQ(cpu: Cpu, r: number, n: number, kind: number): void {
  const d = cpu.xmm.i32;
  for (let o = r << 2, e = o + 4; o < e; o += 2) {
    const lo = d[o], hi = d[o + 1];
    if (n > 63) {
      d[o] = 0;
      d[o + 1] = 0;
    } else if (n === 0) {
      // unchanged
    } else if (kind === SH_RL) {
      if (n >= 32) {
        d[o] = hi >>> (n - 32);
        d[o + 1] = 0;
      } else {
        d[o] = (lo >>> n) | (hi << (32 - n));
        d[o + 1] = hi >>> n;
      }
    } else if (n >= 32) {
      d[o + 1] = lo << (n - 32);
      d[o] = 0;
    } else {
      d[o + 1] = (hi << n) | (lo >>> (32 - n));
      d[o] = lo << n;
    }
  }
}

/** PSRLW/PSRAW/PSLLW xmm, xmm/m128. */
export function shiftWX(cpu: Cpu, i: Insn): void {
  shiftW(cpu, i.reg, countT(cpu, i), i.sub);
}
export function shiftDX(cpu: Cpu, i: Insn): void {
  shiftD(cpu, i.reg, countT(cpu, i), i.sub);
}
export function shiftQX(cpu: Cpu, i: Insn): void {
  shiftQ(cpu, i.reg, countT(cpu, i), i.sub);
}
/** 66 0F 71/72/73 /n xmm, imm8 (register rm). */
export function shiftWI(cpu: Cpu, i: Insn): void {
  shiftW(cpu, i.rm, i.imm, i.sub);
}
export function shiftDI(cpu: Cpu, i: Insn): void {
  shiftD(cpu, i.rm, i.imm, i.sub);
}
export function shiftQI(cpu: Cpu, i: Insn): void {
  shiftQ(cpu, i.rm, i.imm, i.sub);
}

/** PSRLDQ xmm, imm8: whole register right by bytes. */
export function psrldq(cpu: Cpu, i: Insn): void {
  const d = cpu.xmm.u8;
  const o = i.rm << 4;
  const n = i.imm > 16 ? 16 : i.imm;
  for (let k = 0; k < 16; k++) d[o + k] = k + n < 16 ? d[o + k + n] : 0;
}

/** PSLLDQ xmm, imm8. */
export function pslldq(cpu: Cpu, i: Insn): void {
  const d = cpu.xmm.u8;
  const o = i.rm << 4;
  const n = i.imm > 16 ? 16 : i.imm;
  for (let k = 15; k >= 0; k--) d[o + k] = k >= n ? d[o + k - n] : 0;
}
