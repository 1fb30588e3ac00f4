import { CpuFault, Vector } from '../mem/fault.js';
import type { Cpu } from './cpu.js';
import type { Insn } from './insn.js';

/** Decimal adjust: DAA DAS AAA AAS AAM AAD, and the undocumented SALC. */

export function daa(_cpu: Cpu, _i: Insn): void {
  throw new CpuFault(Vector.UD); // TODO: not implemented yet
}

export function das(_cpu: Cpu, _i: Insn): void {
  throw new CpuFault(Vector.UD); // TODO: not implemented yet
}

export function aaa(_cpu: Cpu, _i: Insn): void {
  throw new CpuFault(Vector.UD); // TODO: not implemented yet
}

export function aas(_cpu: Cpu, _i: Insn): void {
  throw new CpuFault(Vector.UD); // TODO: not implemented yet
}

export function aam(_cpu: Cpu, _i: Insn): void {
  throw new CpuFault(Vector.UD); // TODO: not implemented yet
}

export function aad(_cpu: Cpu, _i: Insn): void {
  throw new CpuFault(Vector.UD); // TODO: not implemented yet
}

export function salc(_cpu: Cpu, _i: Insn): void {
  throw new CpuFault(Vector.UD); // TODO: not implemented yet
}

