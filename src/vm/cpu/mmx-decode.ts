import type { Insn } from './insn.js';

/**
 * Instructions whose operands are MMX registers (no 66/F2/F3 prefix):
 * MMX itself (0F 60–7F, D0–FF, 6E/7E/6F/7F, 77 EMMS) and the MMX forms
 * SSE/SSE2/SSSE3 added (PSHUFW, PINSRW/PEXTRW, PMOVMSKB, PAVG*, PMIN/MAX*,
 * PSADBW, PMULHUW, MASKMOVQ, MOVNTQ, PADDQ/PSUBQ/PMULUDQ, and the 0F 38 /
 * 0F 3A SSSE3 forms). `op` is the byte after 0F, or 0x3800 | b / 0x3A00 | b
 * for the three-byte maps (the third byte already consumed).
 * Returns null when `op` is not one of them; otherwise decodes the operands
 * and returns whether the instruction ends the block.
 */
export function decodeMmx(_i: Insn, _op: number, _seg: number): boolean | null {
  return null;
}
