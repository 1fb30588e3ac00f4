import type { Cpu } from './cpu.js';
import type { Insn } from './insn.js';
import { emms, mmxEnter, mmxHi, mmxLo, mmxSet } from './x87-mmx.js';
import { wr64 } from './x87-mem.js';

/**
 * MMX instructions and the MMX-register forms SSE/SSE2/SSSE3 added (SDM
 * Vol. 2). Operands are copied into 8-byte scratch views (D destination,
 * S source), the result is built in R and written back with mmxSet: no
 * allocation per instruction. `i.sub` is the opcode (byte after 0F, or
 * 0x38xx / 0x3Axx), `i.imm` the immediate.
 */
const buf = new ArrayBuffer(24);
const D8 = new Uint8Array(buf, 0, 8), S8 = new Uint8Array(buf, 8, 8), R8 = new Uint8Array(buf, 16, 8);
const D8s = new Int8Array(buf, 0, 8), S8s = new Int8Array(buf, 8, 8), R8s = new Int8Array(buf, 16, 8);
const D16 = new Uint16Array(buf, 0, 4), S16 = new Uint16Array(buf, 8, 4), R16 = new Uint16Array(buf, 16, 4);
const D16s = new Int16Array(buf, 0, 4), S16s = new Int16Array(buf, 8, 4), R16s = new Int16Array(buf, 16, 4);
const D32 = new Int32Array(buf, 0, 2), S32 = new Int32Array(buf, 8, 2), R32 = new Int32Array(buf, 16, 2);

function loadSrc(cpu: Cpu, i: Insn): void {
  if (i.mod === 3) {
    S32[0] = mmxLo(cpu, i.rm);
    S32[1] = mmxHi(cpu, i.rm);
  } else {
    const a = cpu.ea(i);
    S32[0] = cpu.rd32(a);
    // PUNPCKL* read only 32 bits from memory.
    S32[1] = i.sub >= 0x60 && i.sub <= 0x62 ? 0 : cpu.rd32((a + 4) | 0);
  }
}

function loadDst(cpu: Cpu, i: Insn): void {
  D32[0] = mmxLo(cpu, i.reg);
  D32[1] = mmxHi(cpu, i.reg);
}

function sat8s(v: number): number { return v > 127 ? 127 : v < -128 ? -128 : v; }
function sat8u(v: number): number { return v > 255 ? 255 : v < 0 ? 0 : v; }
function sat16s(v: number): number { return v > 32767 ? 32767 : v < -32768 ? -32768 : v; }
function sat16u(v: number): number { return v > 65535 ? 65535 : v < 0 ? 0 : v; }

