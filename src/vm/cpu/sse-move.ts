import { CpuFault, Vector } from '../mem/fault.js';
import type { Cpu } from './cpu.js';
import type { Insn } from './insn.js';
import { MX, MXCSR_MASK, gp, loadT, loadT64, store128, store64 } from './sse-state.js';
import { mmxEnter, mmxHi, mmxLo, mmxSet } from './x87-mmx.js';

/**
 * SSE/SSE2/SSE3 data movement: full-register loads and stores (aligned and
 * not), scalar and half-register moves, MOVD/MOVQ, the MMX↔XMM moves, mask
 * extraction, word insert/extract, non-temporal stores and MXCSR access.
 * Intel SDM Vol. 2, each instruction's page. `i.reg` is the XMM register of
 * the ModRM reg field; `i.rm` the register form of the other operand.
 */

function copyT(cpu: Cpu, r: number): void {
  const x = cpu.xmm;
  const d = x.i32;
  const t = x.ti32;
  const o = r << 2;
  d[o] = t[0];
  d[o + 1] = t[1];
  d[o + 2] = t[2];
  d[o + 3] = t[3];
}

/** MOVAPS MOVAPD MOVDQA MOVNTDQA-like loads: xmm ← xmm/m128 (16-byte aligned). */
export function movLoadA(cpu: Cpu, i: Insn): void {
  loadT(cpu, i, true);
  copyT(cpu, i.reg);
}

/** MOVUPS MOVUPD MOVDQU LDDQU: xmm ← xmm/m128 (any alignment). */
export function movLoadU(cpu: Cpu, i: Insn): void {
  loadT(cpu, i, false);
  copyT(cpu, i.reg);
}

function regCopy(cpu: Cpu, dst: number, src: number): void {
  const d = cpu.xmm.i32;
  const a = dst << 2;
  const b = src << 2;
  d[a] = d[b];
  d[a + 1] = d[b + 1];
  d[a + 2] = d[b + 2];
  d[a + 3] = d[b + 3];
}

/** MOVAPS/MOVAPD/MOVDQA/MOVNTPS/MOVNTPD/MOVNTDQ store: xmm/m128 ← xmm (aligned). */
export function movStoreA(cpu: Cpu, i: Insn): void {
  if (i.mod === 3) regCopy(cpu, i.rm, i.reg);
  else store128(cpu, i, i.reg, true);
}

/** MOVUPS/MOVUPD/MOVDQU store. */
export function movStoreU(cpu: Cpu, i: Insn): void {
  if (i.mod === 3) regCopy(cpu, i.rm, i.reg);
  else store128(cpu, i, i.reg, false);
}

/** MOVSS xmm, xmm/m32: from memory the upper 96 bits are zeroed; between registers they are kept. */
export function movssLoad(cpu: Cpu, i: Insn): void {
  const d = cpu.xmm.i32;
  const o = i.reg << 2;
  if (i.mod === 3) {
    d[o] = d[i.rm << 2];
    return;
  }
  const v = cpu.rd32(cpu.ea(i));
  d[o] = v;
  d[o + 1] = 0;
  d[o + 2] = 0;
  d[o + 3] = 0;
}

/** MOVSS xmm/m32, xmm. */
export function movssStore(cpu: Cpu, i: Insn): void {
  const d = cpu.xmm.i32;
  if (i.mod === 3) d[i.rm << 2] = d[i.reg << 2];
  else cpu.wr32(cpu.ea(i), d[i.reg << 2]);
}

/** MOVSD xmm, xmm/m64 (and MOVQ xmm, xmm/m64 with F3 0F 7E, which always zeroes the upper half). */
export function movsdLoad(cpu: Cpu, i: Insn): void {
  const d = cpu.xmm.i32;
  const o = i.reg << 2;
  if (i.mod === 3) {
    const s = i.rm << 2;
    d[o] = d[s];
    d[o + 1] = d[s + 1];
    return;
  }
  const a = cpu.ea(i);
  const lo = cpu.rd32(a);
  const hi = cpu.rd32((a + 4) | 0);
  d[o] = lo;
  d[o + 1] = hi;
  d[o + 2] = 0;
  d[o + 3] = 0;
}

