import type { Cpu } from './cpu.js';
import { F64I, RAW, R_HI, R_LO, R_SE, X_TOP, X_VALID, checkPending, to80 } from './x87-state.js';

/**
 * MMX registers as the SSE unit sees them (MOVQ2DQ, CVTPI2PS…). MMn is the
 * low 64 bits of x87 physical register n (Intel SDM Vol. 1 §9.5). This API
 * is a contract between the units; the x87 unit owns the storage behind it:
 * MMn is the significand of the exact 80-bit image of slot n (x87-state.ts
 * RAW + 4n: lo, hi), made current on first read when the register was last
 * written by x87 arithmetic.
 */

function materialize(s: Int32Array, n: number): void {
  to80(s, n);
  const r = RAW + 4 * n;
  s[r] = R_LO;
  s[r + 1] = R_HI;
  s[r + 2] = R_SE;
  s[r + 3] = 1;
}

/** Low 32 bits of MMn. */
export function mmxLo(cpu: Cpu, n: number): number {
  const s = cpu.s;
  if (s[RAW + 4 * n + 3] === 0) materialize(s, n);
  return s[RAW + 4 * n];
}

/** High 32 bits of MMn. */
export function mmxHi(cpu: Cpu, n: number): number {
  const s = cpu.s;
  if (s[RAW + 4 * n + 3] === 0) materialize(s, n);
  return s[RAW + 4 * n + 1];
}

/** Write MMn (and enter MMX state: TOP = 0, all tags valid, exponent bits all ones). */
export function mmxSet(cpu: Cpu, n: number, lo: number, hi: number): void {
  const s = cpu.s;
  const r = RAW + 4 * n;
  s[r] = lo;
  s[r + 1] = hi;
  s[r + 2] = 0xffff;
  s[r + 3] = 1;
  // The float64 view of 0xFFFF:hi:lo — a NaN (or −∞), payload truncated like FST m64 would.
  s[F64I + 2 * n] = (hi << 21) | (lo >>> 11);
  s[F64I + 2 * n + 1] = 0xfff00000 | ((hi >>> 11) & 0xfffff);
}

/**
 * Any MMX instruction (except EMMS) makes TOP 0 and every tag valid, even one
 * that only reads. A pending unmasked x87 exception raises #MF first.
 */
export function mmxEnter(cpu: Cpu): void {
  const s = cpu.s;
  checkPending(s);
  s[X_TOP] = 0;
  s[X_VALID] = 0xff;
}

/** EMMS: every tag empty. */
export function emms(cpu: Cpu): void {
  const s = cpu.s;
  checkPending(s);
  s[X_VALID] = 0;
}
