import {
  JIT_VALID_BASE, S_EIP, S_FLAGS, S_LAZY_A, S_LAZY_B, S_LAZY_OP, S_LAZY_RES, S_SEG_BASE, TLB_READ_BASE, TLB_WRITE_BASE,
} from '../mem/layout.js';
import { K_ADD, K_DEC, K_INC, K_LOGIC, K_SUB } from '../cpu/flags.js';
import type { Block, Insn } from '../cpu/insn.js';
import { emitterFor, type Emitter } from './emitters.js';
import { Code, Op } from './wasm.js';
import {
  F_CALLOUT, F_GETCF, F_TESTCC, FX_ALL, FX_READ, L_ADDR, L_BUDGET, L_ENTRY, L_FA, L_FB, L_FCF, L_FR, L_REG, L_SA, L_SB, L_SR, L_T, L_W, STOP_REFETCH,
} from './locals.js';

/** A block another block of the same module may call directly: its function index and id. */
export interface ChainTarget {
  fn: number;
  id: number;
}

/**
 * The Wasm tier's compiler for one decoded block (a superblock: conditional
 * branches in the middle are side exits). The function it emits has the
 * contract of tier 1's (cpu/block-compiler.ts): `(budget, t) → t + retired`,
 * where retired counts guest instructions as `Cpu.run` counts them, leaving
 * `cpu.stop` and EIP as the interpreter would, and precise state at a fault;
 * `t` is what earlier blocks of a chain retired (exits to another block of
 * the same module tail-call it while the budget lasts).
 *
 * - Registers live in Wasm locals from entry to exit; they are written back
 *   to the state area at every exit and before anything that can observe
 *   them (a call-out to an interpreter handler, which is also every memory
 *   slow path).
 * - Lazy flags (cpu/flags.ts) live in locals too, with the operation known
 *   at compile time, so a compare-and-branch is a Wasm compare and branch;
 *   the S_LAZY_* fields are written only at exits and call-outs.
 * - Memory: the TLB entry is loaded inline, a hit adds the page offset; a
 *   miss, a page-crossing access or a store to a page holding code (its
 *   write entry is withheld, DESIGN.md decision 3) runs the instruction's
 *   interpreter handler instead ("one meaning per instruction"), which
 *   fills the TLB, copies on write, invalidates code or raises the fault.
 * - Instructions without an emitter (emitters.ts) call their handler.
 */

/** The compile-time knowledge of the lazy flags: in memory, or an op whose operands are in locals. */
export const FLAGS_IN_MEMORY = -1;

export class BlockCompiler {
  readonly c = new Code();
  b!: Block;
  /** Index of the instruction being compiled. */
  k = 0;
  last = 0;
  /** Lazy-flag op held in L_FA/L_FB/L_FR (L_FCF for INC/DEC), or FLAGS_IN_MEMORY. */
  fop = FLAGS_IN_MEMORY;
  /** Whether the flags the current instruction sets are read later (else it may skip them). */
  flagsLive = true;
  /** Registers read or written by any instruction (loaded at entry, reloaded after call-outs). */
  used = 0;
  /** Registers written by an emitted instruction (stored at exits and before call-outs). */
  written = 0;
  /** Registers whose locals may differ from the state area (written since entry or the last call-out). */
  dirty = 0;
  /** Registers the instruction being compiled writes (its emitter's `regs().write`). */
  curWrite = 0;
  /** Whether the lazy-flag fields in memory already hold what `fop` describes. */
  flagsSynced = true;
  /** Blocks/ifs open inside the self-loop (for the `br` depth back to its head). */
  depth = 0;
  selfLoop = false;

  /** This block's id (its valid byte, and call-outs name it). */
  id = 0;
  /** Blocks of the same module by address, which exits may call directly (null: none). */
  targets: Map<number, ChainTarget> | null = null;

