import { CpuFault } from '../mem/fault.js';
import { PAGE_SHIFT, SEG_CS, SEG_DS, SEG_ES, SEG_FS, SEG_GS, SEG_SS } from '../mem/layout.js';
import type { Cpu } from './cpu.js';
import { Block, Insn, type Handler } from './insn.js';
import * as A from './ops-alu.js';
import * as BCD from './ops-bcd.js';
import * as BIT from './ops-bits.js';
import * as C from './ops-control.js';
import * as M from './ops-move.js';
import * as MD from './ops-muldiv.js';
import * as SH from './ops-shift.js';
import * as STR from './ops-string.js';
import { decodeSimd, decodeSimdGroup15 } from './simd-decode.js';
import { decodeX87, fwait } from './x87-decode.js';
import { eliminateDeadFlags, fuseCompareBranch } from './flag-liveness.js';
import { specialize } from './ops-fast.js';

/**
 * The decoder: bytes at EIP → Insn IR, grouped into blocks that end at a
 * control transfer, an interrupt, an invalid opcode, a page boundary or
 * MAX_BLOCK instructions. Opcode maps: Intel SDM Vol. 2 Appendix A.
 * The same Insn feeds the interpreter (Insn.exec) and, later, the JIT (op).
 *
 * x87 (D8–DF) is decoded by x87-decode.ts and the MMX/SSE parts of the 0F
 * map by simd-decode.ts, with the helpers exported here (byte, ib, iw, id,
 * modrm), which read from the instruction being decoded.
 */
const MAX_BLOCK = 200;
const MAX_INSN_LEN = 15;

// Decoder state for the instruction being decoded (single-threaded; no allocation per byte).
let cpuRef: Cpu;
let pos = 0;
let startPos = 0;
let pageVpn = -1;
let pageBase = 0;
let lastPage = 0;

export function byte(): number {
  const a = pos;
  if (((a - startPos) | 0) >= MAX_INSN_LEN) throw TOO_LONG;
  const vpn = a >>> PAGE_SHIFT;
  if (vpn !== pageVpn) {
    pageBase = cpuRef.fetchBase(a);
    pageVpn = vpn;
    cpuRef.as.markCode(vpn);
    lastPage = vpn;
  }
  pos = (a + 1) | 0;
  return cpuRef.u8[pageBase + (a & 0xfff)];
}
const TOO_LONG = { tooLong: true };

export function ib(): number {
  return (byte() << 24) >> 24;
}
export function iw(): number {
  const lo = byte();
  return ((byte() << 8) | lo) << 16 >> 16;
}
export function id(): number {
  const b0 = byte();
  const b1 = byte();
  const b2 = byte();
  return b0 | (b1 << 8) | (b2 << 16) | (byte() << 24);
}
/** Immediate of operand size (16 or 32 bits), sign-extended. */
function iz(size: number): number {
  return size === 2 ? iw() : id();
}

// 16-bit ModRM rm → base and index registers: BX+SI, BX+DI, BP+SI, BP+DI, SI, DI, BP, BX.
const BASE16 = [3, 3, 5, 5, 6, 7, 5, 3];
const INDEX16 = [6, 7, 6, 7, -1, -1, -1, -1];

/** Parse ModRM (+SIB, displacement) into i. */
export function modrm(i: Insn, segOverride: number): void {
  const m = byte();
  const mod = m >> 6;
  i.mod = mod;
  i.reg = (m >> 3) & 7;
  i.rm = m & 7;
  if (mod === 3) return;
  const rm = m & 7;
  let seg = SEG_DS;
  i.base = -1;
  i.index = -1;
  i.scale = 0;
  i.disp = 0;
  if (i.a16) {
    // 16-bit forms: BX+SI, BX+DI, BP+SI, BP+DI, SI, DI, BP|disp16, BX.
    if (mod === 0 && rm === 6) {
      i.disp = iw() & 0xffff;
    } else {
      i.base = BASE16[rm];
      i.index = INDEX16[rm];
      if (i.base === 5) seg = SEG_SS;
      if (mod === 1) i.disp = ib();
      else if (mod === 2) i.disp = iw();
    }
  } else {
    if (rm === 4) {
      const sib = byte();
      const ss = sib >> 6;
      const index = (sib >> 3) & 7;
      const base = sib & 7;
      if (index !== 4) {
        i.index = index;
        i.scale = ss;
      }
      if (base === 5 && mod === 0) {
        i.disp = id();
      } else {
        i.base = base;
        if (base === 4 || base === 5) seg = SEG_SS;
      }
    } else if (rm === 5 && mod === 0) {
      i.disp = id();
    } else {
      i.base = rm;
      if (rm === 5) seg = SEG_SS;
    }
    if (mod === 1) i.disp = ib();
    else if (mod === 2) i.disp = id();
  }
  i.seg = segOverride >= 0 ? segOverride : seg;
}

