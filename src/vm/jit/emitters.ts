import * as A from '../cpu/ops-alu.js';
import * as BIT from '../cpu/ops-bits.js';
import * as C from '../cpu/ops-control.js';
import * as F from '../cpu/ops-fast.js';
import * as M from '../cpu/ops-move.js';
import * as NF from '../cpu/ops-noflags.js';
import { FL_DF, K_ADD, K_DEC, K_INC, K_LOGIC, K_SUB, sizeIndex } from '../cpu/flags.js';
import { S_FLAGS } from '../mem/layout.js';
import type { Handler, Insn } from '../cpu/insn.js';
import type { BlockCompiler } from './block-jit.js';
import { FX_ALL, FX_NONE, FX_READ, L_ADDR, L_R as T_R, L_V, L_W } from './locals.js';
import { Op } from './wasm.js';

/**
 * Wasm for the common integer instructions, chosen by the interpreter
 * handler the decoder picked (its identity says which operand shape and
 * whether flags are dead). Each emitter does what its handler does; the
 * handler itself runs on every slow path (TLB miss, page crossing, store
 * to code) and for every instruction without an emitter.
 */
export interface Emitter {
  /** Registers read and written (bit n = register n, 32-bit view). */
  regs(i: Insn): { read: number; write: number };
  /** Effect on the arithmetic flags for liveness (FX_*). */
  flags(i: Insn): number;
  /** A conditional branch out of the middle of the block. */
  sideExit: boolean;
  /** As the last instruction, it sets EIP and leaves by itself. */
  setsEip: boolean;
  emit(jc: BlockCompiler, i: Insn): void;
}

type Emit = (jc: BlockCompiler, i: Insn) => void;

/** Register bit of operand register `n` at `size` (AH…BH are registers 0–3). */
const bit = (n: number, size: number): number => (n < 0 ? 0 : 1 << (size === 1 && n >= 4 ? n - 4 : n));
const memRegs = (i: Insn): number => (i.mod === 3 ? 0 : bit(i.base, 4) | bit(i.index, 4));
const rmRead = (i: Insn, size: number): number => (i.mod === 3 ? bit(i.rm, size) : memRegs(i));

const ESP = 1 << 4;

function make(
  regs: (i: Insn) => { read: number; write: number },
  flags: number | ((i: Insn) => number),
  emit: Emit,
  opts: { sideExit?: boolean; setsEip?: boolean } = {},
): Emitter {
  return {
    regs,
    flags: typeof flags === 'number' ? () => flags : flags,
    sideExit: opts.sideExit ?? false,
    setsEip: opts.setsEip ?? false,
    emit,
  };
}

// ---- operand helpers ----

/** L_ADDR = the operand's linear address. */
function addr(jc: BlockCompiler, i: Insn): void {
  jc.ea(i);
  jc.c.set(L_ADDR);
}

/**
 * Read operand E of `size` into L_V, then run `then` (still inside the fast
 * path for a memory operand). `flagOp`: the flags `then` sets (see beginFast).
 */
function withE(jc: BlockCompiler, i: Insn, size: number, flagOp: number, then: () => void): void {
  const c = jc.c;
  if (i.mod === 3) {
    jc.getReg(i.rm, size);
    c.set(L_V);
    then();
    return;
  }
  addr(jc, i);
  jc.beginFast(size, false, flagOp);
  jc.load(size);
  c.set(L_V);
  then();
  jc.endFast();
}

const sizeOp = (kind: number, size: number): number => (kind << 2) | sizeIndex(size);

/** Push `a <alu kind> b` from locals. */
function aluValue(jc: BlockCompiler, kind: number, a: number, b: number): void {
  const c = jc.c;
  c.get(a);
  c.get(b);
  switch (kind) {
    case A.ALU_ADD: c.op(Op.i32_add); break;
    case A.ALU_OR: c.op(Op.i32_or); break;
    case A.ALU_AND: c.op(Op.i32_and); break;
    case A.ALU_XOR: c.op(Op.i32_xor); break;
    default: c.op(Op.i32_sub); break; // SUB, CMP
  }
}