  /**
   * The body of block `b`'s function (see assemble and Jit.compile for the
   * module around it); `targets`: blocks an exit may tail-call.
   */
  compile(b: Block, id: number, targets: Map<number, ChainTarget> | null): Uint8Array {
    this.b = b;
    this.id = id;
    this.targets = targets;
    const insns = b.insns;
    const n = insns.length;
    this.last = n - 1;
    this.c.len = 0;
    this.fop = FLAGS_IN_MEMORY;
    this.depth = 0;
    const emitters: (Emitter | null)[] = insns.map((i) => emitterFor(i));
    // Registers, and whether the block loops to its own start.
    this.used = 0;
    this.written = 0;
    this.selfLoop = false;
    for (let k = 0; k < n; k++) {
      const e = emitters[k];
      if (e === null) continue;
      const u = e.regs(insns[k]);
      this.used |= u.read | u.write;
      this.written |= u.write;
      if (insns[k].target === b.addr && e.sideExit) this.selfLoop = true;
    }
    // Flag liveness, backwards: live at the end of the block and at every reader.
    const live: boolean[] = new Array(n);
    let isLive = true;
    for (let k = n - 1; k >= 0; k--) {
      live[k] = isLive;
      const e = emitters[k];
      const fx = e === null ? FX_READ : e.flags(insns[k]);
      // A fused compare-and-branch writes all flags before its exit reads them.
      if (fx === FX_ALL) isLive = false;
      else if (fx === FX_READ || (e !== null && e.sideExit)) isLive = true;
    }
    const c = this.c;
    this.reloadRegs(0xff);
    this.dirty = 0;
    this.flagsSynced = true;
    if (this.selfLoop) {
      c.begin(Op.loop);
      // Coming round again, any register the body writes may differ from memory.
      this.dirty = this.written;
    }
    for (let k = 0; k < n; k++) {
      this.k = k;
      this.flagsLive = live[k];
      const e = emitters[k];
      if (e === null) {
        this.curWrite = 0;
        this.callout();
        this.dirty = 0;
      } else {
        this.curWrite = e.regs(insns[k]).write;
        e.emit(this, insns[k]);
        this.dirty |= this.curWrite;
      }
    }
    // Fell off the end: the last instruction did not transfer control (a
    // full or page-ending block), or did and set EIP in memory itself.
    const lastInsn = insns[n - 1];
    const lastEmitter = emitters[n - 1];
    if (lastEmitter !== null && !lastEmitter.setsEip) this.exitTo(lastInsn.next, b.count, false);
    else {
      this.flushAll();
      this.returnRetired(b.count);
    }
    if (this.selfLoop) {
      c.op(Op.end);
      c.op(Op.unreachable);
    }
    return c.view.slice();
  }

  // ---- registers ----

  /** Push register `n` of `size` bytes (zero-extended). */
  getReg(n: number, size: number): void {
    const c = this.c;
    if (size === 4) c.get(L_REG + n);
    else if (size === 2) {
      c.get(L_REG + n);
      c.i32(0xffff);
      c.op(Op.i32_and);
    } else if (n < 4) {
      c.get(L_REG + n);
      c.i32(0xff);
      c.op(Op.i32_and);
    } else {
      c.get(L_REG + n - 4);
      c.i32(8);
      c.op(Op.i32_shr_u);
      c.i32(0xff);
      c.op(Op.i32_and);
    }
  }

  /** Set register `n` of `size` bytes from local `l`. */
  setRegFrom(n: number, size: number, l: number): void {
    const c = this.c;
    if (size === 4) {
      c.get(l);
      c.set(L_REG + n);
      return;
    }
    const r = size === 1 && n >= 4 ? n - 4 : n;
    const mask = size === 2 ? 0xffff : n >= 4 ? 0xff00 : 0xff;
    c.get(L_REG + r);
    c.i32(~mask);
    c.op(Op.i32_and);
    c.get(l);
    if (size === 1 && n >= 4) {
      c.i32(8);
      c.op(Op.i32_shl);
    }
    c.i32(mask);
    c.op(Op.i32_and);
    c.op(Op.i32_or);
    c.set(L_REG + r);
  }

  regLocal(n: number): number {
    return L_REG + n;
  }

  // ---- memory ----

  /** Push the offset of i's memory operand (LEA's result: no segment base). */
  offset(i: Insn): void {
    const c = this.c;
    c.i32(i.disp);
    if (i.base >= 0) {
      c.get(L_REG + i.base);
      c.op(Op.i32_add);
    }
    if (i.index >= 0) {
      c.get(L_REG + i.index);
      if (i.scale !== 0) {
        c.i32(i.scale);
        c.op(Op.i32_shl);
      }
      c.op(Op.i32_add);
    }
    if (i.a16) {
      c.i32(0xffff);
      c.op(Op.i32_and);
    }
  }

