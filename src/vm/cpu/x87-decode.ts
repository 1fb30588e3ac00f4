import { modrm } from './decoder.js';
import type { Insn } from './insn.js';
import * as C from './ops-control.js';

/**
 * x87 escape opcodes D8–DF. Not implemented yet: CPUID reports no FPU, and
 * every x87 instruction raises #UD (after its ModRM is decoded, so its
 * length is right). Returns whether the instruction ends the block.
 */
export function decodeX87(i: Insn, _b: number, seg: number): boolean {
  modrm(i, seg);
  i.exec = C.ud;
  return true;
}