function aluKind(kind: number): number {
  switch (kind) {
    case A.ALU_ADD: return K_ADD;
    case A.ALU_OR: case A.ALU_AND: case A.ALU_XOR: return K_LOGIC;
    default: return K_SUB;
  }
}

/** The ALU kinds emitted inline (ADC and SBB read CF: their handler runs). */
const inlineAlu = (kind: number): boolean => kind !== A.ALU_ADC && kind !== A.ALU_SBB;

/**
 * `E <kind>= src` where src is pushed by `pushSrc` (a register or the
 * immediate), E a register or memory (read-modify-write), all sizes.
 */
function aluE(jc: BlockCompiler, i: Insn, kind: number, pushSrc: () => void): void {
  const c = jc.c;
  const size = i.size;
  const op = sizeOp(aluKind(kind), size);
  const writes = kind !== A.ALU_CMP;
  const body = (): void => {
    pushSrc();
    c.set(L_W);
    // L_V = a, L_W = b, T_R = the result.
    aluValue(jc, kind, L_V, L_W);
    c.set(T_R);
  };
  if (i.mod === 3) {
    jc.getReg(i.rm, size);
    c.set(L_V);
    body();
    if (writes) jc.setRegFrom(i.rm, size, T_R);
    jc.setFlags(op, L_V, L_W, T_R);
    return;
  }
  addr(jc, i);
  jc.beginFast(size, writes, op);
  jc.load(size);
  c.set(L_V);
  body();
  if (writes) jc.store(size, T_R);
  jc.setFlags(op, L_V, L_W, T_R);
  jc.endFast();
}


// ---- the table ----

const table = new Map<Handler, (i: Insn) => Emitter | null>();
const fixed = (e: Emitter) => (): Emitter => e;

// MOV
table.set(M.mov32RR, fixed(make((i) => ({ read: bit(i.reg, 4), write: bit(i.rm, 4) }), FX_NONE, (jc, i) => {
  jc.c.get(jc.regLocal(i.reg));
  jc.c.set(jc.regLocal(i.rm));
})));
table.set(M.mov32RI, fixed(make((i) => ({ read: 0, write: bit(i.rm, 4) }), FX_NONE, (jc, i) => {
  jc.c.i32(i.imm);
  jc.c.set(jc.regLocal(i.rm));
})));
const loadReg32: Emit = (jc, i) => withE(jc, i, 4, -1, () => {
  jc.c.get(L_V);
  jc.c.set(jc.regLocal(i.reg));
});
const loadReg32Regs = (i: Insn) => ({ read: memRegs(i), write: bit(i.reg, 4) });
table.set(M.mov32RM, fixed(make(loadReg32Regs, FX_NONE, loadReg32)));
table.set(F.mov32RMb, fixed(make(loadReg32Regs, FX_NONE, loadReg32)));

