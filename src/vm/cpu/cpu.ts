import { AddressSpace, ACCESS_READ, ACCESS_WRITE } from '../mem/address-space.js';
import { CpuFault, Vector } from '../mem/fault.js';
import { PAGE_SHIFT, S_EIP, S_SEG_BASE, X87_STATE } from '../mem/layout.js';
import { PhysicalMemory } from '../mem/phys.js';
import { compileBlock, HOT_RUNS } from './block-compiler.js';
import { canCompileWasm, Jit, JIT_HOT_RUNS, JIT_WARM_RUNS, type JitMode } from '../jit/jit.js';
import { CodeCache } from './code-cache.js';
import { decodeBlock } from './decoder.js';
import { Block, Insn } from './insn.js';
import { XmmViews } from './sse-state.js';

/** What the CPU calls for INT n (0x80 is the Linux system call gate). */
export interface InterruptHost {
  interrupt(cpu: Cpu, vector: number): void;
}

export const STOP_NONE = 0;
/** The kernel asked the loop to return (syscall parked the task, exit, exec…). */
export const STOP_YIELD = 1;
/** Code of the running block was invalidated; re-fetch from EIP. */
export const STOP_REFETCH = 2;
/** A side exit of a superblock was taken (EIP already set). */
export const STOP_EXIT = 3;

export const RUN_BUDGET = 0;
export const RUN_YIELD = 1;
export const RUN_FAULT = 2;

/**
 * The interpreter. Architectural state lives in the VM's shared memory
 * (`s`, see mem/layout.ts); this object holds views of it, the current
 * address space, and the decoded-code cache. Handlers receive (cpu, insn).
 */
export class Cpu {
  readonly s: Int32Array;
  readonly u8: Uint8Array;
  readonly dv: DataView;
  readonly tlbR: Int32Array;
  readonly tlbW: Int32Array;
  as!: AddressSpace;
  cache!: CodeCache;
  stop = 0;
  /** Guest instructions retired (approximate at faults). */
  icount = 0;
  /** The fault that ended the last run() with RUN_FAULT. */
  fault: CpuFault | null = null;
  host: InterruptHost | null = null;
  /** Time-stamp counter base for RDTSC. */
  tscBase = 0;
  /** x87 register slots as float64 (x87-state.ts layout), created once. */
  readonly fpr: Float64Array;
  /** Typed views of the SSE unit's state (XMM registers, scratch), made once. */
  readonly xmm: XmmViews;

  constructor(readonly phys: PhysicalMemory) {
    this.s = phys.state;
    this.u8 = phys.u8;
    this.dv = phys.dv;
    this.tlbR = phys.tlbRead;
    this.tlbW = phys.tlbWrite;
    this.xmm = new XmmViews(phys.state);
    this.fpr = new Float64Array(phys.memory.buffer, X87_STATE, 10);
    this.setJit('on');
  }

  /** Switch to another address space (a different process). */
  setAddressSpace(as: AddressSpace): void {
    if (this.as === as) return;
    if (this.as) this.as.deactivate();
    this.as = as;
    as.activate();
    let cache = (as.codeWatcher as CodeCache | null);
    if (cache === null) {
      cache = new CodeCache(this);
      as.codeWatcher = cache;
    }
    this.cache = cache;
  }

  // ---- registers ----

  getReg8(n: number): number {
    return n < 4 ? this.s[n] & 0xff : (this.s[n - 4] >> 8) & 0xff;
  }

  setReg8(n: number, v: number): void {
    const s = this.s;
    if (n < 4) s[n] = (s[n] & ~0xff) | (v & 0xff);
    else s[n - 4] = (s[n - 4] & ~0xff00) | ((v & 0xff) << 8);
  }

  getReg(n: number, size: number): number {
    if (size === 4) return this.s[n];
    if (size === 2) return this.s[n] & 0xffff;
    return this.getReg8(n);
  }

  setReg(n: number, size: number, v: number): void {
    if (size === 4) this.s[n] = v;
    else if (size === 2) this.s[n] = (this.s[n] & ~0xffff) | (v & 0xffff);
    else this.setReg8(n, v);
  }

  // ---- memory operands ----

