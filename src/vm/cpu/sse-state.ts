import { CpuFault, Vector } from '../mem/fault.js';
import { MXCSR_STATE, XMM_STATE } from '../mem/layout.js';
import type { Cpu } from './cpu.js';
import type { Insn } from './insn.js';

/**
 * The SSE unit's view of its state: XMM0–7 at XMM_STATE (16 bytes each,
 * little-endian) and MXCSR at MXCSR_STATE, both in the VM's shared memory,
 * plus private scratch registers. Every handler copies its source operand
 * (register or memory) into scratch T first, so the arithmetic reads one
 * array kind per site and never aliases its destination; results that
 * depend on the old destination in a shuffled order are built in scratch U.
 * The views are created once per Cpu (Cpu.xmm): no allocation per instruction.
 */
export class XmmViews {
  readonly u8: Uint8Array;
  readonly i8: Int8Array;
  readonly u16: Uint16Array;
  readonly i16: Int16Array;
  readonly i32: Int32Array;
  readonly f32: Float32Array;
  readonly f64: Float64Array;
  // Scratch: T at element 0 (source operand), U at byte 16 (result under construction).
  readonly tu8: Uint8Array;
  readonly ti8: Int8Array;
  readonly tu16: Uint16Array;
  readonly ti16: Int16Array;
  readonly ti32: Int32Array;
  readonly tf32: Float32Array;
  readonly tf64: Float64Array;

  constructor(state: Int32Array) {
    const buf = state.buffer;
    const o = state.byteOffset + XMM_STATE;
    this.u8 = new Uint8Array(buf, o, 128);
    this.i8 = new Int8Array(buf, o, 128);
    this.u16 = new Uint16Array(buf, o, 64);
    this.i16 = new Int16Array(buf, o, 64);
    this.i32 = new Int32Array(buf, o, 32);
    this.f32 = new Float32Array(buf, o, 32);
    this.f64 = new Float64Array(buf, o, 16);
    const t = new ArrayBuffer(64);
    this.tu8 = new Uint8Array(t);
    this.ti8 = new Int8Array(t);
    this.tu16 = new Uint16Array(t);
    this.ti16 = new Int16Array(t);
    this.ti32 = new Int32Array(t);
    this.tf32 = new Float32Array(t);
    this.tf64 = new Float64Array(t);
  }
}

/** Int32 slot of MXCSR in Cpu.s. */
export const MX = MXCSR_STATE >> 2;

// MXCSR bits (Intel SDM Vol. 1 §10.2.3).
export const MX_IE = 0x1;
export const MX_DE = 0x2;
export const MX_ZE = 0x4;
export const MX_OE = 0x8;
export const MX_UE = 0x10;
export const MX_PE = 0x20;
export const MX_DAZ = 0x40;
export const MX_FZ = 0x8000;
export const MX_RC_SHIFT = 13;
/** Power-up / execve value: every exception masked, round to nearest. */
export const MXCSR_DEFAULT = 0x1f80;
/** Bits LDMXCSR accepts (MXCSR_MASK of a CPU with DAZ); others raise #GP. */
export const MXCSR_MASK = 0xffff;

/** Reset the SSE state of a task's register file (execve): XMM zero, MXCSR 0x1F80. */
export function resetSseState(regs: Int32Array): void {
  regs.fill(0, XMM_STATE >> 2, (XMM_STATE >> 2) + 32);
  regs[MX] = MXCSR_DEFAULT;
}

export function gp(): never {
  throw new CpuFault(Vector.GP);
}

/**
 * Fold the exception flags `ex` of an instruction into MXCSR. If any of them
 * is unmasked, raise #XM instead of completing: the caller must not have
 * written its destination yet (Intel SDM Vol. 1 §11.5.3).
 */
export function commitFlags(cpu: Cpu, ex: number): void {
  if (ex === 0) return;
  const s = cpu.s;
  const m = s[MX];
  s[MX] = m | ex;
  if ((ex & ~(m >> 7) & 0x3f) !== 0) throw new CpuFault(Vector.XM);
}

// ---- operand access ----

/** Load the 16-byte source operand (XMM rm or m128) into T. `aligned`: legacy SSE #GP on misalignment. */
export function loadT(cpu: Cpu, i: Insn, aligned: boolean): void {
  const x = cpu.xmm;
  const t = x.ti32;
  if (i.mod === 3) {
    const r = x.i32;
    const o = i.rm << 2;
    t[0] = r[o];
    t[1] = r[o + 1];
    t[2] = r[o + 2];
    t[3] = r[o + 3];
    return;
  }
  const a = cpu.ea(i);
  if (aligned && (a & 15) !== 0) gp();
  t[0] = cpu.rd32(a);
  t[1] = cpu.rd32((a + 4) | 0);
  t[2] = cpu.rd32((a + 8) | 0);
  t[3] = cpu.rd32((a + 12) | 0);
}

/** Load the low 8 bytes of the source (XMM rm or m64) into T[0..1]; T[2..3] are zeroed. */
export function loadT64(cpu: Cpu, i: Insn): void {
  const x = cpu.xmm;
  const t = x.ti32;
  if (i.mod === 3) {
    const o = i.rm << 2;
    t[0] = x.i32[o];
    t[1] = x.i32[o + 1];
  } else {
    const a = cpu.ea(i);
    t[0] = cpu.rd32(a);
    t[1] = cpu.rd32((a + 4) | 0);
  }
  t[2] = 0;
  t[3] = 0;
}

/** Load the low 4 bytes of the source (XMM rm or m32) into T[0]. */
export function loadT32(cpu: Cpu, i: Insn): void {
  const x = cpu.xmm;
  x.ti32[0] = i.mod === 3 ? x.i32[i.rm << 2] : cpu.rd32(cpu.ea(i));
}

/** Store XMM register `r` to the 16-byte memory operand. */
export function store128(cpu: Cpu, i: Insn, r: number, aligned: boolean): void {
  const a = cpu.ea(i);
  if (aligned) {
    if ((a & 15) !== 0) gp();
  } else cpu.probeWrite(a, 16);
  const v = cpu.xmm.i32;
  const o = r << 2;
  // An aligned operand lies in one page: the first write faults or none does.
  cpu.wr32(a, v[o]);
  cpu.wr32((a + 4) | 0, v[o + 1]);
  cpu.wr32((a + 8) | 0, v[o + 2]);
  cpu.wr32((a + 12) | 0, v[o + 3]);
}

/** Store dwords k, k+1 of XMM register `r` to an m64 operand. */
export function store64(cpu: Cpu, i: Insn, r: number, k: number): void {
  const a = cpu.ea(i);
  cpu.probeWrite(a, 8);
  const v = cpu.xmm.i32;
  const o = (r << 2) + k;
  cpu.wr32(a, v[o]);
  cpu.wr32((a + 4) | 0, v[o + 1]);
}

/** Copy scratch U (T's bytes 16–31) into XMM register `r`. */
export function writeU(cpu: Cpu, r: number): void {
  const x = cpu.xmm;
  const o = r << 2;
  const t = x.ti32;
  const d = x.i32;
  d[o] = t[4];
  d[o + 1] = t[5];
  d[o + 2] = t[6];
  d[o + 3] = t[7];
}
