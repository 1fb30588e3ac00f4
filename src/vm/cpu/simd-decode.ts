import { SEG_DS } from '../mem/layout.js';
import { byte, modrm } from './decoder.js';
import type { Handler, Insn } from './insn.js';
import { decodeMmx } from './mmx-decode.js';
import { ud } from './ops-control.js';
import * as CV from './sse-convert.js';
import * as F from './sse-float.js';
import * as N from './sse-int.js';
import * as M from './sse-move.js';
import * as SH from './sse-shuffle.js';
import * as S3 from './sse-ssse3.js';
import { decodeFxsave } from './x87-decode.js';

/**
 * SSE/SSE2/SSE3/SSSE3 opcodes of the 0F map and the 0F 38 / 0F 3A maps
 * (Intel SDM Vol. 2 Appendix A, Tables ). The mandatory prefix
 * selects the variant: none (packed single, or MMX operands — those go to
 * decodeMmx first), 66 (packed double / XMM integer), F3 (scalar single),
 * F2 (scalar double). F3/F2 win over 66, as on hardware. Returns whether
 * the instruction ends the block (only #UD does), or null for an opcode
 * that is none of these (the decoder raises #UD).
 */
const P_NONE = 0;
const P_66 = 1;
const P_F3 = 2;
const P_F2 = 3;

/** Decode ModRM and set the handler; the register/memory form restriction `need`: 0 any, 1 memory only, 2 register only. */
function op(i: Insn, seg: number, h: Handler, need = 0, sub = 0): boolean {
  modrm(i, seg);
  i.sub = sub;
  if ((need === 1 && i.mod === 3) || (need === 2 && i.mod !== 3)) {
    i.exec = ud;
    return true;
  }
  i.exec = h;
  return false;
}

function opImm(i: Insn, seg: number, h: Handler, need = 0, sub = 0): boolean {
  modrm(i, seg);
  i.imm = byte();
  i.sub = sub;
  if ((need === 1 && i.mod === 3) || (need === 2 && i.mod !== 3)) {
    i.exec = ud;
    return true;
  }
  i.exec = h;
  return false;
}

// 66 0F 60–6F and D0–FF: XMM integer forms (null = no 66 form).
const INT66: (Handler | null)[] = [];
{
  const t: [number, Handler][] = [
    [0x60, SH.punpcklbw], [0x61, SH.punpcklwd], [0x62, SH.punpckldq], [0x63, SH.packsswb],
    [0x64, N.pcmpgtb], [0x65, N.pcmpgtw], [0x66, N.pcmpgtd], [0x67, SH.packuswb],
    [0x68, SH.punpckhbw], [0x69, SH.punpckhwd], [0x6a, SH.punpckhdq], [0x6b, SH.packssdw],
    [0x6c, SH.punpcklqdq], [0x6d, SH.punpckhqdq],
    [0x74, N.pcmpeqb], [0x75, N.pcmpeqw], [0x76, N.pcmpeqd],
    [0xd4, N.paddq], [0xd5, N.pmullw],
    [0xd8, N.psubusb], [0xd9, N.psubusw], [0xda, N.pminub], [0xdb, N.pand],
    [0xdc, N.paddusb], [0xdd, N.paddusw], [0xde, N.pmaxub], [0xdf, N.pandn],
    [0xe0, N.pavgb], [0xe3, N.pavgw], [0xe4, N.pmulhuw], [0xe5, N.pmulhw],
    [0xe8, N.psubsb], [0xe9, N.psubsw], [0xea, N.pminsw], [0xeb, N.por],
    [0xec, N.paddsb], [0xed, N.paddsw], [0xee, N.pmaxsw], [0xef, N.pxor],
    [0xf4, N.pmuludq], [0xf5, N.pmaddwd], [0xf6, N.psadbw],
    [0xf8, N.psubb], [0xf9, N.psubw], [0xfa, N.psubd], [0xfb, N.psubq],
    [0xfc, N.paddb], [0xfd, N.paddw], [0xfe, N.paddd],
  ];
  for (let k = 0; k < 256; k++) INT66.push(null);
  for (const [b, h] of t) INT66[b] = h;
}