/** MOVSD xmm/m64, xmm. */
export function movsdStore(cpu: Cpu, i: Insn): void {
  if (i.mod !== 3) {
    store64(cpu, i, i.reg, 0);
    return;
  }
  const d = cpu.xmm.i32;
  const o = i.rm << 2;
  const s = i.reg << 2;
  d[o] = d[s];
  d[o + 1] = d[s + 1];
}

/** MOVQ xmm, xmm/m64 (F3 0F 7E): upper half zeroed in both forms. */
export function movqLoad(cpu: Cpu, i: Insn): void {
  loadT64(cpu, i);
  copyT(cpu, i.reg);
}

/** MOVQ xmm/m64, xmm (66 0F D6): the register form zeroes the destination's upper half. */
export function movqStore(cpu: Cpu, i: Insn): void {
  if (i.mod !== 3) {
    store64(cpu, i, i.reg, 0);
    return;
  }
  const d = cpu.xmm.i32;
  const o = i.rm << 2;
  const s = i.reg << 2;
  d[o] = d[s];
  d[o + 1] = d[s + 1];
  d[o + 2] = 0;
  d[o + 3] = 0;
}

/** MOVLPS/MOVLPD xmm, m64 (low half loaded); register form of 0F 12 is MOVHLPS (low ← source high). */
export function movlpLoad(cpu: Cpu, i: Insn): void {
  const d = cpu.xmm.i32;
  const o = i.reg << 2;
  if (i.mod === 3) {
    const s = i.rm << 2;
    d[o] = d[s + 2];
    d[o + 1] = d[s + 3];
    return;
  }
  const a = cpu.ea(i);
  const lo = cpu.rd32(a);
  const hi = cpu.rd32((a + 4) | 0);
  d[o] = lo;
  d[o + 1] = hi;
}

/** MOVHPS/MOVHPD xmm, m64 (high half loaded); register form of 0F 16 is MOVLHPS (high ← source low). */
export function movhpLoad(cpu: Cpu, i: Insn): void {
  const d = cpu.xmm.i32;
  const o = i.reg << 2;
  if (i.mod === 3) {
    const s = i.rm << 2;
    d[o + 2] = d[s];
    d[o + 3] = d[s + 1];
    return;
  }
  const a = cpu.ea(i);
  const lo = cpu.rd32(a);
  const hi = cpu.rd32((a + 4) | 0);
  d[o + 2] = lo;
  d[o + 3] = hi;
}

/** MOVLPS/MOVLPD m64, xmm. */
export function movlpStore(cpu: Cpu, i: Insn): void {
  store64(cpu, i, i.reg, 0);
}

/** MOVHPS/MOVHPD m64, xmm. */
export function movhpStore(cpu: Cpu, i: Insn): void {
  store64(cpu, i, i.reg, 2);
}

/** MOVSLDUP (i.sub 0) / MOVSHDUP (i.sub 1): duplicate the even / odd singles. */
export function movsxdup(cpu: Cpu, i: Insn): void {
  loadT(cpu, i, true);
  const x = cpu.xmm;
  const t = x.ti32;
  const d = x.i32;
  const o = i.reg << 2;
  const k = i.sub;
  d[o] = t[k];
  d[o + 1] = t[k];
  d[o + 2] = t[k + 2];
  d[o + 3] = t[k + 2];
}

/** MOVDDUP xmm, xmm/m64. */
export function movddup(cpu: Cpu, i: Insn): void {
  loadT64(cpu, i);
  const x = cpu.xmm;
  const t = x.ti32;
  const d = x.i32;
  const o = i.reg << 2;
  d[o] = t[0];
  d[o + 1] = t[1];
  d[o + 2] = t[0];
  d[o + 3] = t[1];
}

/** MOVD xmm, r/m32 (66 0F 6E). */
export function movdToX(cpu: Cpu, i: Insn): void {
  const v = cpu.readE(i, 4);
  const d = cpu.xmm.i32;
  const o = i.reg << 2;
  d[o] = v;
  d[o + 1] = 0;
  d[o + 2] = 0;
  d[o + 3] = 0;
}