/** Store local `l` of `size` bytes to operand E (register or memory). */
function storeE(jc: BlockCompiler, i: Insn, size: number, l: number): void {
  if (i.mod === 3) {
    jc.setRegFrom(i.rm, size, l);
    return;
  }
  addr(jc, i);
  jc.beginFast(size, true);
  jc.store(size, l);
  jc.endFast();
}
const storeReg32: Emit = (jc, i) => {
  jc.c.get(jc.regLocal(i.reg));
  jc.c.set(L_V);
  storeE(jc, i, 4, L_V);
};
const storeRegs = (i: Insn) => ({ read: memRegs(i) | bit(i.reg, i.size), write: i.mod === 3 ? bit(i.rm, i.size) : 0 });
table.set(M.mov32MR, fixed(make(storeRegs, FX_NONE, storeReg32)));
table.set(F.mov32MRb, fixed(make(storeRegs, FX_NONE, storeReg32)));
const storeImm: Emit = (jc, i) => {
  jc.c.i32(i.imm);
  jc.c.set(L_V);
  storeE(jc, i, i.size, L_V);
};
const immRegs = (i: Insn) => ({ read: memRegs(i) | (i.mod === 3 && i.size < 4 ? bit(i.rm, i.size) : 0), write: i.mod === 3 ? bit(i.rm, i.size) : 0 });
table.set(M.mov32MI, fixed(make(immRegs, FX_NONE, storeImm)));
table.set(M.movEI, fixed(make(immRegs, FX_NONE, storeImm)));
table.set(M.movEG, fixed(make((i) => ({ read: memRegs(i) | bit(i.reg, i.size) | (i.mod === 3 && i.size < 4 ? bit(i.rm, i.size) : 0), write: i.mod === 3 ? bit(i.rm, i.size) : 0 }), FX_NONE, (jc, i) => {
  jc.getReg(i.reg, i.size);
  jc.c.set(L_V);
  storeE(jc, i, i.size, L_V);
})));
/** G = f(E): movGE, MOVZX, MOVSX (`ext`: how the E value becomes the G value). */
function loadG(srcSize: number, ext: ((jc: BlockCompiler) => void) | null): Emit {
  return (jc, i) => withE(jc, i, srcSize, -1, () => {
    if (ext !== null) {
      jc.c.get(L_V);
      ext(jc);
      jc.c.set(L_V);
    }
    jc.setRegFrom(i.reg, i.size, L_V);
  });
}
const loadGRegs = (srcSize: number) => (i: Insn) => ({ read: rmRead(i, srcSize) | (i.size < 4 ? bit(i.reg, i.size) : 0), write: bit(i.reg, i.size) });
table.set(M.movGE, (i) => make(loadGRegs(i.size), FX_NONE, loadG(i.size, null)));
table.set(M.movzxB, fixed(make(loadGRegs(1), FX_NONE, loadG(1, null))));
table.set(M.movzxW, fixed(make(loadGRegs(2), FX_NONE, loadG(2, null))));
table.set(NF.movzxB32M, fixed(make(loadGRegs(1), FX_NONE, loadG(1, null))));
table.set(NF.movzxW32M, fixed(make(loadGRegs(2), FX_NONE, loadG(2, null))));
table.set(F.movzxB32Mb, fixed(make(loadGRegs(1), FX_NONE, loadG(1, null))));
table.set(M.movsxB, fixed(make(loadGRegs(1), FX_NONE, loadG(1, (jc) => jc.c.op(Op.i32_extend8_s)))));
table.set(M.movsxW, fixed(make(loadGRegs(2), FX_NONE, loadG(2, (jc) => jc.c.op(Op.i32_extend16_s)))));

// LEA (the offset; no memory access)
const leaEmit: Emit = (jc, i) => {
  jc.offset(i);
  jc.c.set(L_V);
  jc.setRegFrom(i.reg, i.size, L_V);
};
const leaRegs = (i: Insn) => ({ read: memRegs(i) | (i.size < 4 ? bit(i.reg, i.size) : 0), write: bit(i.reg, i.size) });
table.set(M.lea, (i) => (i.size === 1 ? null : make(leaRegs, FX_NONE, leaEmit)));
table.set(F.lea32b, fixed(make(leaRegs, FX_NONE, leaEmit)));
table.set(F.lea32bi, fixed(make(leaRegs, FX_NONE, leaEmit)));

// XCHG register, register
table.set(M.xchgEG, (i) => (i.mod !== 3 ? null : make((x) => ({ read: bit(x.rm, x.size) | bit(x.reg, x.size), write: bit(x.rm, x.size) | bit(x.reg, x.size) }), FX_NONE, (jc, x) => {
  jc.getReg(x.rm, x.size);
  jc.c.set(L_V);
  jc.getReg(x.reg, x.size);
  jc.c.set(L_W);
  jc.setRegFrom(x.rm, x.size, L_W);
  jc.setRegFrom(x.reg, x.size, L_V);
})));

// ---- stack ----