// 66 0F 38 xx (SSSE3), value: [handler, sub].
const SSSE3: ([Handler, number] | null)[] = [];
{
  for (let k = 0; k < 32; k++) SSSE3.push(null);
  SSSE3[0x00] = [SH.pshufb, 0];
  SSSE3[0x01] = [S3.phw, 0];
  SSSE3[0x02] = [S3.phd, 0];
  SSSE3[0x03] = [S3.phw, 1];
  SSSE3[0x04] = [S3.pmaddubsw, 0];
  SSSE3[0x05] = [S3.phw, 2];
  SSSE3[0x06] = [S3.phd, 2];
  SSSE3[0x07] = [S3.phw, 3];
  SSSE3[0x08] = [S3.psignb, 0];
  SSSE3[0x09] = [S3.psignw, 0];
  SSSE3[0x0a] = [S3.psignd, 0];
  SSSE3[0x0b] = [S3.pmulhrsw, 0];
  SSSE3[0x1c] = [S3.pabsb, 0];
  SSSE3[0x1d] = [S3.pabsw, 0];
  SSSE3[0x1e] = [S3.pabsd, 0];
}

// 0F 58–5F arithmetic (except 5A/5B conversions): the F.* op code.
const ARITH: number[] = [F.OP_ADD, F.OP_MUL, -1, -1, F.OP_SUB, F.OP_MIN, F.OP_DIV, F.OP_MAX];