/** Two-operand ops: MMn ← MMn op mm/m64. */
export function mmxOp(cpu: Cpu, i: Insn): void {
  loadSrc(cpu, i);
  mmxEnter(cpu);
  loadDst(cpu, i);
  let k: number;
  switch (i.sub) {
    // unpack
    case 0x60: for (k = 0; k < 4; k++) { R8[2 * k] = D8[k]; R8[2 * k + 1] = S8[k]; } break;
    case 0x61: for (k = 0; k < 2; k++) { R16[2 * k] = D16[k]; R16[2 * k + 1] = S16[k]; } break;
    case 0x62: R32[0] = D32[0]; R32[1] = S32[0]; break;
    case 0x68: for (k = 0; k < 4; k++) { R8[2 * k] = D8[k + 4]; R8[2 * k + 1] = S8[k + 4]; } break;
    case 0x69: for (k = 0; k < 2; k++) { R16[2 * k] = D16[k + 2]; R16[2 * k + 1] = S16[k + 2]; } break;
    case 0x6a: R32[0] = D32[1]; R32[1] = S32[1]; break;
    // pack
    case 0x63: for (k = 0; k < 4; k++) { R8s[k] = sat8s(D16s[k]); R8s[k + 4] = sat8s(S16s[k]); } break;
    case 0x67: for (k = 0; k < 4; k++) { R8[k] = sat8u(D16s[k]); R8[k + 4] = sat8u(S16s[k]); } break;
    case 0x6b: for (k = 0; k < 2; k++) { R16s[k] = sat16s(D32[k]); R16s[k + 2] = sat16s(S32[k]); } break;
    // compares
    case 0x64: for (k = 0; k < 8; k++) R8[k] = D8s[k] > S8s[k] ? 0xff : 0; break;
    case 0x65: for (k = 0; k < 4; k++) R16[k] = D16s[k] > S16s[k] ? 0xffff : 0; break;
    case 0x66: for (k = 0; k < 2; k++) R32[k] = D32[k] > S32[k] ? -1 : 0; break;
    case 0x74: for (k = 0; k < 8; k++) R8[k] = D8[k] === S8[k] ? 0xff : 0; break;
    case 0x75: for (k = 0; k < 4; k++) R16[k] = D16[k] === S16[k] ? 0xffff : 0; break;
    case 0x76: for (k = 0; k < 2; k++) R32[k] = D32[k] === S32[k] ? -1 : 0; break;
    // add/sub
    case 0xfc: for (k = 0; k < 8; k++) R8[k] = D8[k] + S8[k]; break;
    case 0xfd: for (k = 0; k < 4; k++) R16[k] = D16[k] + S16[k]; break;
    case 0xfe: for (k = 0; k < 2; k++) R32[k] = D32[k] + S32[k]; break;
    case 0xd4: { // paddq
      const lo = (D32[0] >>> 0) + (S32[0] >>> 0);
      R32[0] = lo;
      R32[1] = D32[1] + S32[1] + (lo > 0xffffffff ? 1 : 0);
      break;
    }
    case 0xf8: for (k = 0; k < 8; k++) R8[k] = D8[k] - S8[k]; break;
    case 0xf9: for (k = 0; k < 4; k++) R16[k] = D16[k] - S16[k]; break;
    case 0xfa: for (k = 0; k < 2; k++) R32[k] = D32[k] - S32[k]; break;
    case 0xfb: { // psubq
      const lo = (D32[0] >>> 0) - (S32[0] >>> 0);
      R32[0] = lo;
      R32[1] = D32[1] - S32[1] - (lo < 0 ? 1 : 0);
      break;
    }
    case 0xec: for (k = 0; k < 8; k++) R8s[k] = sat8s(D8s[k] + S8s[k]); break;
    case 0xed: for (k = 0; k < 4; k++) R16s[k] = sat16s(D16s[k] + S16s[k]); break;
    case 0xdc: for (k = 0; k < 8; k++) R8[k] = sat8u(D8[k] + S8[k]); break;
    case 0xdd: for (k = 0; k < 4; k++) R16[k] = sat16u(D16[k] + S16[k]); break;
    case 0xe8: for (k = 0; k < 8; k++) R8s[k] = sat8s(D8s[k] - S8s[k]); break;
    case 0xe9: for (k = 0; k < 4; k++) R16s[k] = sat16s(D16s[k] - S16s[k]); break;
    case 0xd8: for (k = 0; k < 8; k++) R8[k] = sat8u(D8[k] - S8[k]); break;
    case 0xd9: for (k = 0; k < 4; k++) R16[k] = sat16u(D16[k] - S16[k]); break;
    // multiply
    case 0xd5: for (k = 0; k < 4; k++) R16[k] = Math.imul(D16s[k], S16s[k]); break;
    case 0xe5: for (k = 0; k < 4; k++) R16[k] = Math.imul(D16s[k], S16s[k]) >> 16; break;
    case 0xe4: for (k = 0; k < 4; k++) R16[k] = (D16[k] * S16[k]) >>> 16; break;
    case 0xf5: for (k = 0; k < 2; k++) R32[k] = Math.imul(D16s[2 * k], S16s[2 * k]) + Math.imul(D16s[2 * k + 1], S16s[2 * k + 1]); break;
    case 0xf4: { // pmuludq: low dwords → 64-bit product, high half exact via 16-bit split
      const a = D32[0] >>> 0, b = S32[0] >>> 0;
      const p1 = a * (b & 0xffff), p2 = a * (b >>> 16); // both < 2^48
      const t = (p2 % 65536) * 65536 + p1; // < 2^49
      R32[0] = Math.imul(a, b);
      R32[1] = Math.floor(p2 / 65536) + Math.floor(t / 4294967296);
      break;
    }
    // logic
    case 0xdb: R32[0] = D32[0] & S32[0]; R32[1] = D32[1] & S32[1]; break;
    case 0xdf: R32[0] = ~D32[0] & S32[0]; R32[1] = ~D32[1] & S32[1]; break;
    case 0xeb: R32[0] = D32[0] | S32[0]; R32[1] = D32[1] | S32[1]; break;
    case 0xef: R32[0] = D32[0] ^ S32[0]; R32[1] = D32[1] ^ S32[1]; break;
    // shifts by mm/m64 count
    case 0xd1: case 0xd2: case 0xd3: case 0xe1: case 0xe2: case 0xf1: case 0xf2: case 0xf3: {
      const cnt = S32[1] !== 0 || S32[0] >>> 0 > 255 ? 255 : S32[0];
      shift(i.sub, cnt);
      break;
    }
    // SSE integer additions on MMX
    case 0xda: for (k = 0; k < 8; k++) R8[k] = Math.min(D8[k], S8[k]); break;
    case 0xde: for (k = 0; k < 8; k++) R8[k] = Math.max(D8[k], S8[k]); break;
    case 0xea: for (k = 0; k < 4; k++) R16s[k] = Math.min(D16s[k], S16s[k]); break;
    case 0xee: for (k = 0; k < 4; k++) R16s[k] = Math.max(D16s[k], S16s[k]); break;
    case 0xe0: for (k = 0; k < 8; k++) R8[k] = (D8[k] + S8[k] + 1) >> 1; break;
    case 0xe3: for (k = 0; k < 4; k++) R16[k] = (D16[k] + S16[k] + 1) >> 1; break;
    case 0xf6: {
      let sum = 0;
      for (k = 0; k < 8; k++) sum += Math.abs(D8[k] - S8[k]);
      R32[0] = sum;
      R32[1] = 0;
      break;
    }
    // SSSE3
    case 0x3800: for (k = 0; k < 8; k++) R8[k] = S8[k] & 0x80 ? 0 : D8[S8[k] & 7]; break;
    case 0x3801: R16[0] = D16[0] + D16[1]; R16[1] = D16[2] + D16[3]; R16[2] = S16[0] + S16[1]; R16[3] = S16[2] + S16[3]; break;
    case 0x3802: R32[0] = D32[0] + D32[1]; R32[1] = S32[0] + S32[1]; break;
    case 0x3803: R16s[0] = sat16s(D16s[0] + D16s[1]); R16s[1] = sat16s(D16s[2] + D16s[3]); R16s[2] = sat16s(S16s[0] + S16s[1]); R16s[3] = sat16s(S16s[2] + S16s[3]); break;
    case 0x3804: for (k = 0; k < 4; k++) R16s[k] = sat16s(D8[2 * k] * S8s[2 * k] + D8[2 * k + 1] * S8s[2 * k + 1]); break;
    case 0x3805: R16[0] = D16[0] - D16[1]; R16[1] = D16[2] - D16[3]; R16[2] = S16[0] - S16[1]; R16[3] = S16[2] - S16[3]; break;
    case 0x3806: R32[0] = D32[0] - D32[1]; R32[1] = S32[0] - S32[1]; break;
    case 0x3807: R16s[0] = sat16s(D16s[0] - D16s[1]); R16s[1] = sat16s(D16s[2] - D16s[3]); R16s[2] = sat16s(S16s[0] - S16s[1]); R16s[3] = sat16s(S16s[2] - S16s[3]); break;
    case 0x3808: for (k = 0; k < 8; k++) R8s[k] = S8s[k] < 0 ? -D8s[k] : S8s[k] === 0 ? 0 : D8s[k]; break;
    case 0x3809: for (k = 0; k < 4; k++) R16s[k] = S16s[k] < 0 ? -D16s[k] : S16s[k] === 0 ? 0 : D16s[k]; break;
    case 0x380a: for (k = 0; k < 2; k++) R32[k] = S32[k] < 0 ? -D32[k] : S32[k] === 0 ? 0 : D32[k]; break;
    case 0x380b: for (k = 0; k < 4; k++) R16[k] = ((Math.imul(D16s[k], S16s[k]) >> 14) + 1) >> 1; break;
    case 0x381c: for (k = 0; k < 8; k++) R8[k] = Math.abs(S8s[k]); break;
    case 0x381d: for (k = 0; k < 4; k++) R16[k] = Math.abs(S16s[k]); break;
    case 0x381e: for (k = 0; k < 2; k++) R32[k] = Math.abs(S32[k]); break;
    case 0x3a0f: { // palignr: (D:S) >> imm bytes
      const n = i.imm & 0xff;
      for (k = 0; k < 8; k++) {
        const j = k + n;
        R8[k] = j < 8 ? S8[j] : j < 16 ? D8[j - 8] : 0;
      }
      break;
    }
    case 0x70: { // pshufw
      const n = i.imm;
      for (k = 0; k < 4; k++) R16[k] = S16[(n >> (2 * k)) & 3];
      break;
    }
  }
  mmxSet(cpu, i.reg, R32[0], R32[1]);
}