  /** Push the linear address of i's memory operand (segment base included). */
  ea(i: Insn): void {
    this.offset(i);
    this.c.i32(0);
    this.c.mem(Op.i32_load, 2, (S_SEG_BASE + i.seg) * 4);
    this.c.op(Op.i32_add);
  }

  /**
   * Open the fast path of an access of `size` bytes at the address in
   * L_ADDR: `if` the TLB entry (read or write array) is missing or the access
   * crosses a page, run the instruction's handler and leave; `else` the
   * access may use L_ENTRY + (L_ADDR & 0xfff). Close with `endFast`.
   */
  beginFast(size: number, write: boolean, flagOp = FLAGS_IN_MEMORY): void {
    const c = this.c;
    c.get(L_ADDR);
    c.i32(12);
    c.op(Op.i32_shr_u);
    c.i32(2);
    c.op(Op.i32_shl);
    c.mem(Op.i32_load, 2, write ? TLB_WRITE_BASE : TLB_READ_BASE);
    c.tee(L_ENTRY);
    c.op(Op.i32_eqz);
    if (size > 1) {
      c.get(L_ADDR);
      c.i32(0xfff);
      c.op(Op.i32_and);
      c.i32(0x1000 - size);
      c.op(Op.i32_gt_u);
      c.op(Op.i32_or);
    }
    c.begin(Op.if);
    this.depth++;
    const fop = this.fop;
    const synced = this.flagsSynced;
    // The handler does the whole instruction, so it writes only what the instruction writes.
    this.callout(this.curWrite);
    // The fast path will leave its flags in locals: the handler left them in memory.
    if (flagOp !== FLAGS_IN_MEMORY && this.flagsLive) this.loadFlagsFromMemory(flagOp);
    this.fop = fop;
    this.flagsSynced = synced;
    c.op(Op.else);
  }

  /** Close the fast path opened by beginFast (flags set inside it with `setFlags`). */
  endFast(): void {
    this.c.op(Op.end);
    this.depth--;
  }

  /** Push the memory address of the fast path: frame + page offset. */
  hostAddr(): void {
    const c = this.c;
    c.get(L_ENTRY);
    c.get(L_ADDR);
    c.i32(0xfff);
    c.op(Op.i32_and);
    c.op(Op.i32_add);
  }

  /** Push the value of `size` bytes at the fast path's address (zero-extended). */
  load(size: number): void {
    this.hostAddr();
    this.c.mem(size === 4 ? Op.i32_load : size === 2 ? Op.i32_load16_u : Op.i32_load8_u, 0, 0);
  }

  /** Store local `l` (its low `size` bytes) at the fast path's address. */
  store(size: number, l: number): void {
    this.hostAddr();
    this.c.get(l);
    this.c.mem(size === 4 ? Op.i32_store : size === 2 ? Op.i32_store16 : Op.i32_store8, 0, 0);
  }

  // ---- flags ----

  /**
   * Record that the current instruction set the lazy flags to `op` with
   * operands and result in locals `a`, `b`, `r` (when they are read later).
   * With a memory operand, call it inside the fast path and pass the same
   * `op` to beginFast.
   */
  setFlags(op: number, a: number, b: number, r: number): void {
    if (!this.flagsLive) return;
    const c = this.c;
    c.get(a);
    c.set(L_FA);
    c.get(b);
    c.set(L_FB);
    c.get(r);
    c.set(L_FR);
    this.fop = op;
    this.flagsSynced = false;
  }

  /** INC/DEC (size index `z`): keep CF (from the flags before), the rest from the result. */
  setFlagsIncDec(kind: number, z: number, a: number, r: number): void {
    if (!this.flagsLive) return;
    const c = this.c;
    this.cfOnStack();
    c.set(L_FCF);
    c.get(a);
    c.set(L_FA);
    c.i32(1);
    c.set(L_FB);
    c.get(r);
    c.set(L_FR);
    this.fop = (kind << 2) | z;
    this.flagsSynced = false;
  }

  /** Push CF of the current flags. */
  cfOnStack(): void {
    const op = this.fop;
    if (!this.inlineFlags(op)) {
      this.flushFlags();
      this.fop = FLAGS_IN_MEMORY;
      this.c.call(F_GETCF);
      return;
    }
    this.flagExpr(op, 0);
  }

  /** Whether the flags of `op` can be evaluated inline (a 32-bit op of an inline kind in locals). */
  private inlineFlags(op: number): boolean {
    return op !== FLAGS_IN_MEMORY && (op & 3) === 2 && inlineKind(op >> 2);
  }