/** A memory operand at an absolute offset (moffs forms A0–A3). */
function moffs(i: Insn, segOverride: number): void {
  i.mod = 0;
  i.base = -1;
  i.index = -1;
  i.disp = i.a16 ? iw() & 0xffff : id();
  i.seg = segOverride >= 0 ? segOverride : SEG_DS;
}

function reg(i: Insn, r: number, size: number, h: Handler): void {
  i.mod = 3;
  i.rm = r;
  i.size = size;
  i.exec = h;
}

/**
 * Decode one instruction at `addr`. Returns whether it ends the block.
 * Throws CpuFault if its bytes cannot be fetched.
 */
function decodeOne(i: Insn, addr: number): boolean {
  pos = addr;
  startPos = addr;
  i.addr = addr;
  let osize = 4;
  let seg = -1;
  let rep = 0;
  i.a16 = false;
  let b: number;
  for (;;) {
    b = byte();
    if (b === 0x66) osize = 2;
    else if (b === 0x67) i.a16 = true;
    else if (b === 0xf3) rep = 1;
    else if (b === 0xf2) rep = 2;
    else if (b === 0xf0) {
      /* LOCK: one task runs at a time, every instruction is atomic. */
    } else if (b === 0x26) seg = SEG_ES;
    else if (b === 0x2e) seg = SEG_CS;
    else if (b === 0x36) seg = SEG_SS;
    else if (b === 0x3e) seg = SEG_DS;
    else if (b === 0x64) seg = SEG_FS;
    else if (b === 0x65) seg = SEG_GS;
    else break;
  }
  i.rep = rep;
  i.seg = seg >= 0 ? seg : SEG_DS;
  i.size = osize;
  i.mod = 3;
  i.base = -1;
  i.index = -1;
  i.disp = 0;
  i.imm = 0;
  i.imm2 = 0;
  i.sub = 0;
  let end = false;
  if (b !== 0x0f) {
    i.op = b;
    end = decodePrimary(i, b, osize, seg);
  } else {
    b = byte();
    i.op = 0x100 | b;
    end = decode0F(i, b, osize, seg);
  }
  i.len = (pos - addr) | 0;
  i.next = pos;
  return end;
}

