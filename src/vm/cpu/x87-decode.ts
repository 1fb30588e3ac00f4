import { modrm } from './decoder.js';
import type { Handler, Insn } from './insn.js';
import * as C from './ops-control.js';
import * as A from './x87-arith.js';
import { FAST_M64, FAST_ST0, FAST_STI, FAST_STIPOP } from './x87-arith-fast.js';
import * as CMP from './x87-compare.js';
import * as ENV from './x87-env.js';
import * as L from './x87-load.js';
import * as M from './x87-misc.js';
import * as T from './x87-trans.js';

/**
 * x87 escape opcodes D8–DF (Intel SDM Vol. 2 Appendix A.4, Tables A-7…A-22).
 * Operand size (i.size: 66 prefix) selects the 14/94- or 28/108-byte
 * FNSTENV/FLDENV/FNSAVE/FRSTOR layouts. Returns whether the instruction
 * ends the block (only invalid encodings do).
 *
 * i.sub carries the arithmetic kind (x87-arith.ts), the pop count, or the
 * condition code; i.imm = 1 marks the unordered compares; i.imm2 the memory format.
 */
const ARITH_MEM: Handler[] = [A.arithM32, A.arithI32, A.arithM64, A.arithI16];
const FMT_OF = [A.FMT_M32, A.FMT_I32, A.FMT_M64, A.FMT_I16];

function ud(i: Insn): boolean {
  i.exec = C.ud;
  return true;
}

function set(i: Insn, h: Handler, sub = 0): boolean {
  i.exec = h;
  i.sub = sub;
  return false;
}