  /** The slow path after a handler that set the flags: load them into the locals the fast path uses. */
  loadFlagsFromMemory(op: number): void {
    const c = this.c;
    c.i32(0);
    c.mem(Op.i32_load, 2, S_LAZY_A * 4);
    c.set(L_FA);
    c.i32(0);
    c.mem(Op.i32_load, 2, S_LAZY_B * 4);
    c.set(L_FB);
    c.i32(0);
    c.mem(Op.i32_load, 2, S_LAZY_RES * 4);
    c.set(L_FR);
    this.flagsSynced = true;
    const kind = op >> 2;
    if (kind === K_INC || kind === K_DEC) {
      c.i32(0);
      c.mem(Op.i32_load, 2, S_FLAGS * 4);
      c.i32(1);
      c.op(Op.i32_and);
      c.set(L_FCF);
    }
  }

  /** Write the lazy flags to the state area if they are in locals and not stored yet. */
  flushFlags(): void {
    const op = this.fop;
    if (op === FLAGS_IN_MEMORY || this.flagsSynced) return;
    this.flagsSynced = true;
    const c = this.c;
    c.i32(0);
    c.i32(op);
    c.mem(Op.i32_store, 2, S_LAZY_OP * 4);
    c.i32(0);
    c.get(L_FA);
    c.mem(Op.i32_store, 2, S_LAZY_A * 4);
    c.i32(0);
    c.get(L_FB);
    c.mem(Op.i32_store, 2, S_LAZY_B * 4);
    c.i32(0);
    c.get(L_FR);
    c.mem(Op.i32_store, 2, S_LAZY_RES * 4);
    const kind = op >> 2;
    if (kind === K_INC || kind === K_DEC) {
      c.i32(0);
      c.i32(0);
      c.mem(Op.i32_load, 2, S_FLAGS * 4);
      c.i32(~1);
      c.op(Op.i32_and);
      c.get(L_FCF);
      c.op(Op.i32_or);
      c.mem(Op.i32_store, 2, S_FLAGS * 4);
    }
  }

  /** Push 0/1: condition `cc` (Jcc's low nibble) of the current flags. */
  cond(cc: number): void {
    const c = this.c;
    const op = this.fop;
    if (op === FLAGS_IN_MEMORY || !inlineKind(op >> 2)) {
      this.flushFlags();
      this.fop = FLAGS_IN_MEMORY;
      c.i32(cc);
      c.call(F_TESTCC);
      return;
    }
    if ((op & 3) === 2) {
      this.condInline(cc, op);
      return;
    }
    // An 8- or 16-bit op: with its operands and result in the top bits, the
    // 32-bit formulas give its CF, ZF, SF and OF (PF reads the result's low byte).
    const sh = (op & 3) === 0 ? 24 : 16;
    for (const [from, to] of [[L_FA, L_SA], [L_FB, L_SB], [L_FR, L_SR]]) {
      c.get(from);
      c.i32(sh);
      c.op(Op.i32_shl);
      c.set(to);
    }
    this.la = L_SA;
    this.lb = L_SB;
    this.lr = L_SR;
    this.condInline(cc, (op & ~3) | 2);
    this.la = L_FA;
    this.lb = L_FB;
    this.lr = L_FR;
  }

  /** Locals holding the flags' a, b and result for condInline (the scaled copies for 8/16-bit ops). */
  private la = L_FA;
  private lb = L_FB;
  private lr = L_FR;