export function decodeSimd(i: Insn, b: number, osize: number, seg: number): boolean | null {
  const p = i.rep === 1 ? P_F3 : i.rep === 2 ? P_F2 : osize === 2 ? P_66 : P_NONE;
  let b3 = -1;
  if (b === 0x38 || b === 0x3a) b3 = byte();
  if (p === P_NONE) {
    const r = decodeMmx(i, b3 < 0 ? b : (b << 8) | b3, seg);
    if (r !== null) return r;
  }
  if (b === 0x38) {
    if (p !== P_66 || b3 >= 32 || SSSE3[b3] === null) return null;
    const e = SSSE3[b3]!;
    return op(i, seg, e[0], 0, e[1]);
  }
  if (b === 0x3a) {
    if (p !== P_66 || b3 !== 0x0f) return null;
    return opImm(i, seg, SH.palignr);
  }
  if (p === P_66) {
    const h = INT66[b];
    if (h !== null) return op(i, seg, h);
  }
  if (b >= 0x58 && b <= 0x5f && b !== 0x5a && b !== 0x5b) {
    const k = ARITH[b - 0x58];
    return op(i, seg, p === P_NONE ? F.arithPS : p === P_66 ? F.arithPD : p === P_F3 ? F.arithSS : F.arithSD, 0, k);
  }
  switch (b) {
    case 0x10:
      return op(i, seg, p === P_F3 ? M.movssLoad : p === P_F2 ? M.movsdLoad : M.movLoadU);
    case 0x11:
      return op(i, seg, p === P_F3 ? M.movssStore : p === P_F2 ? M.movsdStore : M.movStoreU);
    case 0x12:
      if (p === P_F3) return op(i, seg, M.movsxdup, 0, 0);
      if (p === P_F2) return op(i, seg, M.movddup);
      return op(i, seg, M.movlpLoad, p === P_66 ? 1 : 0);
    case 0x13:
      if (p >= P_F3) return null;
      return op(i, seg, M.movlpStore, 1);
    case 0x14:
      if (p >= P_F3) return null;
      return op(i, seg, p === P_66 ? SH.punpcklqdq : SH.punpckldq);
    case 0x15:
      if (p >= P_F3) return null;
      return op(i, seg, p === P_66 ? SH.punpckhqdq : SH.punpckhdq);
    case 0x16:
      if (p === P_F3) return op(i, seg, M.movsxdup, 0, 1);
      if (p === P_F2) return null;
      return op(i, seg, M.movhpLoad, p === P_66 ? 1 : 0);
    case 0x17:
      if (p >= P_F3) return null;
      return op(i, seg, M.movhpStore, 1);
    case 0x28:
      if (p >= P_F3) return null;
      return op(i, seg, M.movLoadA);
    case 0x29:
      if (p >= P_F3) return null;
      return op(i, seg, M.movStoreA);
    case 0x2a:
      return op(i, seg, p === P_NONE ? CV.cvtpi2ps : p === P_66 ? CV.cvtpi2pd : p === P_F3 ? CV.cvtsi2ss : CV.cvtsi2sd);
    case 0x2b:
      if (p >= P_F3) return null;
      return op(i, seg, M.movStoreA, 1);
    case 0x2c: case 0x2d: {
      const trunc = b === 0x2c ? 1 : 0;
      return op(i, seg, p === P_NONE ? CV.cvtps2pi : p === P_66 ? CV.cvtpd2pi : p === P_F3 ? CV.cvtss2si : CV.cvtsd2si, 0, trunc);
    }
    case 0x2e: case 0x2f:
      if (p >= P_F3) return null;
      return op(i, seg, p === P_66 ? F.comisd : F.comiss, 0, b === 0x2f ? 1 : 0);
    case 0x50:
      if (p >= P_F3) return null;
      return op(i, seg, p === P_66 ? M.movmskpd : M.movmskps, 2);
    case 0x51:
      return op(i, seg, p === P_NONE ? F.arithPS : p === P_66 ? F.arithPD : p === P_F3 ? F.arithSS : F.arithSD, 0, F.OP_SQRT);
    case 0x52: case 0x53:
      if (p === P_66 || p === P_F2) return null;
      return op(i, seg, p === P_F3 ? F.rcpss : F.rcpps, 0, b === 0x52 ? 1 : 0);
    case 0x54: case 0x55: case 0x56: case 0x57:
      if (p >= P_F3) return null;
      return op(i, seg, b === 0x54 ? N.pand : b === 0x55 ? N.pandn : b === 0x56 ? N.por : N.pxor);
    case 0x5a:
      return op(i, seg, p === P_NONE ? CV.cvtps2pd : p === P_66 ? CV.cvtpd2ps : p === P_F3 ? CV.cvtss2sd : CV.cvtsd2ss);
    case 0x5b:
      if (p === P_F2) return null;
      return op(i, seg, p === P_NONE ? CV.cvtdq2ps : CV.cvtps2dq, 0, p === P_F3 ? 1 : 0);
    case 0x6e:
      if (p !== P_66) return null;
      return op(i, seg, M.movdToX);
    case 0x6f:
      if (p === P_66) return op(i, seg, M.movLoadA);
      if (p === P_F3) return op(i, seg, M.movLoadU);
      return null;
    case 0x70:
      if (p === P_NONE) return null;
      return opImm(i, seg, p === P_66 ? SH.pshufd : p === P_F3 ? SH.pshufhw : SH.pshuflw);
    case 0x71: case 0x72: case 0x73:
      if (p !== P_66) return null;
      return decodeShiftImm(i, b, seg);
    case 0x7c: case 0x7d:
      if (p !== P_66 && p !== P_F2) return null;
      return op(i, seg, p === P_66 ? F.hpd : F.hps, 0, b === 0x7d ? 1 : 0);
    case 0x7e:
      if (p === P_66) return op(i, seg, M.movdFromX);
      if (p === P_F3) return op(i, seg, M.movqLoad);
      return null;
    case 0x7f:
      if (p === P_66) return op(i, seg, M.movStoreA);
      if (p === P_F3) return op(i, seg, M.movStoreU);
      return null;
    case 0xc2:
      return opImm(i, seg, p === P_NONE ? F.cmpps : p === P_66 ? F.cmppd : p === P_F3 ? F.cmpss : F.cmpsd);
    case 0xc3:
      if (p !== P_NONE) return null;
      return op(i, seg, M.movnti, 1);
    case 0xc4:
      if (p !== P_66) return null;
      return opImm(i, seg, M.pinsrw);
    case 0xc5:
      if (p !== P_66) return null;
      return opImm(i, seg, M.pextrw, 2);
    case 0xc6:
      if (p >= P_F3) return null;
      return opImm(i, seg, p === P_66 ? SH.shufpd : SH.shufps);
    case 0xd0:
      if (p !== P_66 && p !== P_F2) return null;
      return op(i, seg, p === P_66 ? F.addsubpd : F.addsubps);
    case 0xd1: case 0xd2: case 0xd3: case 0xe1: case 0xe2: case 0xf1: case 0xf2: case 0xf3: {
      if (p !== P_66) return null;
      const w = b & 3; // 1 word, 2 dword, 3 qword
      const kind = b < 0xe0 ? N.SH_RL : b < 0xf0 ? N.SH_RA : N.SH_LL;
      return op(i, seg, w === 1 ? N.shiftWX : w === 2 ? N.shiftDX : N.shiftQX, 0, kind);
    }
    case 0xd6:
      if (p === P_66) return op(i, seg, M.movqStore);
      if (p === P_F3) return op(i, seg, M.movq2dq, 2);
      if (p === P_F2) return op(i, seg, M.movdq2q, 2);
      return null;
    case 0xd7:
      if (p !== P_66) return null;
      return op(i, seg, M.pmovmskb, 2);
    case 0xe6:
      if (p === P_NONE) return null;
      if (p === P_F3) return op(i, seg, CV.cvtdq2pd);
      return op(i, seg, CV.cvtpd2dq, 0, p === P_66 ? 1 : 0);
    case 0xe7:
      if (p !== P_66) return null;
      return op(i, seg, M.movStoreA, 1);
    case 0xf0:
      if (p !== P_F2) return null;
      return op(i, seg, M.movLoadU, 1);
    case 0xf7: {
      if (p !== P_66) return null;
      const end = op(i, seg, M.maskmovdqu, 2);
      // The implicit destination DS:[EDI] (segment overridable).
      i.base = 7;
      i.index = -1;
      i.scale = 0;
      i.disp = 0;
      i.seg = seg >= 0 ? seg : SEG_DS;
      return end;
    }
  }
  return null;
}