function decodePrimary(i: Insn, b: number, osize: number, seg: number): boolean {
  if (b < 0x40 && (b & 7) < 6) {
    const kind = b >> 3;
    i.sub = kind;
    switch (b & 7) {
      case 0:
        modrm(i, seg);
        i.size = 1;
        i.exec = A.aluEG;
        return false;
      case 1:
        modrm(i, seg);
        i.exec = A.aluEG;
        if (osize === 4 && i.mod === 3) specialiseRR(i, kind);
        return false;
      case 2:
        modrm(i, seg);
        i.size = 1;
        i.exec = A.aluGE;
        return false;
      case 3:
        modrm(i, seg);
        i.exec = A.aluGE;
        if (osize === 4) {
          if (i.mod === 3) {
            // The specialised handlers take the destination in rm: swap when there is one.
            specialiseRR(i, kind);
            if (i.exec !== A.aluGE) {
              const t = i.rm;
              i.rm = i.reg;
              i.reg = t;
            }
          } else if (kind === A.ALU_ADD) i.exec = A.add32GM;
          else if (kind === A.ALU_CMP) i.exec = A.cmp32GM;
        }
        return false;
      case 4:
        i.imm = ib();
        reg(i, 0, 1, A.aluEI);
        return false;
      default:
        i.imm = iz(osize);
        reg(i, 0, osize, A.aluEI);
        if (osize === 4) specialiseRI(i, kind);
        return false;
    }
  }
  switch (b) {
    case 0x06: case 0x0e: case 0x16: case 0x1e:
      i.reg = b >> 3;
      i.exec = M.pushSreg;
      return false;
    case 0x07: case 0x17: case 0x1f:
      i.reg = b >> 3;
      i.exec = M.popSreg;
      return false;
    case 0x27: i.exec = BCD.daa; return false;
    case 0x2f: i.exec = BCD.das; return false;
    case 0x37: i.exec = BCD.aaa; return false;
    case 0x3f: i.exec = BCD.aas; return false;
  }
  if (b >= 0x40 && b < 0x60) {
    const r = b & 7;
    switch (b >> 3) {
      case 8: reg(i, r, osize, osize === 4 ? A.inc32R : A.incE); return false;
      case 9: reg(i, r, osize, osize === 4 ? A.dec32R : A.decE); return false;
      case 10: reg(i, r, osize, osize === 4 ? M.push32R : M.pushR); return false;
      default: reg(i, r, osize, osize === 4 ? M.pop32R : M.popR); return false;
    }
  }
  if (b >= 0x70 && b < 0x80) {
    const rel = ib();
    i.sub = b & 15;
    i.target = branchTarget(rel, osize);
    i.exec = C.jcc;
    return true;
  }
  if (b >= 0x91 && b < 0x98) {
    i.reg = 0;
    reg(i, b & 7, osize, M.xchgEG);
    return false;
  }
  if (b >= 0xb0 && b < 0xb8) {
    i.imm = ib();
    reg(i, b & 7, 1, M.movEI);
    return false;
  }
  if (b >= 0xb8 && b < 0xc0) {
    i.imm = iz(osize);
    reg(i, b & 7, osize, osize === 4 ? M.mov32RI : M.movEI);
    return false;
  }
  if (b >= 0xd8 && b < 0xe0) return decodeX87(i, b, seg);
  switch (b) {
    case 0x60: i.exec = M.pusha; return false;
    case 0x61: i.exec = M.popa; return false;
    case 0x62:
      modrm(i, seg);
      i.exec = i.mod === 3 ? C.ud : C.bound;
      return i.mod === 3;
    case 0x63:
      modrm(i, seg);
      i.exec = M.arpl;
      return false;
    case 0x68:
      i.imm = iz(osize);
      i.exec = M.pushI;
      return false;
    case 0x69:
      modrm(i, seg);
      i.imm = iz(osize);
      i.exec = MD.imulGEI;
      return false;
    case 0x6a:
      i.imm = ib();
      i.exec = M.pushI;
      return false;
    case 0x6b:
      modrm(i, seg);
      i.imm = ib();
      i.exec = MD.imulGEI;
      return false;
    case 0x6c: case 0x6d: case 0x6e: case 0x6f:
      i.exec = C.privileged;
      return true;
    case 0x80: case 0x82:
      modrm(i, seg);
      i.size = 1;
      i.sub = i.reg;
      i.imm = ib();
      i.exec = A.aluEI;
      return false;
    case 0x81:
      modrm(i, seg);
      i.sub = i.reg;
      i.imm = iz(osize);
      i.exec = A.aluEI;
      if (osize === 4) specialiseEI(i);
      return false;
    case 0x83:
      modrm(i, seg);
      i.sub = i.reg;
      i.imm = ib();
      i.exec = A.aluEI;
      if (osize === 4) specialiseEI(i);
      return false;
    case 0x84:
      modrm(i, seg);
      i.size = 1;
      i.exec = A.testEG;
      return false;
    case 0x85:
      modrm(i, seg);
      i.exec = osize === 4 && i.mod === 3 ? A.test32RR : A.testEG;
      return false;
    case 0x86:
      modrm(i, seg);
      i.size = 1;
      i.exec = M.xchgEG;
      return false;
    case 0x87:
      modrm(i, seg);
      i.exec = M.xchgEG;
      return false;
    case 0x88:
      modrm(i, seg);
      i.size = 1;
      i.exec = M.movEG;
      return false;
    case 0x89:
      modrm(i, seg);
      i.exec = osize === 4 ? (i.mod === 3 ? M.mov32RR : M.mov32MR) : M.movEG;
      return false;
    case 0x8a:
      modrm(i, seg);
      i.size = 1;
      i.exec = M.movGE;
      return false;
    case 0x8b:
      modrm(i, seg);
      if (osize === 4) {
        if (i.mod === 3) {
          const t = i.rm;
          i.rm = i.reg;
          i.reg = t;
          i.exec = M.mov32RR;
        } else i.exec = M.mov32RM;
      } else i.exec = M.movGE;
      return false;
    case 0x8c:
      modrm(i, seg);
      i.exec = M.movESreg;
      return false;
    case 0x8d:
      modrm(i, seg);
      i.exec = i.mod === 3 ? C.ud : M.lea;
      return i.mod === 3;
    case 0x8e:
      modrm(i, seg);
      i.exec = M.movSregE;
      return false;
    case 0x8f:
      modrm(i, seg);
      i.exec = i.reg === 0 ? M.popE : C.ud;
      return i.reg !== 0;
    case 0x90:
      i.exec = C.nop;
      return false;
    case 0x98: i.exec = M.cbw; return false;
    case 0x99: i.exec = M.cwd; return false;
    case 0x9a:
      i.exec = C.privileged;
      return true;
    case 0x9b: i.exec = fwait; return false; // WAIT: a pending unmasked x87 exception raises #MF
    case 0x9c: i.exec = M.pushf; return false;
    case 0x9d: i.exec = M.popf; return false;
    case 0x9e: i.exec = M.sahf; return false;
    case 0x9f: i.exec = M.lahf; return false;
    case 0xa0:
      moffs(i, seg);
      i.size = 1;
      i.reg = 0;
      i.exec = M.movGE;
      return false;
    case 0xa1:
      moffs(i, seg);
      i.reg = 0;
      i.exec = osize === 4 ? M.mov32RM : M.movGE;
      return false;
    case 0xa2:
      moffs(i, seg);
      i.size = 1;
      i.reg = 0;
      i.exec = M.movEG;
      return false;
    case 0xa3:
      moffs(i, seg);
      i.reg = 0;
      i.exec = osize === 4 ? M.mov32MR : M.movEG;
      return false;
    case 0xa4: i.size = 1; i.exec = STR.movs; return false;
    case 0xa5: i.exec = STR.movs; return false;
    case 0xa6: i.size = 1; i.exec = STR.cmps; return false;
    case 0xa7: i.exec = STR.cmps; return false;
    case 0xa8:
      i.imm = ib();
      reg(i, 0, 1, A.testEI);
      return false;
    case 0xa9:
      i.imm = iz(osize);
      reg(i, 0, osize, A.testEI);
      return false;
    case 0xaa: i.size = 1; i.exec = STR.stos; return false;
    case 0xab: i.exec = STR.stos; return false;
    case 0xac: i.size = 1; i.exec = STR.lods; return false;
    case 0xad: i.exec = STR.lods; return false;
    case 0xae: i.size = 1; i.exec = STR.scas; return false;
    case 0xaf: i.exec = STR.scas; return false;
    case 0xc0: case 0xc1: case 0xd0: case 0xd1: case 0xd2: case 0xd3:
      modrm(i, seg);
      if ((b & 1) === 0) i.size = 1;
      i.sub = i.reg;
      if (b < 0xd0) {
        i.imm = byte();
        i.exec = SH.shiftEI;
      } else if (b < 0xd2) {
        i.imm = 1;
        i.exec = SH.shiftEI;
      } else i.exec = SH.shiftECL;
      return false;
    case 0xc2:
      i.imm = iw() & 0xffff;
      i.exec = C.ret;
      return true;
    case 0xc3:
      i.exec = C.ret;
      return true;
    case 0xc4: case 0xc5:
      modrm(i, seg);
      i.sub = b === 0xc4 ? SEG_ES : SEG_DS;
      i.exec = M.loadFarPointer;
      return false;
    case 0xc6: case 0xc7:
      modrm(i, seg);
      if (b === 0xc6) {
        i.size = 1;
        i.imm = ib();
      } else i.imm = iz(osize);
      if (i.reg !== 0) {
        i.exec = C.ud;
        return true;
      }
      i.exec = osize === 4 && b === 0xc7 ? (i.mod === 3 ? M.mov32RI : M.mov32MI) : M.movEI;
      return false;
    case 0xc8:
      i.imm = iw() & 0xffff;
      i.imm2 = byte();
      i.exec = M.enter;
      return false;
    case 0xc9: i.exec = M.leave; return false;
    case 0xca: case 0xcb: case 0xcf: case 0xea:
      i.exec = C.privileged;
      return true;
    case 0xcc: i.exec = C.int3; return true;
    case 0xcd:
      i.imm = byte();
      i.exec = C.int;
      return true;
    case 0xce: i.exec = C.into; return true;
    case 0xd4:
      i.imm = byte();
      i.exec = BCD.aam;
      return false;
    case 0xd5:
      i.imm = byte();
      i.exec = BCD.aad;
      return false;
    case 0xd6: i.exec = BCD.salc; return false;
    case 0xd7: i.exec = M.xlat; return false;
    case 0xe0: case 0xe1: case 0xe2: case 0xe3: {
      const rel = ib();
      i.target = branchTarget(rel, osize);
      i.exec = b === 0xe0 ? C.loopne : b === 0xe1 ? C.loope : b === 0xe2 ? C.loop : C.jecxz;
      return true;
    }
    case 0xe4: case 0xe5: case 0xe6: case 0xe7:
      byte();
      i.exec = C.privileged;
      return true;
    case 0xec: case 0xed: case 0xee: case 0xef: case 0xf4: case 0xfa: case 0xfb:
      i.exec = C.privileged;
      return true;
    case 0xe8: {
      const rel = iz(osize);
      i.target = branchTarget(rel, osize);
      i.exec = C.callRel;
      return true;
    }
    case 0xe9: {
      const rel = iz(osize);
      i.target = branchTarget(rel, osize);
      i.exec = C.jmpRel;
      return true;
    }
    case 0xeb: {
      const rel = ib();
      i.target = branchTarget(rel, osize);
      i.exec = C.jmpRel;
      return true;
    }
    case 0xf1: i.exec = C.int1; return true;
    case 0xf5: i.exec = C.cmc; return false;
    case 0xf6: case 0xf7:
      modrm(i, seg);
      if (b === 0xf6) i.size = 1;
      switch (i.reg) {
        case 0: case 1:
          i.imm = b === 0xf6 ? ib() : iz(osize);
          i.exec = A.testEI;
          return false;
        case 2: i.exec = A.notE; return false;
        case 3: i.exec = A.negE; return false;
        case 4: i.exec = MD.mulE; return false;
        case 5: i.exec = MD.imulE; return false;
        case 6: i.exec = MD.divE; return false;
        default: i.exec = MD.idivE; return false;
      }
    case 0xf8: i.exec = C.clc; return false;
    case 0xf9: i.exec = C.stc; return false;
    case 0xfc: i.exec = C.cld; return false;
    case 0xfd: i.exec = C.std; return false;
    case 0xfe:
      modrm(i, seg);
      i.size = 1;
      if (i.reg === 0) i.exec = A.incE;
      else if (i.reg === 1) i.exec = A.decE;
      else {
        i.exec = C.ud;
        return true;
      }
      return false;
    case 0xff:
      modrm(i, seg);
      switch (i.reg) {
        case 0: i.exec = A.incE; return false;
        case 1: i.exec = A.decE; return false;
        case 2: i.exec = C.callE; return true;
        case 4: i.exec = C.jmpE; return true;
        case 6: i.exec = M.pushE; return false;
        case 3: case 5:
          i.exec = i.mod === 3 ? C.ud : C.privileged;
          return true;
        default:
          i.exec = C.ud;
          return true;
      }
  }
  i.exec = C.ud;
  return true;
}

