import { PAGE_SHIFT } from '../mem/layout.js';
import type { Cpu } from './cpu.js';

/**
 * Multi-byte memory access for the x87/MMX unit. Reads never change state
 * (a fault leaves everything as it was); writes wider than 4 bytes probe the
 * whole range first so a fault cannot leave half an operand written.
 */
export function rdF64(cpu: Cpu, a: number): number {
  const o = a & 0xfff;
  const e = cpu.tlbR[a >>> PAGE_SHIFT];
  if (e !== 0 && o <= 0xff8) return cpu.dv.getFloat64(e + o, true);
  const lo = cpu.rd32(a);
  const hi = cpu.rd32((a + 4) | 0);
  BITS_I[0] = lo;
  BITS_I[1] = hi;
  return BITS_F[0];
}

const BITS_F = new Float64Array(1);
const BITS_I = new Int32Array(BITS_F.buffer);

export function wr64(cpu: Cpu, a: number, lo: number, hi: number): void {
  const o = a & 0xfff;
  const e = cpu.tlbW[a >>> PAGE_SHIFT];
  if (e !== 0 && o <= 0xff8) {
    const dv = cpu.dv;
    dv.setInt32(e + o, lo, true);
    dv.setInt32(e + o + 4, hi, true);
    return;
  }
  cpu.probeWrite(a, 8);
  cpu.wr32(a, lo);
  cpu.wr32((a + 4) | 0, hi);
}

/** Write an 80-bit value (significand lo/hi, sign+exponent se). */
export function wr80(cpu: Cpu, a: number, lo: number, hi: number, se: number): void {
  cpu.probeWrite(a, 10);
  cpu.wr32(a, lo);
  cpu.wr32((a + 4) | 0, hi);
  cpu.wr16((a + 8) | 0, se & 0xffff);
}

/** Write `n` bytes from `bytes` (FSAVE/FXSAVE images): probe first. */
export function wrBytes(cpu: Cpu, a: number, bytes: Uint8Array, n: number): void {
  cpu.probeWrite(a, n);
  for (let k = 0; k < n; k += 4) {
    if (n - k >= 4) cpu.wr32((a + k) | 0, bytes[k] | (bytes[k + 1] << 8) | (bytes[k + 2] << 16) | (bytes[k + 3] << 24));
    else for (let j = k; j < n; j++) cpu.wr8((a + j) | 0, bytes[j]);
  }
}

/** Read `n` bytes into `out` (reads all before anything changes). */
export function rdBytes(cpu: Cpu, a: number, out: Uint8Array, n: number): void {
  for (let k = 0; k < n; k += 4) {
    if (n - k >= 4) {
      const v = cpu.rd32((a + k) | 0);
      out[k] = v;
      out[k + 1] = v >> 8;
      out[k + 2] = v >> 16;
      out[k + 3] = v >> 24;
    } else for (let j = k; j < n; j++) out[j] = cpu.rd8((a + j) | 0);
  }
}