/** Push the value in local `l` (32 bits): store at ESP-4, then ESP = ESP-4. */
function push32(jc: BlockCompiler, l: number): void {
  const c = jc.c;
  c.get(jc.regLocal(4));
  c.i32(4);
  c.op(Op.i32_sub);
  c.set(L_ADDR);
  jc.beginFast(4, true);
  jc.store(4, l);
  c.get(L_ADDR);
  c.set(jc.regLocal(4));
  jc.endFast();
}
table.set(M.push32R, fixed(make((i) => ({ read: bit(i.rm, 4) | ESP, write: ESP }), FX_NONE, (jc, i) => {
  jc.c.get(jc.regLocal(i.rm));
  jc.c.set(L_V);
  push32(jc, L_V);
})));
table.set(M.pushR, (i) => (i.size !== 4 ? null : table.get(M.push32R)!(i)));
table.set(M.pushI, (i) => (i.size !== 4 ? null : make(() => ({ read: ESP, write: ESP }), FX_NONE, (jc, x) => {
  jc.c.i32(x.imm);
  jc.c.set(L_V);
  push32(jc, L_V);
})));
/** PUSH [mem]: the operand's address uses ESP before the push (SDM PUSH); two fast paths, either slow one runs the whole handler. */
table.set(M.pushE, (i) => (i.size !== 4 ? null : i.mod === 3 ? table.get(M.push32R)!(i) : make((x) => ({ read: memRegs(x) | ESP, write: ESP }), FX_NONE, (jc, x) => {
  addr(jc, x);
  jc.beginFast(4, false);
  jc.load(4);
  jc.c.set(L_V);
  push32(jc, L_V);
  jc.endFast();
})));
/** Load 32 bits at register `base`, then ESP = base + 4 and `dest` = the value (POP, LEAVE). */
function popFrom(jc: BlockCompiler, base: number, dest: number): void {
  const c = jc.c;
  c.get(jc.regLocal(base));
  c.set(L_ADDR);
  jc.beginFast(4, false);
  jc.load(4);
  c.set(L_V);
  c.get(L_ADDR);
  c.i32(4);
  c.op(Op.i32_add);
  c.set(jc.regLocal(4));
  c.get(L_V);
  c.set(jc.regLocal(dest));
  jc.endFast();
}
table.set(M.pop32R, fixed(make((i) => ({ read: ESP, write: ESP | bit(i.rm, 4) }), FX_NONE, (jc, i) => popFrom(jc, 4, i.rm))));
table.set(M.popR, (i) => (i.size !== 4 ? null : table.get(M.pop32R)!(i)));
table.set(M.leave, (i) => (i.size !== 4 ? null : make(() => ({ read: 1 << 5, write: ESP | (1 << 5) }), FX_NONE, (jc) => popFrom(jc, 5, 5))));

// ---- ALU ----

/** 32-bit register forms: E = rm (destination), G = reg (`rr`) or the immediate (`ri`). */
function reg32(kind: number, flags: boolean, imm: boolean): Emitter {
  const writes = kind !== A.ALU_CMP;
  return make(
    (i) => ({ read: bit(i.rm, 4) | (imm ? 0 : bit(i.reg, 4)), write: writes ? bit(i.rm, 4) : 0 }),
    flags ? FX_ALL : FX_NONE,
    (jc, i) => {
      const c = jc.c;
      c.get(jc.regLocal(i.rm));
      c.set(L_V);
      if (imm) c.i32(i.imm);
      else c.get(jc.regLocal(i.reg));
      c.set(L_W);
      aluValue(jc, kind, L_V, L_W);
      c.set(T_R);
      if (writes) {
        c.get(T_R);
        c.set(jc.regLocal(i.rm));
      }
      if (flags) jc.setFlags(sizeOp(aluKind(kind), 4), L_V, L_W, T_R);
    },
  );
}
const rr = (kind: number, flags: boolean): Emitter => reg32(kind, flags, false);
const ri = (kind: number, flags: boolean): Emitter => reg32(kind, flags, true);
table.set(A.add32RR, fixed(rr(A.ALU_ADD, true)));
table.set(A.sub32RR, fixed(rr(A.ALU_SUB, true)));
table.set(A.and32RR, fixed(rr(A.ALU_AND, true)));
table.set(A.or32RR, fixed(rr(A.ALU_OR, true)));
table.set(A.xor32RR, fixed(rr(A.ALU_XOR, true)));
table.set(A.cmp32RR, fixed(rr(A.ALU_CMP, true)));
table.set(A.add32RI, fixed(ri(A.ALU_ADD, true)));
table.set(A.sub32RI, fixed(ri(A.ALU_SUB, true)));
table.set(A.and32RI, fixed(ri(A.ALU_AND, true)));
table.set(A.cmp32RI, fixed(ri(A.ALU_CMP, true)));
table.set(NF.add32RRnf, fixed(rr(A.ALU_ADD, false)));
table.set(NF.sub32RRnf, fixed(rr(A.ALU_SUB, false)));
table.set(NF.and32RRnf, fixed(rr(A.ALU_AND, false)));
table.set(NF.or32RRnf, fixed(rr(A.ALU_OR, false)));
table.set(NF.xor32RRnf, fixed(rr(A.ALU_XOR, false)));
table.set(NF.add32RInf, fixed(ri(A.ALU_ADD, false)));
table.set(NF.sub32RInf, fixed(ri(A.ALU_SUB, false)));
table.set(NF.and32RInf, fixed(ri(A.ALU_AND, false)));
table.set(NF.nopFlags, fixed(make(() => ({ read: 0, write: 0 }), FX_NONE, () => {})));
table.set(A.test32RR, fixed(make((i) => ({ read: bit(i.rm, 4) | bit(i.reg, 4), write: 0 }), FX_ALL, (jc, i) => {
  const c = jc.c;
  c.get(jc.regLocal(i.rm));
  c.get(jc.regLocal(i.reg));
  c.op(Op.i32_and);
  c.set(T_R);
  jc.setFlags(sizeOp(K_LOGIC, 4), T_R, T_R, T_R);
})));