/** MOVD r/m32, xmm (66 0F 7E). */
export function movdFromX(cpu: Cpu, i: Insn): void {
  cpu.writeE(i, 4, cpu.xmm.i32[i.reg << 2]);
}

/** MOVQ2DQ xmm, mm (F3 0F D6). */
export function movq2dq(cpu: Cpu, i: Insn): void {
  mmxEnter(cpu);
  const d = cpu.xmm.i32;
  const o = i.reg << 2;
  d[o] = mmxLo(cpu, i.rm);
  d[o + 1] = mmxHi(cpu, i.rm);
  d[o + 2] = 0;
  d[o + 3] = 0;
}

/** MOVDQ2Q mm, xmm (F2 0F D6). */
export function movdq2q(cpu: Cpu, i: Insn): void {
  mmxEnter(cpu);
  const d = cpu.xmm.i32;
  const o = i.rm << 2;
  mmxSet(cpu, i.reg, d[o], d[o + 1]);
}

/** MOVMSKPS r32, xmm. */
export function movmskps(cpu: Cpu, i: Insn): void {
  const d = cpu.xmm.i32;
  const o = i.rm << 2;
  cpu.s[i.reg] = (d[o] >>> 31) | ((d[o + 1] >>> 31) << 1) | ((d[o + 2] >>> 31) << 2) | ((d[o + 3] >>> 31) << 3);
}

/** MOVMSKPD r32, xmm. */
export function movmskpd(cpu: Cpu, i: Insn): void {
  const d = cpu.xmm.i32;
  const o = i.rm << 2;
  cpu.s[i.reg] = (d[o + 1] >>> 31) | ((d[o + 3] >>> 31) << 1);
}

/** PMOVMSKB r32, xmm: the sign bit of each byte. */
export function pmovmskb(cpu: Cpu, i: Insn): void {
  const b = cpu.xmm.u8;
  const o = i.rm << 4;
  let m = 0;
  for (let k = 15; k >= 0; k--) m = (m << 1) | (b[o + k] >> 7);
  cpu.s[i.reg] = m;
}

/** PEXTRW r32, xmm, imm8 (66 0F C5). */
export function pextrw(cpu: Cpu, i: Insn): void {
  cpu.s[i.reg] = cpu.xmm.u16[(i.rm << 3) + (i.imm & 7)];
}

/** PINSRW xmm, r32/m16, imm8 (66 0F C4). */
export function pinsrw(cpu: Cpu, i: Insn): void {
  const v = i.mod === 3 ? cpu.s[i.rm] : cpu.rd16(cpu.ea(i));
  cpu.xmm.u16[(i.reg << 3) + (i.imm & 7)] = v;
}

/** MASKMOVDQU xmm1, xmm2: bytes of xmm1 whose mask byte (xmm2) has bit 7 set go to DS:[EDI]. */
export function maskmovdqu(cpu: Cpu, i: Insn): void {
  const b = cpu.xmm.u8;
  const src = i.reg << 4;
  const msk = i.rm << 4;
  i.base = 7;
  i.index = -1;
  i.disp = 0;
  const a = cpu.ea(i);
  // Probe every selected byte before storing any (precise faults).
  for (let k = 0; k < 16; k++) if (b[msk + k] & 0x80) cpu.probeWrite((a + k) | 0, 1);
  for (let k = 0; k < 16; k++) if (b[msk + k] & 0x80) cpu.wr8((a + k) | 0, b[src + k]);
}

/** MOVNTI m32, r32 (0F C3). */
export function movnti(cpu: Cpu, i: Insn): void {
  cpu.wr32(cpu.ea(i), cpu.s[i.reg]);
}

/** LDMXCSR m32: reserved bits set raise #GP (Intel SDM Vol. 2, LDMXCSR). */
export function ldmxcsr(cpu: Cpu, i: Insn): void {
  const v = cpu.rd32(cpu.ea(i));
  if ((v & ~MXCSR_MASK) !== 0) gp();
  cpu.s[MX] = v;
}

/** STMXCSR m32. */
export function stmxcsr(cpu: Cpu, i: Insn): void {
  cpu.wr32(cpu.ea(i), cpu.s[MX]);
}

export function udHandler(_cpu: Cpu, _i: Insn): void {
  throw new CpuFault(Vector.UD);
}
