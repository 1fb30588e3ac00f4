import { byte, modrm } from './decoder.js';
import type { Handler, Insn } from './insn.js';
import * as X from './mmx.js';
import { ud } from './ops-control.js';

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
const BINARY = new Set<number>([
  0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x74, 0x75, 0x76,
  0xd1, 0xd2, 0xd3, 0xd4, 0xd5, 0xd8, 0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf,
  0xe0, 0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe8, 0xe9, 0xea, 0xeb, 0xec, 0xed, 0xee, 0xef,
  0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd, 0xfe,
  0x3800, 0x3801, 0x3802, 0x3803, 0x3804, 0x3805, 0x3806, 0x3807, 0x3808, 0x3809, 0x380a, 0x380b,
  0x381c, 0x381d, 0x381e,
]);

function dec(i: Insn, seg: number, h: Handler, op: number, need: number): boolean {
  modrm(i, seg);
  i.sub = op;
  if ((need === 1 && i.mod === 3) || (need === 2 && i.mod !== 3)) {
    i.exec = ud;
    return true;
  }
  i.exec = h;
  return false;
}

export function decodeMmx(i: Insn, op: number, seg: number): boolean | null {
  if (BINARY.has(op)) return dec(i, seg, X.mmxOp, op, 0);
  switch (op) {
    case 0x6e: return dec(i, seg, X.movdToMm, op, 0);
    case 0x7e: return dec(i, seg, X.movdFromMm, op, 0);
    case 0x6f: return dec(i, seg, X.movqToMm, op, 0);
    case 0x7f: return dec(i, seg, X.movqFromMm, op, 0);
    case 0xe7: return dec(i, seg, X.movqFromMm, op, 1); // MOVNTQ
    case 0x77:
      i.exec = X.emmsOp;
      return false;
    case 0x70: case 0x3a0f: {
      const r = dec(i, seg, X.mmxOp, op, 0);
      i.imm = byte();
      return r;
    }
    case 0xc4: {
      const r = dec(i, seg, X.pinsrw, op, 0);
      i.imm = byte();
      return r;
    }
    case 0xc5: {
      const r = dec(i, seg, X.pextrw, op, 2);
      i.imm = byte();
      return r;
    }
    case 0xd7: return dec(i, seg, X.pmovmskb, op, 2);
    case 0xf7: return dec(i, seg, X.maskmovq, op, 2);
    case 0x71: case 0x72: case 0x73: {
      modrm(i, seg);
      i.imm = byte();
      const r = i.reg;
      // /2 logical right, /4 arithmetic right, /6 left; 0F 73 has no /4 (and /3 /7 need 66).
      const table = op === 0x71 ? [0, 0, 0xd1, 0, 0xe1, 0, 0xf1, 0] : op === 0x72 ? [0, 0, 0xd2, 0, 0xe2, 0, 0xf2, 0] : [0, 0, 0xd3, 0, 0, 0, 0xf3, 0];
      const sub = table[r];
      if (i.mod !== 3 || sub === 0) {
        i.exec = ud;
        return true;
      }
      i.sub = sub;
      i.exec = X.mmxShiftImm;
      return false;
    }
  }
  return null;
}