  private condInline(cc: number, op: number): void {
    const c = this.c;
    const kind = op >> 2;
    const neg = (cc & 1) !== 0;
    const base = cc >> 1;
    if (kind === K_SUB) {
      // Straight from the operands (flags.ts subCond).
      switch (base) {
        case 1: this.cmpAB(neg ? Op.i32_ge_u : Op.i32_lt_u); return;
        case 2: this.cmpAB(neg ? Op.i32_ne : Op.i32_eq); return;
        case 3: this.cmpAB(neg ? Op.i32_gt_u : Op.i32_le_u); return;
        case 6: this.cmpAB(neg ? Op.i32_ge_s : Op.i32_lt_s); return;
        case 7: this.cmpAB(neg ? Op.i32_gt_s : Op.i32_le_s); return;
      }
    } else if (kind === K_LOGIC) {
      switch (base) {
        case 0: case 1: c.i32(neg ? 1 : 0); return;
        case 2: case 3: this.cmpR(neg ? Op.i32_ne : Op.i32_eq); return;
        case 4: case 6: this.cmpR(neg ? Op.i32_ge_s : Op.i32_lt_s); return;
        case 7: this.cmpR(neg ? Op.i32_gt_s : Op.i32_le_s); return;
      }
    }
    switch (base) {
      case 0: this.flagExpr(op, 11); break;
      case 1: this.flagExpr(op, 0); break;
      case 2: this.cmpR(Op.i32_eq); break;
      case 3:
        this.flagExpr(op, 0);
        this.cmpR(Op.i32_eq);
        c.op(Op.i32_or);
        break;
      case 4: this.cmpR(Op.i32_lt_s); break;
      case 5: this.flagExpr(op, 2); break;
      case 6:
        this.cmpR(Op.i32_lt_s);
        this.flagExpr(op, 11);
        c.op(Op.i32_ne);
        break;
      default:
        this.cmpR(Op.i32_lt_s);
        this.flagExpr(op, 11);
        c.op(Op.i32_ne);
        this.cmpR(Op.i32_eq);
        c.op(Op.i32_or);
        break;
    }
    if (neg) c.op(Op.i32_eqz);
  }

  private cmpAB(o: Op): void {
    this.c.get(this.la);
    this.c.get(this.lb);
    this.c.op(o);
  }

  /** Push r <o> 0. */
  private cmpR(o: Op): void {
    this.c.get(this.lr);
    this.c.i32(0);
    this.c.op(o);
  }

  /**
   * Push one flag (0/1) of a 32-bit inline kind: `bit` 0 = CF, 2 = PF
   * (formulas: flags.ts getCF/getOF; SDM Vol. 1 §3.4.3), 11 = OF.
   */
  private flagExpr(op: number, bit: number): void {
    const c = this.c;
    const kind = op >> 2;
    if (bit === 2) {
      // PF: even parity of the low byte.
      c.get(L_FR);
      c.i32(0xff);
      c.op(Op.i32_and);
      c.op(Op.i32_popcnt);
      c.i32(1);
      c.op(Op.i32_and);
      c.op(Op.i32_eqz);
      return;
    }
    if (bit === 0) {
      switch (kind) {
        case K_ADD: this.cmpRA(Op.i32_lt_u); return; // r < a unsigned: carry out
        case K_SUB: this.cmpAB(Op.i32_lt_u); return;
        case K_LOGIC: c.i32(0); return;
        default: c.get(L_FCF); return; // INC, DEC keep CF
      }
    }
    // OF
    switch (kind) {
      case K_ADD:
      case K_INC:
        this.signOfXors(this.la, this.lr, this.lb, this.lr); // ((a ^ r) & (b ^ r)) < 0
        return;
      case K_SUB:
      case K_DEC:
        this.signOfXors(this.la, this.lb, this.la, this.lr); // ((a ^ b) & (a ^ r)) < 0
        return;
      default:
        c.i32(0);
    }
  }

  /** Push ((w ^ x) & (y ^ z)) < 0. */
  private signOfXors(w: number, x: number, y: number, z: number): void {
    const c = this.c;
    c.get(w);
    c.get(x);
    c.op(Op.i32_xor);
    c.get(y);
    c.get(z);
    c.op(Op.i32_xor);
    c.op(Op.i32_and);
    c.i32(0);
    c.op(Op.i32_lt_s);
  }

  private cmpRA(o: Op): void {
    this.c.get(this.lr);
    this.c.get(this.la);
    this.c.op(o);
  }

  // ---- exits and call-outs ----

  /** Store the locals of registers in `mask` that the block writes. */
  flushRegs(mask: number): void {
    const c = this.c;
    mask &= this.written;
    for (let r = 0; r < 8; r++) {
      if (mask & (1 << r)) {
        c.i32(0);
        c.get(L_REG + r);
        c.mem(Op.i32_store, 2, r * 4);
      }
    }
  }

  /** Load the locals of registers in `mask` that the block uses. */
  reloadRegs(mask: number): void {
    const c = this.c;
    mask &= this.used;
    for (let r = 0; r < 8; r++) {
      if (mask & (1 << r)) {
        c.i32(0);
        c.mem(Op.i32_load, 2, r * 4);
        c.set(L_REG + r);
      }
    }
  }