function shift(op: number, cnt: number): void {
  let k: number;
  switch (op) {
    case 0xd1: for (k = 0; k < 4; k++) R16[k] = cnt > 15 ? 0 : D16[k] >>> cnt; break;
    case 0xd2: for (k = 0; k < 2; k++) R32[k] = cnt > 31 ? 0 : D32[k] >>> cnt; break;
    case 0xe1: for (k = 0; k < 4; k++) R16s[k] = D16s[k] >> (cnt > 15 ? 15 : cnt); break;
    case 0xe2: for (k = 0; k < 2; k++) R32[k] = D32[k] >> (cnt > 31 ? 31 : cnt); break;
    case 0xf1: for (k = 0; k < 4; k++) R16[k] = cnt > 15 ? 0 : D16[k] << cnt; break;
    case 0xf2: for (k = 0; k < 2; k++) R32[k] = cnt > 31 ? 0 : D32[k] << cnt; break;
    case 0xd3: { // psrlq
      const lo = D32[0], hi = D32[1];
      if (cnt > 63) { R32[0] = 0; R32[1] = 0; }
      else if (cnt >= 32) { R32[0] = hi >>> (cnt - 32); R32[1] = 0; }
      else if (cnt === 0) { R32[0] = lo; R32[1] = hi; }
      else { R32[0] = (lo >>> cnt) | (hi << (32 - cnt)); R32[1] = hi >>> cnt; }
      break;
    }
    default: { // 0xf3 psllq
      const lo = D32[0], hi = D32[1];
      if (cnt > 63) { R32[0] = 0; R32[1] = 0; }
      else if (cnt >= 32) { R32[1] = lo << (cnt - 32); R32[0] = 0; }
      else if (cnt === 0) { R32[0] = lo; R32[1] = hi; }
      else { R32[1] = (hi << cnt) | (lo >>> (32 - cnt)); R32[0] = lo << cnt; }
    }
  }
}