  /** Linear address of the instruction's memory operand. */
  ea(i: Insn): number {
    const s = this.s;
    let a = i.disp;
    if (i.base >= 0) a = (a + s[i.base]) | 0;
    if (i.index >= 0) a = (a + (s[i.index] << i.scale)) | 0;
    if (i.a16) a &= 0xffff;
    return (a + s[S_SEG_BASE + i.seg]) | 0;
  }

  /** Operand E (register or memory) of the given size. */
  readE(i: Insn, size: number): number {
    if (i.mod === 3) return this.getReg(i.rm, size);
    return this.rd(this.ea(i), size);
  }

  writeE(i: Insn, size: number, v: number): void {
    if (i.mod === 3) this.setReg(i.rm, size, v);
    else this.wr(this.ea(i), size, v);
  }

  rd(a: number, size: number): number {
    return size === 4 ? this.rd32(a) : size === 2 ? this.rd16(a) : this.rd8(a);
  }

  wr(a: number, size: number, v: number): void {
    if (size === 4) this.wr32(a, v);
    else if (size === 2) this.wr16(a, v);
    else this.wr8(a, v);
  }

  rd8(a: number): number {
    const e = this.tlbR[a >>> PAGE_SHIFT];
    if (e !== 0) return this.u8[e + (a & 0xfff)];
    return this.u8[this.as.fill(a, ACCESS_READ) + (a & 0xfff)];
  }

  rd16(a: number): number {
    const o = a & 0xfff;
    const e = this.tlbR[a >>> PAGE_SHIFT];
    if (e !== 0 && o !== 0xfff) return this.dv.getUint16(e + o, true);
    return this.rdSlow(a, 2);
  }

  rd32(a: number): number {
    const o = a & 0xfff;
    const e = this.tlbR[a >>> PAGE_SHIFT];
    if (e !== 0 && o <= 0xffc) return this.dv.getInt32(e + o, true);
    return this.rdSlow(a, 4);
  }

  wr8(a: number, v: number): void {
    const e = this.tlbW[a >>> PAGE_SHIFT];
    if (e !== 0) this.u8[e + (a & 0xfff)] = v;
    else this.u8[this.as.fill(a, ACCESS_WRITE) + (a & 0xfff)] = v;
  }

  wr16(a: number, v: number): void {
    const o = a & 0xfff;
    const e = this.tlbW[a >>> PAGE_SHIFT];
    if (e !== 0 && o !== 0xfff) this.dv.setUint16(e + o, v, true);
    else this.wrSlow(a, 2, v);
  }

  wr32(a: number, v: number): void {
    const o = a & 0xfff;
    const e = this.tlbW[a >>> PAGE_SHIFT];
    if (e !== 0 && o <= 0xffc) this.dv.setInt32(e + o, v, true);
    else this.wrSlow(a, 4, v);
  }

  private rdSlow(a: number, size: number): number {
    const o = a & 0xfff;
    if (o + size <= 0x1000) {
      const p = this.as.fill(a, ACCESS_READ) + o;
      return size === 4 ? this.dv.getInt32(p, true) : this.dv.getUint16(p, true);
    }
    // Crosses a page boundary: both pages must be readable before anything is read.
    const p1 = this.as.fill(a, ACCESS_READ);
    const p2 = this.as.fill((a + size) | 0, ACCESS_READ);
    let v = 0;
    for (let k = 0; k < size; k++) {
      const off = o + k;
      const b = off < 0x1000 ? this.u8[p1 + off] : this.u8[p2 + off - 0x1000];
      v |= b << (k * 8);
    }
    return v;
  }

  private wrSlow(a: number, size: number, v: number): void {
    const o = a & 0xfff;
    if (o + size <= 0x1000) {
      const p = this.as.fill(a, ACCESS_WRITE) + o;
      if (size === 4) this.dv.setInt32(p, v, true);
      else this.dv.setUint16(p, v, true);
      return;
    }
    const p1 = this.as.fill(a, ACCESS_WRITE);
    const p2 = this.as.fill((a + size) | 0, ACCESS_WRITE);
    for (let k = 0; k < size; k++) {
      const off = o + k;
      const b = (v >>> (k * 8)) & 0xff;
      if (off < 0x1000) this.u8[p1 + off] = b;
      else this.u8[p2 + off - 0x1000] = b;
    }
  }

