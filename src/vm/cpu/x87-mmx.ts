import { X87_STATE } from '../mem/layout.js';
import type { Cpu } from './cpu.js';

/**
 * MMX registers as the SSE unit sees them (MOVQ2DQ, CVTPI2PS…). MMn is the
 * low 64 bits of x87 physical register n (Intel SDM Vol. 1 §9.5). This API
 * is a contract between the units; the x87 unit owns the storage behind it.
 * Provisional storage: physical register n at X87_STATE + 0x40 + 16n, 80-bit
 * layout (significand at +0, sign/exponent at +8).
 */
const REG0 = (X87_STATE + 0x40) >> 2;

/** Low 32 bits of MMn. */
export function mmxLo(cpu: Cpu, n: number): number {
  return cpu.s[REG0 + n * 4];
}

/** High 32 bits of MMn. */
export function mmxHi(cpu: Cpu, n: number): number {
  return cpu.s[REG0 + n * 4 + 1];
}

/** Write MMn (and enter MMX state: TOP = 0, all tags valid, exponent bits all ones). */
export function mmxSet(cpu: Cpu, n: number, lo: number, hi: number): void {
  const s = cpu.s;
  s[REG0 + n * 4] = lo;
  s[REG0 + n * 4 + 1] = hi;
  s[REG0 + n * 4 + 2] = 0xffff;
}

/** Any MMX instruction (except EMMS) makes TOP 0 and every tag valid, even one that only reads. */
export function mmxEnter(_cpu: Cpu): void {}