  /** Everything the locals hold that memory does not: registers changed so far (and by this instruction), flags. */
  flushAll(): void {
    this.flushRegs(this.dirty | this.curWrite);
    this.flushFlags();
  }

  /** `return t + n` */
  returnRetired(n: number): void {
    const c = this.c;
    c.get(L_T);
    c.i32(n);
    c.op(Op.i32_add);
    c.op(Op.return);
  }

  storeEip(v: number): void {
    this.c.i32(0);
    this.c.i32(v);
    this.c.mem(Op.i32_store, 2, S_EIP * 4);
  }

  /** Store local `l` into EIP. */
  storeEipFrom(l: number): void {
    this.c.i32(0);
    this.c.get(l);
    this.c.mem(Op.i32_store, 2, S_EIP * 4);
  }

  /**
   * Run instruction k's interpreter handler: state to memory, the handler,
   * then leave if it stopped the loop (as Cpu.run does), else reload the
   * registers it may have written (`writes`; all, for an instruction
   * without an emitter).
   */
  callout(writes = 0xff): void {
    const c = this.c;
    const k = this.k;
    const i = this.b.insns[k];
    this.flushRegs(this.dirty);
    this.flushFlags();
    this.fop = FLAGS_IN_MEMORY;
    // Only the block's last instruction needs EIP current (Cpu.run).
    if (k === this.last) this.storeEip(i.next);
    c.i32(this.id);
    c.i32(k);
    c.get(L_T);
    c.call(F_CALLOUT);
    c.tee(L_W);
    c.begin(Op.if);
    // Stopped: code invalidated mid-block resumes after this instruction.
    if (k !== this.last) {
      c.get(L_W);
      c.i32(STOP_REFETCH);
      c.op(Op.i32_eq);
      c.begin(Op.if);
      this.storeEip(i.next);
      c.op(Op.end);
    }
    // As Cpu.run counts: the whole block when its last instruction stopped it.
    this.returnRetired(k === this.last ? this.b.count : k + 1);
    c.op(Op.end);
    this.reloadRegs(writes);
  }

  /**
   * Leave the block for `target` (an emitted side exit is taken, or the
   * block's last jump): back to the start without leaving when the block
   * loops to itself and the budget allows (Cpu.run's self-loop), else write
   * everything back and return.
   */
  exitTo(target: number, retired: number, mayLoop = true): void {
    const c = this.c;
    if (mayLoop && this.selfLoop && target === this.b.addr) {
      const k = this.k;
      // budget - t > k + 1
      c.get(L_BUDGET);
      c.get(L_T);
      c.op(Op.i32_sub);
      c.i32(k + 1);
      c.op(Op.i32_gt_s);
      c.begin(Op.if);
      c.get(L_T);
      c.i32(k + 1);
      c.op(Op.i32_add);
      c.set(L_T);
      const synced = this.flagsSynced;
      this.flushFlags();
      c.br(this.depth + 1);
      this.flagsSynced = synced;
      c.op(Op.end);
    }
    // This path returns; the code after it (the branch not taken) still has the flags unstored.
    const synced = this.flagsSynced;
    this.flushAll();
    const to = this.targets?.get(target);
    if (to !== undefined) {
      // Another block of this module: call it directly while the budget
      // lasts and it is still valid, its retired count added to ours.
      c.get(L_BUDGET);
      c.get(L_T);
      c.i32(retired);
      c.op(Op.i32_add);
      c.tee(L_W);
      c.op(Op.i32_gt_s);
      c.i32(0);
      c.mem(Op.i32_load8_u, 0, JIT_VALID_BASE + to.id);
      c.op(Op.i32_and);
      c.begin(Op.if);
      c.get(L_BUDGET);
      c.get(L_W);
      c.returnCall(to.fn);
      c.op(Op.end);
    }
    this.storeEip(target);
    this.returnRetired(retired);
    this.flagsSynced = synced;
  }

  /** A conditional side exit on the condition on the stack, to `target`. */
  sideExit(target: number): void {
    const c = this.c;
    c.begin(Op.if);
    this.depth++;
    // The interpreter counts k + 1 for a side exit (fused pairs count once),
    // the whole block when it is the last instruction.
    this.exitTo(target, this.k === this.last ? this.b.count : this.k + 1);
    c.op(Op.end);
    this.depth--;
  }
}

function inlineKind(kind: number): boolean {
  return kind === K_ADD || kind === K_SUB || kind === K_LOGIC || kind === K_INC || kind === K_DEC;
}

