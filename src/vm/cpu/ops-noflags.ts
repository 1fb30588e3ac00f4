import { S_EIP } from '../mem/layout.js';
import type { Cpu } from './cpu.js';
import { K_LOGIC, K_SUB, logicCond, setLazy, subCond } from './flags.js';
import type { Insn } from './insn.js';

/**
 * Variants of hot 32-bit register instructions that skip the flags, used
 * when flag-liveness.ts proves that no later instruction of the block reads
 * what they would set before something else overwrites it.
 */
export function add32RRnf(cpu: Cpu, i: Insn): void {
  cpu.s[i.rm] = (cpu.s[i.rm] + cpu.s[i.reg]) | 0;
}
export function sub32RRnf(cpu: Cpu, i: Insn): void {
  cpu.s[i.rm] = (cpu.s[i.rm] - cpu.s[i.reg]) | 0;
}
export function and32RRnf(cpu: Cpu, i: Insn): void {
  cpu.s[i.rm] &= cpu.s[i.reg];
}
export function or32RRnf(cpu: Cpu, i: Insn): void {
  cpu.s[i.rm] |= cpu.s[i.reg];
}
export function xor32RRnf(cpu: Cpu, i: Insn): void {
  cpu.s[i.rm] ^= cpu.s[i.reg];
}
export function add32RInf(cpu: Cpu, i: Insn): void {
  cpu.s[i.rm] = (cpu.s[i.rm] + i.imm) | 0;
}
export function sub32RInf(cpu: Cpu, i: Insn): void {
  cpu.s[i.rm] = (cpu.s[i.rm] - i.imm) | 0;
}
export function and32RInf(cpu: Cpu, i: Insn): void {
  cpu.s[i.rm] &= i.imm;
}
export function inc32Rnf(cpu: Cpu, i: Insn): void {
  cpu.s[i.rm] = (cpu.s[i.rm] + 1) | 0;
}
export function dec32Rnf(cpu: Cpu, i: Insn): void {
  cpu.s[i.rm] = (cpu.s[i.rm] - 1) | 0;
}
/** IMUL r32, r/m32 and IMUL r32, r/m32, imm with dead flags. */
export function imul32GEnf(cpu: Cpu, i: Insn): void {
  cpu.s[i.reg] = Math.imul(cpu.s[i.reg], i.mod === 3 ? cpu.s[i.rm] : cpu.rd32(cpu.ea(i)));
}
export function imul32GEInf(cpu: Cpu, i: Insn): void {
  cpu.s[i.reg] = Math.imul(i.mod === 3 ? cpu.s[i.rm] : cpu.rd32(cpu.ea(i)), i.imm);
}
/** 32-bit register shifts/rotates by an immediate count (sub = group-2 kind). */
export function rol32RInf(cpu: Cpu, i: Insn): void {
  const a = cpu.s[i.rm];
  const c = i.imm & 31;
  cpu.s[i.rm] = (a << c) | (a >>> (32 - c));
}
export function ror32RInf(cpu: Cpu, i: Insn): void {
  const a = cpu.s[i.rm];
  const c = i.imm & 31;
  cpu.s[i.rm] = (a >>> c) | (a << (32 - c));
}
export function shl32RInf(cpu: Cpu, i: Insn): void {
  cpu.s[i.rm] <<= i.imm & 31;
}
export function shr32RInf(cpu: Cpu, i: Insn): void {
  cpu.s[i.rm] = cpu.s[i.rm] >>> (i.imm & 31);
}
export function sar32RInf(cpu: Cpu, i: Insn): void {
  cpu.s[i.rm] >>= i.imm & 31;
}
/** CMP/TEST whose flags nobody reads. */
export function nopFlags(_cpu: Cpu, _i: Insn): void {}

// ---- Fused compare-and-branch (a block ending in CMP/TEST + Jcc) ----
// One dispatch instead of two; flags are still recorded for the next block.
const OP_SUB32 = (K_SUB << 2) | 2;
const OP_LOGIC32 = (K_LOGIC << 2) | 2;

/** Record a 32-bit CMP a, b for later flag readers. */
export function recordSub32(s: Int32Array, a: number, b: number): void {
  setLazy(s, OP_SUB32, a, b, (a - b) | 0);
}

export function cmpJcc32RR(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  const a = s[i.rm];
  const b = s[i.reg];
  setLazy(s, OP_SUB32, a, b, (a - b) | 0);
  if (subCond(i.sub, a, b)) s[S_EIP] = i.target;
}
export function cmpJcc32RI(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  const a = s[i.rm];
  setLazy(s, OP_SUB32, a, i.imm, (a - i.imm) | 0);
  if (subCond(i.sub, a, i.imm)) s[S_EIP] = i.target;
}
export function testJcc32RR(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  const r = s[i.rm] & s[i.reg];
  setLazy(s, OP_LOGIC32, 0, 0, r);
  if (logicCond(i.sub, r)) s[S_EIP] = i.target;
}

/** MOVZX r32, byte [mem] / word [mem]. */
export function movzxB32M(cpu: Cpu, i: Insn): void {
  cpu.s[i.reg] = cpu.rd8(cpu.ea(i));
}
export function movzxW32M(cpu: Cpu, i: Insn): void {
  cpu.s[i.reg] = cpu.rd16(cpu.ea(i));
}

// Side-exit forms (superblocks): a taken branch leaves the block (cpu.ts STOP_EXIT = 3).
export function cmpJccExit32RR(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  const a = s[i.rm];
  const b = s[i.reg];
  setLazy(s, OP_SUB32, a, b, (a - b) | 0);
  if (subCond(i.sub, a, b)) {
    s[S_EIP] = i.target;
    cpu.stop = 3;
  }
}
export function cmpJccExit32RI(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  const a = s[i.rm];
  setLazy(s, OP_SUB32, a, i.imm, (a - i.imm) | 0);
  if (subCond(i.sub, a, i.imm)) {
    s[S_EIP] = i.target;
    cpu.stop = 3;
  }
}
export function testJccExit32RR(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  const r = s[i.rm] & s[i.reg];
  setLazy(s, OP_LOGIC32, 0, 0, r);
  if (logicCond(i.sub, r)) {
    s[S_EIP] = i.target;
    cpu.stop = 3;
  }
}
