import type { Cpu } from './cpu.js';
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