  /**
   * Make sure a `size`-byte write at `a` will not fault, before an
   * instruction changes any state (read-modify-write, multi-write forms).
   */
  probeWrite(a: number, size: number): void {
    const o = a & 0xfff;
    if (this.tlbW[a >>> PAGE_SHIFT] === 0) this.as.fill(a, ACCESS_WRITE);
    if (o + size > 0x1000 && this.tlbW[((a + size - 1) | 0) >>> PAGE_SHIFT] === 0) this.as.fill((a + size - 1) | 0, ACCESS_WRITE);
  }

  // ---- stack ----

  push32(v: number): void {
    const sp = (this.s[4] - 4) | 0;
    this.wr32(sp, v);
    this.s[4] = sp;
  }

  pop32(): number {
    const sp = this.s[4];
    const v = this.rd32(sp);
    this.s[4] = (sp + 4) | 0;
    return v;
  }

  push16(v: number): void {
    const sp = (this.s[4] - 2) | 0;
    this.wr16(sp, v);
    this.s[4] = sp;
  }

  pop16(): number {
    const sp = this.s[4];
    const v = this.rd16(sp);
    this.s[4] = (sp + 2) | 0;
    return v;
  }

  // ---- execution ----

  /**
   * `off`: the interpreter alone; `on`: blocks that ran `hotRuns` times are
   * compiled (to Wasm, or by tier 1 to JavaScript where a
   * Content-Security-Policy forbids Wasm); `eager`: every block before its
   * first run. Set with `setJit`.
   */
  jitMode: JitMode = 'on';
  /** Runs of a block before it is compiled (tests lower it). */
  hotRuns = JIT_HOT_RUNS;
  /** Blocks given a compiled form by tier 1 so far. */
  private tier1Blocks = 0;

  /** Blocks given a compiled form so far (Wasm or tier 1). */
  get compiledBlocks(): number {
    return this.tier1Blocks + (this.jit !== null ? this.jit.blocks : 0);
  }
  /** The Wasm tier (null when off, or when Wasm cannot be compiled here). */
  jit: Jit | null = null;
  /** The next compiled block's id (jit/: never reused, whichever Jit compiles it). */
  nextJitId = 0;

  /** `wasm` false compiles with tier 1 even where Wasm is allowed (tests of that tier). */
  setJit(mode: JitMode, wasm = true): void {
    this.jitMode = mode;
    this.jit = mode !== 'off' && wasm && canCompileWasm() ? new Jit(this) : null;
    this.hotRuns = mode === 'eager' ? 1 : this.jit !== null ? JIT_HOT_RUNS : HOT_RUNS;
    this.warmRuns = mode === 'on' && this.jit !== null ? JIT_WARM_RUNS : 0;
  }

  /** Runs at which a block waits to be compiled with the next hot one (0: never; Jit.warmed). */
  warmRuns = 0;

  /** Give a block that just became hot its compiled form; true if it has one now. */
  private compile(b: Block): boolean {
    if (this.jitMode === 'off') return false;
    if (this.jit !== null) {
      if (this.jitMode === 'eager') {
        this.jit.compile(b);
        return true;
      }
      // Compiled with others in one module, soon (Jit.hot); interpreted until then.
      this.jit.hot(b);
      return b.wasm !== null;
    }
    b.fn = compileBlock(b);
    if (b.fn === null) return false;
    this.tier1Blocks++;
    return true;
  }

  /** Index of the faulting instruction in a tier-1 block, and what it retired before (block-compiler.ts). */
  tier1Index = 0;
  tier1Retired = 0;

  /** End run() with fault `e` raised by instruction `i`, after `retired` instructions of its block. */
  private faultAt(i: Insn, retired: number, e: CpuFault): number {
    const v = e.vector;
    this.s[S_EIP] = v === Vector.BP || v === Vector.OF || v === Vector.DB ? i.next : i.addr;
    this.icount += retired;
    this.fault = e;
    return RUN_FAULT;
  }