const aluERegs = (src: (i: Insn) => number) => (i: Insn) => ({
  read: rmRead(i, i.size) | src(i),
  write: i.mod === 3 && i.sub !== A.ALU_CMP ? bit(i.rm, i.size) : 0,
});
table.set(A.aluEG, (i) => (!inlineAlu(i.sub) ? null : make(aluERegs((x) => bit(x.reg, x.size)), FX_ALL, (jc, x) => aluE(jc, x, x.sub, () => jc.getReg(x.reg, x.size)))));
table.set(A.aluEI, (i) => (!inlineAlu(i.sub) ? null : make(aluERegs(() => 0), FX_ALL, (jc, x) => aluE(jc, x, x.sub, () => jc.c.i32(x.imm)))));
/** op G, E: a = G, b = E (as the handler's alu(getReg(reg), readE)). */
function aluG(jc: BlockCompiler, i: Insn, kind: number): void {
  const size = i.size;
  const op = sizeOp(aluKind(kind), size);
  withE(jc, i, size, op, () => {
    const c = jc.c;
    c.get(L_V);
    c.set(L_W);
    jc.getReg(i.reg, size);
    c.set(L_V);
    aluValue(jc, kind, L_V, L_W);
    c.set(T_R);
    if (kind !== A.ALU_CMP) jc.setRegFrom(i.reg, size, T_R);
    jc.setFlags(op, L_V, L_W, T_R);
  });
}
table.set(A.aluGE, (i) => (!inlineAlu(i.sub) ? null : make((x) => ({ read: rmRead(x, x.size) | bit(x.reg, x.size), write: x.sub !== A.ALU_CMP ? bit(x.reg, x.size) : 0 }), FX_ALL, (jc, x) => aluG(jc, x, x.sub))));
table.set(A.cmp32GM, fixed(make((i) => ({ read: memRegs(i) | bit(i.reg, 4), write: 0 }), FX_ALL, (jc, i) => aluG(jc, i, A.ALU_CMP))));
table.set(A.add32GM, fixed(make((i) => ({ read: memRegs(i) | bit(i.reg, 4), write: bit(i.reg, 4) }), FX_ALL, (jc, i) => aluG(jc, i, A.ALU_ADD))));
table.set(A.cmp32MI, fixed(make((i) => ({ read: memRegs(i), write: 0 }), FX_ALL, (jc, i) => aluE(jc, i, A.ALU_CMP, () => jc.c.i32(i.imm)))));

