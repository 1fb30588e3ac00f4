import type { Cpu } from './cpu.js';
import type { Insn } from './insn.js';
import * as FP from './sse-fpu.js';
import { commitFlags, loadT, loadT32, loadT64, writeU } from './sse-state.js';
import { mmxEnter, mmxHi, mmxLo, mmxSet } from './x87-mmx.js';

/**
 * Conversions between int32, binary32 and binary64 (Intel SDM Vol. 2,
 * CVT*): rounding by MXCSR.RC (or toward zero for the CVTT* forms, `i.sub`
 * = 1), the integer indefinite 0x80000000 with IE on NaN or overflow, PE on
 * inexact results, NaN quieting with IE for SNaN, DE/DAZ on float sources,
 * and OE/UE/FTZ when narrowing to single. The MMX forms (CVTPI2PS…) use the
 * x87 unit's MMX register API.
 */

// ---- float → int32 ----

function f32ToInt(b: number, trunc: boolean): number {
  if (FP.isNaN32(b)) {
    FP.raise(1);
    return 0x80000000 | 0;
  }
  return FP.toInt32(FP.bitsf32(FP.daz32(b)), trunc);
}

function f64ToInt(lo: number, hi: number, trunc: boolean): number {
  if (FP.isNaN64(lo, hi)) {
    FP.raise(1);
    return 0x80000000 | 0;
  }
  return FP.toInt32(FP.bitsf64(FP.dazLo(lo, hi), FP.dazHi(hi)), trunc);
}

/** CVTSS2SI / CVTTSS2SI r32, xmm/m32. */
export function cvtss2si(cpu: Cpu, i: Insn): void {
  loadT32(cpu, i);
  FP.begin(cpu);
  const r = f32ToInt(cpu.xmm.ti32[0], i.sub === 1);
  commitFlags(cpu, FP.ex);
  cpu.s[i.reg] = r;
}

/** CVTSD2SI / CVTTSD2SI r32, xmm/m64. */
export function cvtsd2si(cpu: Cpu, i: Insn): void {
  loadT64(cpu, i);
  FP.begin(cpu);
  const t = cpu.xmm.ti32;
  const r = f64ToInt(t[0], t[1], i.sub === 1);
  commitFlags(cpu, FP.ex);
  cpu.s[i.reg] = r;
}

/** CVTPS2DQ (sub 0) / CVTTPS2DQ (sub 1). */
export function cvtps2dq(cpu: Cpu, i: Insn): void {
  loadT(cpu, i, true);
  FP.begin(cpu);
  const t = cpu.xmm.ti32, tr = i.sub === 1;
  for (let k = 0; k < 4; k++) t[4 + k] = f32ToInt(t[k], tr);
  commitFlags(cpu, FP.ex);
  writeU(cpu, i.reg);
}

/** CVTPD2DQ (sub 0) / CVTTPD2DQ (sub 1): two results, upper half zeroed. */
export function cvtpd2dq(cpu: Cpu, i: Insn): void {
  loadT(cpu, i, true);
  FP.begin(cpu);
  const t = cpu.xmm.ti32, tr = i.sub === 1;
  t[4] = f64ToInt(t[0], t[1], tr);
  t[5] = f64ToInt(t[2], t[3], tr);
  t[6] = 0;
  t[7] = 0;
  commitFlags(cpu, FP.ex);
  writeU(cpu, i.reg);
}

/** CVTPS2PI / CVTTPS2PI mm, xmm/m64. */
export function cvtps2pi(cpu: Cpu, i: Insn): void {
  loadT64(cpu, i);
  FP.begin(cpu);
  const t = cpu.xmm.ti32, tr = i.sub === 1;
  const a = f32ToInt(t[0], tr);
  const b = f32ToInt(t[1], tr);
  commitFlags(cpu, FP.ex);
  mmxEnter(cpu);
  mmxSet(cpu, i.reg, a, b);
}

/** CVTPD2PI / CVTTPD2PI mm, xmm/m128. */
export function cvtpd2pi(cpu: Cpu, i: Insn): void {
  loadT(cpu, i, true);
  FP.begin(cpu);
  const t = cpu.xmm.ti32, tr = i.sub === 1;
  const a = f64ToInt(t[0], t[1], tr);
  const b = f64ToInt(t[2], t[3], tr);
  commitFlags(cpu, FP.ex);
  mmxEnter(cpu);
  mmxSet(cpu, i.reg, a, b);
}

// ---- int32 → float ----

/** CVTSI2SS xmm, r/m32. */
export function cvtsi2ss(cpu: Cpu, i: Insn): void {
  const n = cpu.readE(i, 4);
  FP.begin(cpu);
  const r = FP.intTo32(n);
  commitFlags(cpu, FP.ex);
  cpu.xmm.i32[i.reg << 2] = r;
}

/** CVTSI2SD xmm, r/m32 (always exact). */
export function cvtsi2sd(cpu: Cpu, i: Insn): void {
  const n = cpu.readE(i, 4);
  cpu.xmm.f64[i.reg << 1] = n;
}

