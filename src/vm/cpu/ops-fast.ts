import { S_EIP, S_SEG_BASE } from '../mem/layout.js';
import type { Cpu } from './cpu.js';
import type { Insn } from './insn.js';
import * as M from './ops-move.js';
import * as NF from './ops-noflags.js';

/**
 * Specialised forms of the hottest handlers, chosen per instruction once a
 * block is decoded (after flag liveness and compare/branch fusion):
 * memory operands addressed by one base register skip the general
 * effective-address code, and register-only IMUL skips its operand test.
 * Each does exactly what the general handler does for that operand shape.
 */

/** mov r32, [base + disp] */
export function mov32RMb(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  s[i.reg] = cpu.rd32((s[i.base] + i.disp + s[S_SEG_BASE + i.seg]) | 0);
}
/** mov [base + disp], r32 */
export function mov32MRb(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  cpu.wr32((s[i.base] + i.disp + s[S_SEG_BASE + i.seg]) | 0, s[i.reg]);
}
/** movzx r32, byte [base + disp] */
export function movzxB32Mb(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  s[i.reg] = cpu.rd8((s[i.base] + i.disp + s[S_SEG_BASE + i.seg]) | 0);
}
/** lea r32, [base + disp] */
export function lea32b(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  s[i.reg] = (s[i.base] + i.disp) | 0;
}
/** lea r32, [base + index*scale + disp] */
export function lea32bi(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  s[i.reg] = (s[i.base] + (s[i.index] << i.scale) + i.disp) | 0;
}
/** imul r32, r32, imm with dead flags. */
export function imul32RRInf(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  s[i.reg] = Math.imul(s[i.rm], i.imm);
}
/** imul r32, [base + disp], imm with dead flags. */
export function imul32RMbInf(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  s[i.reg] = Math.imul(cpu.rd32((s[i.base] + i.disp + s[S_SEG_BASE + i.seg]) | 0), i.imm);
}
/** imul r32, r32 with dead flags. */
export function imul32RRnf(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  s[i.reg] = Math.imul(s[i.reg], s[i.rm]);
}

// Fused CMP/TEST + JNE/JE side exits, the commonest loop branches.
export function cmpJneExit32RR(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  const a = s[i.rm];
  const b = s[i.reg];
  NF.recordSub32(s, a, b);
  if (a !== b) {
    s[S_EIP] = i.target;
    cpu.stop = 3;
  }
}
export function cmpJneExit32RI(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  const a = s[i.rm];
  NF.recordSub32(s, a, i.imm);
  if (a !== i.imm) {
    s[S_EIP] = i.target;
    cpu.stop = 3;
  }
}

/** Base register only, 32-bit addressing (no index, no 0x67 prefix). */
function baseOnly(i: Insn): boolean {
  return i.mod !== 3 && i.base >= 0 && i.index < 0 && !i.a16;
}

/** Swap in the specialised handlers for `insns` (a decoded block). */
export function specialize(insns: Insn[]): void {
  for (const i of insns) {
    const h = i.exec;
    if (h === M.mov32RM) {
      if (baseOnly(i)) i.exec = mov32RMb;
    } else if (h === M.mov32MR) {
      if (baseOnly(i)) i.exec = mov32MRb;
    } else if (h === NF.movzxB32M) {
      if (baseOnly(i)) i.exec = movzxB32Mb;
    } else if (h === M.lea) {
      if (i.size === 4 && !i.a16 && i.base >= 0) {
        if (i.index < 0) i.exec = lea32b;
        else i.exec = lea32bi;
      }
    } else if (h === NF.imul32GEInf) {
      if (i.mod === 3) i.exec = imul32RRInf;
      else if (baseOnly(i)) i.exec = imul32RMbInf;
    } else if (h === NF.imul32GEnf) {
      if (i.mod === 3) i.exec = imul32RRnf;
    } else if (h === NF.cmpJccExit32RR) {
      if (i.sub === 5) i.exec = cmpJneExit32RR;
    } else if (h === NF.cmpJccExit32RI) {
      if (i.sub === 5) i.exec = cmpJneExit32RI;
    }
  }
}