function testE(jc: BlockCompiler, i: Insn, pushSrc: () => void): void {
  const op = sizeOp(K_LOGIC, i.size);
  withE(jc, i, i.size, op, () => {
    const c = jc.c;
    c.get(L_V);
    pushSrc();
    c.op(Op.i32_and);
    c.set(T_R);
    jc.setFlags(op, T_R, T_R, T_R);
  });
}
table.set(A.testEG, fixed(make((i) => ({ read: rmRead(i, i.size) | bit(i.reg, i.size), write: 0 }), FX_ALL, (jc, i) => testE(jc, i, () => jc.getReg(i.reg, i.size)))));
table.set(A.testEI, fixed(make((i) => ({ read: rmRead(i, i.size), write: 0 }), FX_ALL, (jc, i) => testE(jc, i, () => jc.c.i32(i.imm)))));

/** INC/DEC E: CF is kept, so they read the flags before them. */
function incDec(kind: number): Emitter {
  return make((i) => ({ read: rmRead(i, i.size), write: i.mod === 3 ? bit(i.rm, i.size) : 0 }), FX_READ, (jc, i) => {
    const c = jc.c;
    const size = i.size;
    const z = sizeIndex(size);
    const value = (): void => {
      c.get(L_V);
      c.i32(1);
      c.op(kind === K_INC ? Op.i32_add : Op.i32_sub);
      c.set(T_R);
    };
    if (i.mod === 3) {
      jc.getReg(i.rm, size);
      c.set(L_V);
      value();
      jc.setRegFrom(i.rm, size, T_R);
      jc.setFlagsIncDec(kind, z, L_V, T_R);
      return;
    }
    addr(jc, i);
    jc.beginFast(size, true, (kind << 2) | z);
    jc.load(size);
    c.set(L_V);
    value();
    jc.store(size, T_R);
    jc.setFlagsIncDec(kind, z, L_V, T_R);
    jc.endFast();
  });
}
table.set(A.inc32R, fixed(incDec(K_INC)));
table.set(A.dec32R, fixed(incDec(K_DEC)));
table.set(A.incE, fixed(incDec(K_INC)));
table.set(A.decE, fixed(incDec(K_DEC)));
const regOp = (f: (jc: BlockCompiler) => void) =>
  make((i) => ({ read: bit(i.rm, 4), write: bit(i.rm, 4) }), FX_NONE, (jc, i) => {
    jc.c.get(jc.regLocal(i.rm));
    f(jc);
    jc.c.set(jc.regLocal(i.rm));
  });
table.set(NF.inc32Rnf, fixed(regOp((jc) => { jc.c.i32(1); jc.c.op(Op.i32_add); })));
table.set(NF.dec32Rnf, fixed(regOp((jc) => { jc.c.i32(1); jc.c.op(Op.i32_sub); })));
table.set(A.notE, (i) => (i.mod !== 3 ? null : make((x) => ({ read: bit(x.rm, x.size), write: bit(x.rm, x.size) }), FX_NONE, (jc, x) => {
  jc.getReg(x.rm, x.size);
  jc.c.i32(-1);
  jc.c.op(Op.i32_xor);
  jc.c.set(L_V);
  jc.setRegFrom(x.rm, x.size, L_V);
})));
table.set(A.negE, (i) => (i.mod !== 3 ? null : make((x) => ({ read: bit(x.rm, x.size), write: bit(x.rm, x.size) }), FX_ALL, (jc, x) => {
  const c = jc.c;
  jc.getReg(x.rm, x.size);
  c.set(L_W);
  c.i32(0);
  c.set(L_V);
  c.i32(0);
  c.get(L_W);
  c.op(Op.i32_sub);
  c.set(T_R);
  jc.setRegFrom(x.rm, x.size, T_R);
  jc.setFlags(sizeOp(K_SUB, x.size), L_V, L_W, T_R);
})));