/** CVTDQ2PS. */
export function cvtdq2ps(cpu: Cpu, i: Insn): void {
  loadT(cpu, i, true);
  FP.begin(cpu);
  const t = cpu.xmm.ti32;
  for (let k = 0; k < 4; k++) t[4 + k] = FP.intTo32(t[k]);
  commitFlags(cpu, FP.ex);
  writeU(cpu, i.reg);
}

/** CVTDQ2PD xmm, xmm/m64. */
export function cvtdq2pd(cpu: Cpu, i: Insn): void {
  loadT64(cpu, i);
  const x = cpu.xmm, t = x.ti32, o = i.reg << 1;
  const a = t[0], b = t[1];
  x.f64[o] = a;
  x.f64[o + 1] = b;
}

/** Two int32 of an MMX register or m64 into T[0..1]; an MMX register source enters MMX state. */
function loadPi(cpu: Cpu, i: Insn): void {
  const t = cpu.xmm.ti32;
  if (i.mod === 3) {
    mmxEnter(cpu);
    t[0] = mmxLo(cpu, i.rm);
    t[1] = mmxHi(cpu, i.rm);
  } else {
    const a = cpu.ea(i);
    t[0] = cpu.rd32(a);
    t[1] = cpu.rd32((a + 4) | 0);
  }
}

/** CVTPI2PS xmm, mm/m64: the upper two singles are kept. */
export function cvtpi2ps(cpu: Cpu, i: Insn): void {
  loadPi(cpu, i);
  FP.begin(cpu);
  const t = cpu.xmm.ti32;
  const a = FP.intTo32(t[0]);
  const b = FP.intTo32(t[1]);
  commitFlags(cpu, FP.ex);
  const d = cpu.xmm.i32, o = i.reg << 2;
  d[o] = a;
  d[o + 1] = b;
}

/** CVTPI2PD xmm, mm/m64. */
export function cvtpi2pd(cpu: Cpu, i: Insn): void {
  loadPi(cpu, i);
  const x = cpu.xmm, t = x.ti32, o = i.reg << 1;
  const a = t[0], b = t[1];
  x.f64[o] = a;
  x.f64[o + 1] = b;
}

// ---- single ↔ double ----

/** binary32 bits → binary64 (exact; NaN quieted, SNaN invalid; denormal DE or DAZ) into rlo/rhi. */
function widen(b: number): void {
  if (FP.isNaN32(b)) {
    if (FP.isSNaN32(b)) FP.raise(1);
    const m = b & 0x7fffff;
    FP.setDBits(m << 29, (b & 0x80000000) | 0x7ff80000 | (m >>> 3));
    return;
  }
  FP.setD(FP.bitsf32(FP.src32(b)));
}

/** binary64 → binary32 bits, rounded by MXCSR with OE/UE/PE/FTZ. */
function narrow(lo: number, hi: number): number {
  if (FP.isNaN64(lo, hi)) {
    if (FP.isSNaN64(lo, hi)) FP.raise(1);
    return (hi & 0x80000000) | 0x7fc00000 | ((hi & 0xfffff) << 3) | (lo >>> 29);
  }
  lo = FP.src64(lo, hi);
  return FP.finish32(FP.bitsf64(lo, FP.srcHi), 0);
}

/** CVTPS2PD xmm, xmm/m64. */
export function cvtps2pd(cpu: Cpu, i: Insn): void {
  loadT64(cpu, i);
  FP.begin(cpu);
  const t = cpu.xmm.ti32;
  widen(t[0]);
  t[4] = FP.rlo;
  t[5] = FP.rhi;
  widen(t[1]);
  t[6] = FP.rlo;
  t[7] = FP.rhi;
  commitFlags(cpu, FP.ex);
  writeU(cpu, i.reg);
}

/** CVTSS2SD xmm, xmm/m32. */
export function cvtss2sd(cpu: Cpu, i: Insn): void {
  loadT32(cpu, i);
  FP.begin(cpu);
  widen(cpu.xmm.ti32[0]);
  commitFlags(cpu, FP.ex);
  const d = cpu.xmm.i32, o = i.reg << 2;
  d[o] = FP.rlo;
  d[o + 1] = FP.rhi;
}

/** CVTPD2PS xmm, xmm/m128: upper half zeroed. */
export function cvtpd2ps(cpu: Cpu, i: Insn): void {
  loadT(cpu, i, true);
  FP.begin(cpu);
  const t = cpu.xmm.ti32;
  t[4] = narrow(t[0], t[1]);
  t[5] = narrow(t[2], t[3]);
  t[6] = 0;
  t[7] = 0;
  commitFlags(cpu, FP.ex);
  writeU(cpu, i.reg);
}

/** CVTSD2SS xmm, xmm/m64. */
export function cvtsd2ss(cpu: Cpu, i: Insn): void {
  loadT64(cpu, i);
  FP.begin(cpu);
  const t = cpu.xmm.ti32;
  const r = narrow(t[0], t[1]);
  commitFlags(cpu, FP.ex);
  cpu.xmm.i32[i.reg << 2] = r;
}
