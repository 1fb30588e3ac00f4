import type { Insn } from './insn.js';
import { ud } from './ops-control.js';

/**
 * MMX/SSE/SSE2/SSE3/SSSE3 opcodes of the 0F map (and 0F 38 / 0F 3A).
 * Not implemented yet: returns null so the decoder raises #UD. When it
 * handles an opcode it decodes the operands (prefix 66/F3/F2 select the
 * variant: `osize === 2`, `i.rep === 1`, `i.rep === 2`) and returns whether
 * the instruction ends the block.
 */
export function decodeSimd(_i: Insn, _b: number, _osize: number, _seg: number): boolean | null {
  return null;
}

/** 0F AE /0–/3 with a memory operand: FXSAVE FXRSTOR LDMXCSR STMXCSR (ModRM already decoded). */
export function decodeSimdGroup15(i: Insn, _osize: number, _seg: number): boolean {
  i.exec = ud;
  return true;
}