// IMUL with dead flags; shifts and rotates by an immediate with dead flags.
const imulRegs = (i: Insn) => ({ read: rmRead(i, 4) | bit(i.reg, 4), write: bit(i.reg, 4) });
const imulImm: Emit = (jc, i) => withE(jc, i, 4, -1, () => {
  jc.c.get(L_V);
  jc.c.i32(i.imm);
  jc.c.op(Op.i32_mul);
  jc.c.set(jc.regLocal(i.reg));
});
const imulReg: Emit = (jc, i) => withE(jc, i, 4, -1, () => {
  jc.c.get(jc.regLocal(i.reg));
  jc.c.get(L_V);
  jc.c.op(Op.i32_mul);
  jc.c.set(jc.regLocal(i.reg));
});
table.set(F.imul32RRInf, fixed(make(imulRegs, FX_NONE, imulImm)));
table.set(F.imul32RMbInf, fixed(make(imulRegs, FX_NONE, imulImm)));
table.set(NF.imul32GEInf, fixed(make(imulRegs, FX_NONE, imulImm)));
table.set(F.imul32RRnf, fixed(make(imulRegs, FX_NONE, imulReg)));
table.set(NF.imul32GEnf, fixed(make(imulRegs, FX_NONE, imulReg)));
const shiftNf = (o: Op) => (i: Insn): Emitter | null =>
  (i.imm & 31) === 0 ? null : regOp((jc) => { jc.c.i32(i.imm & 31); jc.c.op(o); });
table.set(NF.rol32RInf, shiftNf(Op.i32_rotl));
table.set(NF.ror32RInf, shiftNf(Op.i32_rotr));
table.set(NF.shl32RInf, shiftNf(Op.i32_shl));
table.set(NF.shr32RInf, shiftNf(Op.i32_shr_u));
table.set(NF.sar32RInf, shiftNf(Op.i32_shr_s));

// ---- conditions ----

table.set(BIT.setcc, fixed(make((i) => ({ read: rmRead(i, 1), write: i.mod === 3 ? bit(i.rm, 1) : 0 }), FX_READ, (jc, i) => {
  jc.cond(i.sub);
  jc.c.set(L_V);
  storeE(jc, i, 1, L_V);
})));
table.set(BIT.cmovcc, (i) => (i.size !== 4 ? null : make((x) => ({ read: rmRead(x, 4) | bit(x.reg, 4), write: bit(x.reg, 4) }), FX_READ, (jc, x) => withE(jc, x, 4, -1, () => {
  const c = jc.c;
  jc.cond(x.sub);
  c.begin(Op.if);
  c.get(L_V);
  c.set(jc.regLocal(x.reg));
  c.op(Op.end);
}))));

// ---- control transfer ----

/** Conditional branch at the end of the block: EIP = cond ? target : next. */
function branchEnd(jc: BlockCompiler, i: Insn): void {
  const c = jc.c;
  c.begin(Op.if);
  jc.exitTo(i.target, jc.b.count, false);
  c.op(Op.end);
  jc.exitTo(i.next, jc.b.count, false);
}
const jccEmitter = make(() => ({ read: 0, write: 0 }), FX_READ, (jc, i) => {
  jc.cond(i.sub);
  branchEnd(jc, i);
}, { setsEip: true });
table.set(C.jcc, fixed(jccEmitter));
table.set(C.jccExit, fixed(make(() => ({ read: 0, write: 0 }), FX_READ, (jc, i) => {
  jc.cond(i.sub);
  jc.sideExit(i.target);
}, { sideExit: true })));

/** Fused CMP/TEST + Jcc: set the flags (they stay live for the next block), branch on them. */
function fused(kind: 'cmpRR' | 'cmpRI' | 'testRR', exit: boolean): Emitter {
  return make(
    (i) => ({ read: bit(i.rm, 4) | (kind === 'cmpRI' ? 0 : bit(i.reg, 4)), write: 0 }),
    FX_ALL,
    (jc, i) => {
      const c = jc.c;
      c.get(jc.regLocal(i.rm));
      c.set(L_V);
      if (kind === 'cmpRI') c.i32(i.imm);
      else c.get(jc.regLocal(i.reg));
      c.set(L_W);
      c.get(L_V);
      c.get(L_W);
      c.op(kind === 'testRR' ? Op.i32_and : Op.i32_sub);
      c.set(T_R);
      jc.flagsLive = true;
      jc.setFlags(sizeOp(kind === 'testRR' ? K_LOGIC : K_SUB, 4), L_V, L_W, T_R);
      jc.cond(i.sub);
      if (exit) jc.sideExit(i.target);
      else branchEnd(jc, i);
    },
    { sideExit: exit, setsEip: !exit },
  );
}
table.set(NF.cmpJcc32RR, fixed(fused('cmpRR', false)));
table.set(NF.cmpJcc32RI, fixed(fused('cmpRI', false)));
table.set(NF.testJcc32RR, fixed(fused('testRR', false)));
table.set(NF.cmpJccExit32RR, fixed(fused('cmpRR', true)));
table.set(NF.cmpJccExit32RI, fixed(fused('cmpRI', true)));
table.set(NF.testJccExit32RR, fixed(fused('testRR', true)));
table.set(F.cmpJneExit32RR, fixed(fused('cmpRR', true)));
table.set(F.cmpJneExit32RI, fixed(fused('cmpRI', true)));