/** 0F 71/72/73 /2 /4 /6 ib: shift MM(rm) by an immediate; i.sub is the equivalent register-count opcode. */
export function mmxShiftImm(cpu: Cpu, i: Insn): void {
  mmxEnter(cpu);
  D32[0] = mmxLo(cpu, i.rm);
  D32[1] = mmxHi(cpu, i.rm);
  shift(i.sub, i.imm & 0xff);
  mmxSet(cpu, i.rm, R32[0], R32[1]);
}

/** 0F 6E MOVD mm, r/m32. */
export function movdToMm(cpu: Cpu, i: Insn): void {
  const v = i.mod === 3 ? cpu.s[i.rm] : cpu.rd32(cpu.ea(i));
  mmxEnter(cpu);
  mmxSet(cpu, i.reg, v, 0);
}

/** 0F 7E MOVD r/m32, mm. */
export function movdFromMm(cpu: Cpu, i: Insn): void {
  mmxEnter(cpu);
  const v = mmxLo(cpu, i.reg);
  if (i.mod === 3) cpu.s[i.rm] = v;
  else cpu.wr32(cpu.ea(i), v);
}

/** 0F 6F MOVQ mm, mm/m64. */
export function movqToMm(cpu: Cpu, i: Insn): void {
  loadSrc(cpu, i);
  mmxEnter(cpu);
  mmxSet(cpu, i.reg, S32[0], S32[1]);
}