function decode0F(i: Insn, b: number, osize: number, seg: number): boolean {
  if (b >= 0x40 && b < 0x50) {
    modrm(i, seg);
    i.sub = b & 15;
    i.exec = BIT.cmovcc;
    return false;
  }
  if (b >= 0x80 && b < 0x90) {
    const rel = iz(osize);
    i.sub = b & 15;
    i.target = branchTarget(rel, osize);
    i.exec = C.jcc;
    return true;
  }
  if (b >= 0x90 && b < 0xa0) {
    modrm(i, seg);
    i.size = 1;
    i.sub = b & 15;
    i.exec = BIT.setcc;
    return false;
  }
  if (b >= 0xc8 && b <= 0xcf) {
    reg(i, b & 7, osize, BIT.bswap);
    return false;
  }
  switch (b) {
    case 0x00:
      modrm(i, seg);
      if (i.reg <= 1) {
        i.exec = C.umipStore;
        return false;
      }
      i.exec = i.reg <= 3 ? C.privileged : C.ud;
      return true;
    case 0x01:
      modrm(i, seg);
      if (i.mod !== 3 && (i.reg === 0 || i.reg === 1 || i.reg === 4)) {
        i.exec = C.umipStore;
        return false;
      }
      if (i.mod === 3 && i.reg === 4) {
        i.exec = C.umipStore;
        return false;
      }
      i.exec = i.mod === 3 ? C.ud : C.privileged;
      return true;
    case 0x06: case 0x08: case 0x09: case 0x30: case 0x32: case 0x33: case 0x34: case 0x35:
      i.exec = C.privileged;
      return true;
    case 0x20: case 0x21: case 0x22: case 0x23:
      modrm(i, seg);
      i.exec = C.privileged;
      return true;
    case 0x0d: case 0x18: case 0x19: case 0x1a: case 0x1b: case 0x1c: case 0x1d: case 0x1e: case 0x1f:
      // Prefetch hints and the multi-byte NOP (0F 1F /0).
      modrm(i, seg);
      i.exec = C.nop;
      return false;
    case 0x31: i.exec = C.rdtsc; return false;
    case 0xa0: case 0xa8:
      i.reg = b === 0xa0 ? SEG_FS : SEG_GS;
      i.exec = M.pushSreg;
      return false;
    case 0xa1: case 0xa9:
      i.reg = b === 0xa1 ? SEG_FS : SEG_GS;
      i.exec = M.popSreg;
      return false;
    case 0xa2: i.exec = C.cpuid; return false;
    case 0xa3: case 0xab: case 0xb3: case 0xbb:
      modrm(i, seg);
      i.sub = (b >> 3) & 3; // A3→0 BT, AB→1 BTS, B3→2 BTR, BB→3 BTC
      i.exec = BIT.btEG;
      return false;
    case 0xa4: case 0xac:
      modrm(i, seg);
      i.imm = byte();
      i.exec = b === 0xa4 ? SH.shldI : SH.shrdI;
      return false;
    case 0xa5: case 0xad:
      modrm(i, seg);
      i.exec = b === 0xa5 ? SH.shldCL : SH.shrdCL;
      return false;
    case 0xae:
      modrm(i, seg);
      if (i.mod !== 3 && i.reg <= 3) return decodeSimdGroup15(i, osize, seg);
      if (i.mod === 3 && i.reg >= 5) {
        i.exec = C.nop; // LFENCE MFENCE SFENCE
        return false;
      }
      if (i.mod !== 3 && i.reg === 7) {
        i.exec = C.nop; // CLFLUSH
        return false;
      }
      i.exec = C.ud;
      return true;
    case 0xaf:
      modrm(i, seg);
      i.exec = MD.imulGE;
      return false;
    case 0xb0: case 0xb1:
      modrm(i, seg);
      if (b === 0xb0) i.size = 1;
      i.exec = BIT.cmpxchg;
      return false;
    case 0xb2: case 0xb4: case 0xb5:
      modrm(i, seg);
      i.sub = b === 0xb2 ? SEG_SS : b === 0xb4 ? SEG_FS : SEG_GS;
      i.exec = M.loadFarPointer;
      return false;
    case 0xb6: case 0xb7: case 0xbe: case 0xbf:
      modrm(i, seg);
      i.exec = b === 0xb6 ? M.movzxB : b === 0xb7 ? M.movzxW : b === 0xbe ? M.movsxB : M.movsxW;
      return false;
    case 0xb8:
      if (i.rep !== 1) break;
      modrm(i, seg);
      i.exec = BIT.popcnt;
      return false;
    case 0xba:
      modrm(i, seg);
      i.imm = byte();
      if (i.reg < 4) {
        i.exec = C.ud;
        return true;
      }
      i.sub = i.reg - 4;
      i.exec = BIT.btEI;
      return false;
    case 0xbc: case 0xbd:
      // F3 0F BC/BD would be TZCNT/LZCNT, but BMI/ABM are not advertised: they run as BSF/BSR.
      modrm(i, seg);
      i.exec = b === 0xbc ? BIT.bsf : BIT.bsr;
      return false;
    case 0xc0: case 0xc1:
      modrm(i, seg);
      if (b === 0xc0) i.size = 1;
      i.exec = BIT.xadd;
      return false;
    case 0xc7:
      modrm(i, seg);
      if (i.reg === 1 && i.mod !== 3) {
        i.exec = BIT.cmpxchg8b;
        return false;
      }
      i.exec = C.ud;
      return true;
  }
  const simd = decodeSimd(i, b, osize, seg);
  if (simd !== null) return simd;
  i.exec = C.ud;
  return true;
}