table.set(C.jmpRel, fixed(make(() => ({ read: 0, write: 0 }), FX_NONE, (jc, i) => jc.exitTo(i.target, jc.b.count, false), { setsEip: true })));
table.set(C.callRel, (i) => (i.size !== 4 ? null : make(() => ({ read: ESP, write: ESP }), FX_NONE, (jc, x) => {
  jc.c.i32(x.next);
  jc.c.set(L_V);
  push32(jc, L_V);
  jc.exitTo(x.target, jc.b.count, false);
}, { setsEip: true })));
/** Leave for the address in local `l`. */
function exitToLocal(jc: BlockCompiler, l: number): void {
  const synced = jc.flagsSynced;
  jc.flushAll();
  jc.storeEipFrom(l);
  jc.returnRetired(jc.b.count);
  jc.flagsSynced = synced;
}
table.set(C.ret, (i) => (i.size !== 4 ? null : make(() => ({ read: ESP, write: ESP }), FX_NONE, (jc, x) => {
  const c = jc.c;
  c.get(jc.regLocal(4));
  c.set(L_ADDR);
  jc.beginFast(4, false);
  jc.load(4);
  c.set(L_V);
  c.get(L_ADDR);
  c.i32(4 + x.imm);
  c.op(Op.i32_add);
  c.set(jc.regLocal(4));
  exitToLocal(jc, L_V);
  jc.endFast();
}, { setsEip: true })));
table.set(C.jmpE, (i) => (i.size !== 4 ? null : make((x) => ({ read: rmRead(x, 4), write: 0 }), FX_NONE, (jc, x) => withE(jc, x, 4, -1, () => exitToLocal(jc, L_V)), { setsEip: true })));
/** CALL E: the target is read before the push, so a bad pointer faults with ESP intact. */
table.set(C.callE, (i) => (i.size !== 4 ? null : make((x) => ({ read: rmRead(x, 4) | ESP, write: ESP }), FX_NONE, (jc, x) => withE(jc, x, 4, -1, () => {
  const c = jc.c;
  c.get(L_V);
  c.set(T_R);
  c.i32(x.next);
  c.set(L_W);
  push32(jc, L_W);
  exitToLocal(jc, T_R);
}), { setsEip: true })));
table.set(C.nop, fixed(make(() => ({ read: 0, write: 0 }), FX_NONE, () => {})));
/** CLD/STD: DF is not one of the lazy flags; S_FLAGS holds it. */
const direction = (set: boolean): Emitter => make(() => ({ read: 0, write: 0 }), FX_NONE, (jc) => {
  const c = jc.c;
  c.i32(0);
  c.i32(0);
  c.mem(Op.i32_load, 2, S_FLAGS * 4);
  c.i32(set ? FL_DF : ~FL_DF);
  c.op(set ? Op.i32_or : Op.i32_and);
  c.mem(Op.i32_store, 2, S_FLAGS * 4);
});
table.set(C.cld, fixed(direction(false)));
table.set(C.std, fixed(direction(true)));

/** The emitter for `i`, or null: its handler runs (a call-out). */
export function emitterFor(i: Insn): Emitter | null {
  const f = table.get(i.exec);
  return f === undefined ? null : f(i);
}