export function decodeX87(i: Insn, b: number, seg: number): boolean {
  modrm(i, seg);
  const reg = i.reg;
  const osize = i.size;
  if (i.mod !== 3) {
    switch (b) {
      case 0xd8: case 0xda: case 0xdc: case 0xde: {
        const form = (b - 0xd8) >> 1; // 0 m32real, 1 m32int, 2 m64real, 3 m16int
        if (reg === 2 || reg === 3) {
          // FCOM/FCOMP, FICOM/FICOMP
          i.imm = 0;
          i.imm2 = FMT_OF[form];
          return set(i, form === 2 ? CMP.fcomM64 : CMP.fcomMem, reg - 2);
        }
        return set(i, form === 2 ? FAST_M64[reg]! : ARITH_MEM[form], reg);
      }
      case 0xd9:
        switch (reg) {
          case 0: return set(i, L.fldM32);
          case 2: return set(i, L.fstM32, 0);
          case 3: return set(i, L.fstM32, 1);
          case 4: return set(i, ENV.fldenv);
          case 5: return set(i, M.fldcw);
          case 6: return set(i, ENV.fnstenv);
          case 7: return set(i, M.fnstcw);
        }
        return ud(i);
      case 0xdb:
        switch (reg) {
          case 0: return set(i, L.fildI32);
          case 1: i.size = 4; return set(i, L.fist, 3);
          case 2: i.size = 4; return set(i, L.fist, 0);
          case 3: i.size = 4; return set(i, L.fist, 1);
          case 5: return set(i, L.fldM80);
          case 7: return set(i, L.fstpM80, 1);
        }
        return ud(i);
      case 0xdd:
        switch (reg) {
          case 0: return set(i, L.fldM64);
          case 1: i.size = 8; return set(i, L.fist, 3);
          case 2: return set(i, L.fstM64, 0);
          case 3: return set(i, L.fstM64, 1);
          case 4: return set(i, ENV.frstor);
          case 6: return set(i, ENV.fnsave);
          case 7: return set(i, M.fnstswM);
        }
        return ud(i);
      default: // 0xdf
        switch (reg) {
          case 0: return set(i, L.fildI16);
          case 1: i.size = 2; return set(i, L.fist, 3);
          case 2: i.size = 2; return set(i, L.fist, 0);
          case 3: i.size = 2; return set(i, L.fist, 1);
          case 4: return set(i, L.fbld);
          case 5: return set(i, L.fildI64);
          case 6: return set(i, L.fbstp);
          default: i.size = 8; return set(i, L.fist, 1);
        }
    }
  }
  // Register forms.
  void osize;
  const rm = i.rm;
  switch (b) {
    case 0xd8:
      if (reg === 2 || reg === 3) {
        i.imm = 0;
        return set(i, CMP.fcomST, reg - 2);
      }
      return set(i, FAST_ST0[reg]!, reg);
    case 0xd9:
      switch (reg) {
        case 0: return set(i, L.fldST);
        case 1: return set(i, M.fxch);
        case 2: return rm === 0 ? set(i, M.fnop) : ud(i);
        case 3: return set(i, L.fstST, 1); // FSTP1 (reserved alias)
        case 4:
          switch (rm) {
            case 0: return set(i, M.fchs);
            case 1: return set(i, M.fabs);
            case 4: return set(i, CMP.ftst);
            case 5: return set(i, CMP.fxam);
          }
          return ud(i);
        case 5:
          if (rm === 7) return ud(i);
          return set(i, L.fldConst, rm);
        case 6:
          switch (rm) {
            case 0: return set(i, T.f2xm1);
            case 1: return set(i, T.fyl2x, 0);
            case 2: return set(i, T.ftrig, 3);
            case 3: return set(i, T.fpatan);
            case 4: return set(i, T.fxtract);
            case 5: return set(i, T.fprem, 1);
            case 6: return set(i, M.fdecstp);
            default: return set(i, M.fincstp);
          }
        default:
          switch (rm) {
            case 0: return set(i, T.fprem, 0);
            case 1: return set(i, T.fyl2x, 1);
            case 2: return set(i, M.fsqrt);
            case 3: return set(i, T.ftrig, 2);
            case 4: return set(i, M.frndint);
            case 5: return set(i, T.fscale);
            case 6: return set(i, T.ftrig, 0);
            default: return set(i, T.ftrig, 1);
          }
      }
    case 0xda:
      // FCMOVB FCMOVE FCMOVBE FCMOVU; FUCOMPP (DA E9)
      if (reg < 4) return set(i, M.fcmov, [2, 4, 6, 10][reg]);
      if (reg === 5 && rm === 1) {
        i.imm = 1;
        return set(i, CMP.fcomST, 2);
      }
      return ud(i);
    case 0xdb:
      if (reg < 4) return set(i, M.fcmov, [3, 5, 7, 11][reg]);
      if (reg === 4) {
        switch (rm) {
          case 0: case 1: case 4: return set(i, C.nop); // FENI FDISI FSETPM: no-ops since the 287
          case 2: return set(i, M.fnclex);
          case 3: return set(i, M.fninitOp);
        }
        return ud(i);
      }
      if (reg === 5) {
        i.imm = 1;
        return set(i, CMP.fcomi, 0);
      }
      if (reg === 6) {
        i.imm = 0;
        return set(i, CMP.fcomi, 0);
      }
      return ud(i);
    case 0xdc:
      if (reg === 2 || reg === 3) {
        i.imm = 0;
        return set(i, CMP.fcomST, reg - 2);
      }
      return set(i, FAST_STI[reg >= 4 ? reg ^ 1 : reg]!, reg >= 4 ? reg ^ 1 : reg);
    case 0xdd:
      switch (reg) {
        case 0: return set(i, M.ffree, 0);
        case 1: return set(i, M.fxch);
        case 2: return set(i, L.fstST, 0);
        case 3: return set(i, L.fstST, 1);
        case 4: i.imm = 1; return set(i, CMP.fcomST, 0);
        case 5: i.imm = 1; return set(i, CMP.fcomST, 1);
      }
      return ud(i);
    case 0xde:
      if (reg === 2) {
        i.imm = 0;
        return set(i, CMP.fcomST, 1);
      }
      if (reg === 3) {
        if (rm !== 1) return ud(i);
        i.imm = 0;
        return set(i, CMP.fcomST, 2);
      }
      return set(i, FAST_STIPOP[reg >= 4 ? reg ^ 1 : reg]!, reg >= 4 ? reg ^ 1 : reg);
    default: // 0xdf
      switch (reg) {
        case 0: return set(i, M.ffree, 1);
        case 1: return set(i, M.fxch);
        case 2: case 3: return set(i, L.fstST, 1);
        case 4:
          if (rm === 0) return set(i, M.fnstswAX);
          return ud(i);
        case 5: i.imm = 1; return set(i, CMP.fcomi, 1);
        case 6: i.imm = 0; return set(i, CMP.fcomi, 1);
      }
      return ud(i);
  }
}

/** 0F AE /0 FXSAVE, /1 FXRSTOR (memory operand, ModRM already decoded), called by simd-decode.ts. */
export function decodeFxsave(i: Insn, _osize: number): boolean {
  i.exec = i.reg === 0 ? ENV.fxsave : ENV.fxrstor;
  return false;
}

/** 9B WAIT/FWAIT: raises a pending unmasked x87 exception (#MF). */
export const fwait: Handler = M.fwait;