/** 66 0F 71/72/73 /n ib: shifts of the register rm by an immediate. */
function decodeShiftImm(i: Insn, b: number, seg: number): boolean {
  modrm(i, seg);
  i.imm = byte();
  const r = i.reg;
  let h: Handler | null = null;
  if (i.mod === 3) {
    if (b === 0x73) {
      if (r === 2) h = N.shiftQI;
      else if (r === 6) h = N.shiftQI;
      else if (r === 3) h = N.psrldq;
      else if (r === 7) h = N.pslldq;
    } else if (r === 2 || r === 4 || r === 6) h = b === 0x71 ? N.shiftWI : N.shiftDI;
  }
  if (h === null) {
    i.exec = ud;
    return true;
  }
  i.sub = r === 2 || r === 3 ? N.SH_RL : r === 4 ? N.SH_RA : N.SH_LL;
  i.exec = h;
  return false;
}

/**
 * 0F AE /0–/3 with a memory operand (ModRM already decoded): FXSAVE and
 * FXRSTOR belong to the x87 unit (x87-decode.ts), LDMXCSR and STMXCSR are here.
 */
export function decodeSimdGroup15(i: Insn, osize: number, _seg: number): boolean {
  if (i.reg <= 1) return decodeFxsave(i, osize);
  i.exec = i.reg === 2 ? M.ldmxcsr : M.stmxcsr;
  return false;
}