/** 0F 7F MOVQ mm/m64, mm (and 0F E7 MOVNTQ). */
export function movqFromMm(cpu: Cpu, i: Insn): void {
  mmxEnter(cpu);
  const lo = mmxLo(cpu, i.reg);
  const hi = mmxHi(cpu, i.reg);
  if (i.mod === 3) mmxSet(cpu, i.rm, lo, hi);
  else wr64(cpu, cpu.ea(i), lo, hi);
}

export function emmsOp(cpu: Cpu, _i: Insn): void {
  emms(cpu);
}

/** 0F C4 PINSRW mm, r32/m16, imm8. */
export function pinsrw(cpu: Cpu, i: Insn): void {
  const v = i.mod === 3 ? cpu.s[i.rm] & 0xffff : cpu.rd16(cpu.ea(i));
  mmxEnter(cpu);
  loadDst(cpu, i);
  D16[i.imm & 3] = v;
  mmxSet(cpu, i.reg, D32[0], D32[1]);
}

/** 0F C5 PEXTRW r32, mm, imm8. */
export function pextrw(cpu: Cpu, i: Insn): void {
  mmxEnter(cpu);
  S32[0] = mmxLo(cpu, i.rm);
  S32[1] = mmxHi(cpu, i.rm);
  cpu.s[i.reg] = S16[i.imm & 3];
}

/** 0F D7 PMOVMSKB r32, mm. */
export function pmovmskb(cpu: Cpu, i: Insn): void {
  mmxEnter(cpu);
  S32[0] = mmxLo(cpu, i.rm);
  S32[1] = mmxHi(cpu, i.rm);
  let m = 0;
  for (let k = 0; k < 8; k++) m |= (S8[k] >> 7) << k;
  cpu.s[i.reg] = m;
}

/** 0F F7 MASKMOVQ mm1, mm2: store the bytes of mm1 whose mask byte (mm2) has bit 7 set at DS:EDI. */
export function maskmovq(cpu: Cpu, i: Insn): void {
  mmxEnter(cpu);
  D32[0] = mmxLo(cpu, i.reg);
  D32[1] = mmxHi(cpu, i.reg);
  S32[0] = mmxLo(cpu, i.rm);
  S32[1] = mmxHi(cpu, i.rm);
  const s = cpu.s;
  let a = s[7];
  if (i.a16) a &= 0xffff;
  a = (a + s[24 + i.seg]) | 0;
  for (let k = 0; k < 8; k++) if (S8[k] & 0x80) cpu.probeWrite((a + k) | 0, 1);
  for (let k = 0; k < 8; k++) if (S8[k] & 0x80) cpu.wr8((a + k) | 0, D8[k]);
}