  /**
   * Run up to about `budget` instructions. Returns RUN_BUDGET when the
   * budget ran out, RUN_YIELD when the kernel asked to stop, RUN_FAULT with
   * `this.fault` set and EIP at the faulting instruction (after it for traps).
   */
  run(budget: number): number {
    const s = this.s;
    this.stop = STOP_NONE;
    if (this.jit !== null && this.jit.waiting) this.jit.flush();
    let prev: Block | null = null;
    dispatch: while (budget > 0) {
      const eip = s[S_EIP];
      let b: Block | null = null;
      if (prev !== null) {
        const c: Block | null = prev.succ;
        if (c !== null && c.addr === eip && c.valid) b = c;
        else {
          const c2: Block | null = prev.succ2;
          if (c2 !== null && c2.addr === eip && c2.valid) b = c2;
        }
      }
      if (b === null) {
        b = this.cache.lookup(eip);
        if (b === null) {
          try {
            b = decodeBlock(this, eip);
          } catch (e) {
            if (e instanceof CpuFault) {
              this.fault = e;
              return RUN_FAULT;
            }
            throw e;
          }
          this.cache.insert(b);
        }
        if (prev !== null) {
          if (prev.succ === null) prev.succ = b;
          else if (prev.succ2 === null) prev.succ2 = b;
        }
      }
      const insns = b.insns;
      let done: number;
      if (b.wasm !== null) {
        // The Wasm tier (jit/block-jit.ts): tier 1's contract, but it may
        // run on into other blocks of its module, so a fault names its block.
        try {
          done = b.wasm(budget, 0);
        } catch (e) {
          if (e instanceof CpuFault) return this.faultAt(this.jit!.block!.insns[this.tier1Index], this.tier1Retired + this.tier1Index, e);
          throw e;
        }
      } else if (b.fn !== null) {
        // Tier 1: the block's compiled form (block-compiler.ts).
        try {
          done = b.fn(this, budget);
        } catch (e) {
          if (e instanceof CpuFault) return this.faultAt(insns[this.tier1Index], this.tier1Retired + this.tier1Index, e);
          throw e;
        }
      } else {
        const runs = ++b.runs;
        if (runs === this.hotRuns && this.compile(b)) {
          prev = b;
          continue;
        }
        if (runs === this.warmRuns) this.jit!.warmed(b);
        const n = insns.length;
        const last = n - 1;
        let k = 0;
        try {
          for (; k < n; k++) {
            const i = insns[k];
            // Only the block's last instruction (its control transfer) needs EIP
            // current while it runs; a fault finds its instruction by index.
            if (k === last) s[S_EIP] = i.next;
            i.exec(this, i);
            if (this.stop !== STOP_NONE) {
              // A side exit back to this block's own start (a loop whose body is
              // the head of the superblock): go round again without leaving.
              if (this.stop === STOP_EXIT && s[S_EIP] === b.addr && budget > k + 1) {
                this.stop = STOP_NONE;
                budget -= k + 1;
                this.icount += k + 1;
                // Hot now: go round in the compiled form.
                if (++b.runs === this.hotRuns && this.compile(b)) {
                  prev = b;
                  continue dispatch;
                }
                k = -1;
                continue;
              }
              // Stopped mid-block (code invalidated): resume after this instruction.
              // The last instruction and side exits set EIP themselves.
              if (k !== last && this.stop === STOP_REFETCH) s[S_EIP] = i.next;
              k++;
              break;
            }
          }
        } catch (e) {
          if (e instanceof CpuFault) return this.faultAt(insns[k], k, e);
          throw e;
        }
        // A completed block retires b.count instructions (fused pairs count as two).
        done = k === n ? b.count : k;
      }
      this.icount += done;
      budget -= done;
      if (this.stop !== STOP_NONE) {
        if (this.stop === STOP_EXIT) {
          this.stop = STOP_NONE;
          prev = b;
          continue;
        }
        if (this.stop === STOP_YIELD) return RUN_YIELD;
        this.stop = STOP_NONE;
        prev = null;
        continue;
      }
      prev = b;
    }
    return RUN_BUDGET;
  }

  /** Read an instruction byte for the decoder (execute permission). */
  fetchBase(addr: number): number {
    return this.as.fill(addr, 2);
  }
}