function branchTarget(rel: number, osize: number): number {
  const t = (pos + rel) | 0;
  return osize === 2 ? t & 0xffff : t;
}

function specialiseRR(i: Insn, kind: number): void {
  switch (kind) {
    case A.ALU_ADD: i.exec = A.add32RR; break;
    case A.ALU_SUB: i.exec = A.sub32RR; break;
    case A.ALU_CMP: i.exec = A.cmp32RR; break;
    case A.ALU_AND: i.exec = A.and32RR; break;
    case A.ALU_OR: i.exec = A.or32RR; break;
    case A.ALU_XOR: i.exec = A.xor32RR; break;
  }
}

function specialiseRI(i: Insn, kind: number): void {
  switch (kind) {
    case A.ALU_ADD: i.exec = A.add32RI; break;
    case A.ALU_SUB: i.exec = A.sub32RI; break;
    case A.ALU_CMP: i.exec = A.cmp32RI; break;
    case A.ALU_AND: i.exec = A.and32RI; break;
  }
}

function specialiseEI(i: Insn): void {
  if (i.mod === 3) specialiseRI(i, i.sub);
  else if (i.sub === A.ALU_CMP) i.exec = A.cmp32MI;
}

/** Decode the block starting at `addr`. Throws CpuFault if its first byte can't be fetched. */
export function decodeBlock(cpu: Cpu, addr: number): Block {
  cpuRef = cpu;
  pageVpn = -1;
  const insns: Insn[] = [];
  const firstPage = addr >>> PAGE_SHIFT;
  lastPage = firstPage;
  let a = addr;
  for (;;) {
    const i = new Insn(C.ud);
    let end: boolean;
    const pageBefore = lastPage;
    try {
      end = decodeOne(i, a);
    } catch (e) {
      if (e === TOO_LONG) {
        // Longer than 15 bytes: #GP at this instruction (SDM Vol. 2 §2.3.11).
        i.addr = a;
        i.len = MAX_INSN_LEN;
        i.next = (a + MAX_INSN_LEN) | 0;
        i.exec = C.privileged;
        insns.push(i);
        break;
      }
      if (!(e instanceof CpuFault) || insns.length === 0) throw e;
      // A later instruction's bytes are not fetchable: end the block before it,
      // so the fault is raised precisely when execution reaches it.
      lastPage = pageBefore;
      break;
    }
    insns.push(i);
    a = i.next;
    if (end && i.exec === C.jcc && insns.length < MAX_BLOCK && a >>> PAGE_SHIFT === firstPage) {
      // A conditional branch need not end the block: it becomes a side exit
      // and decoding continues on the fall-through path (a superblock).
      i.exec = C.jccExit;
      continue;
    }
    if (end || insns.length >= MAX_BLOCK || a >>> PAGE_SHIFT !== firstPage) break;
  }
  const count = insns.length;
  eliminateDeadFlags(insns);
  fuseCompareBranch(insns);
  specialize(insns);
  const b = new Block(addr, insns, firstPage, lastPage);
  b.count = count;
  return b;
}
