import { getCF, testCC } from '../cpu/flags.js';
import type { Block } from '../cpu/insn.js';
import type { Cpu } from '../cpu/cpu.js';
import { BlockCompiler, type ChainTarget } from './block-jit.js';
import { assemble, Bytes } from './wasm.js';
import { F_CALLOUT, F_GETCF, F_TESTCC, LOCALS, PARAMS } from './locals.js';
import { JIT_MAX_IDS, JIT_VALID_BASE } from '../mem/layout.js';

/**
 * A block compiled to Wasm: `(budget, 0) → instructions retired` (block-jit.ts);
 * the second parameter is what earlier blocks of a chain retired.
 */
export type WasmBlock = (budget: number, retired: number) => number;

/** `off`: the interpreter alone; `on`: hot blocks compiled; `eager`: every block at its first run. */
export type JitMode = 'off' | 'on' | 'eager';

export function parseJitMode(v: string | undefined | null, fallback: JitMode = 'on'): JitMode {
  if (v === undefined || v === null || v === '') return fallback;
  if (v === 'off' || v === 'on' || v === 'eager') return v;
  throw new RangeError(`jit must be off, on or eager, got '${v}'`);
}

/**
 * Runs of a block (by the interpreter) before the Wasm tier compiles it in
 * `on` mode. Measured on the Debian workloads, whole process, A/B medians
 * against 2000: python3 0.89× the time, gcc 0.95×; 20000 against 6000:
 * python3 0.97×, gcc 1.06× (lukewarm code does not repay its compile).
 */
export const JIT_HOT_RUNS = 6000;

/**
 * A block that has run this many times is "warm": it is compiled in the same
 * module as the next block that becomes hot. A module costs about half a
 * millisecond however small it is (V8 sets up code space for each; measured
 * in Node 20 and Chromium), so one block per module would make a compile of
 * gcc spend seconds on module overhead alone.
 */
export const JIT_WARM_RUNS = JIT_HOT_RUNS >> 2;

/** Most blocks compiled in one module (a hot one and the warm ones waiting). */
const MAX_BATCH = 64;
/** Warm blocks kept waiting; older ones are dropped (they will get hot again if they matter). */
const MAX_WARM = 256;

let wasmWorks: boolean | null = null;

/**
 * Whether this realm may compile WebAssembly: a page whose
 * Content-Security-Policy lacks 'wasm-unsafe-eval' (or 'unsafe-eval')
 * forbids it, and so does every worker it starts from a blob: URL.
 */
export function canCompileWasm(): boolean {
  if (wasmWorks === null) {
    try {
      // The smallest module: magic and version.
      new WebAssembly.Module(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
      wasmWorks = true;
    } catch {
      wasmWorks = false;
      console.warn("web-vm: this page's Content-Security-Policy forbids WebAssembly compilation, so the x86 JIT is off; add 'wasm-unsafe-eval' to script-src to allow it");
    }
  }
  return wasmWorks;
}

let tailCalls: boolean | null = null;

/**
 * Whether this engine has Wasm tail calls (`return_call`: Chrome 112,
 * Firefox 121, Safari 18.2, Node 20): compiled blocks then call the next
 * block of their module directly instead of returning to Cpu.run.
 */
function canTailCall(): boolean {
  if (tailCalls === null) {
    // (module (func (result i32) (return_call 1)) (func (result i32) (i32.const 7)))
    const b = new Bytes();
    b.bytes([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 5, 1, 0x60, 0, 1, 0x7f, 3, 3, 2, 0, 0]);
    b.bytes([10, 11, 2, 4, 0, 0x12, 1, 0x0b, 4, 0, 0x41, 7, 0x0b]);
    try {
      tailCalls = WebAssembly.validate(b.view.slice());
    } catch {
      tailCalls = false;
    }
  }
  return tailCalls;
}

/**
 * The Wasm tier of one CPU: compiles blocks into modules that import the
 * VM's memory and three functions of this object (call a handler, read a
 * condition or CF from the lazy flags in memory).
 */
export class Jit {
  private readonly imports: WebAssembly.Imports;
  private readonly compiler = new BlockCompiler();
  private readonly pages: number;
  /** The block of the last call-out: where a fault in compiled code happened. */
  block: Block | null = null;
  /** Compiled blocks by id (call-outs name their block); ids are never reused. */
  private readonly byId: Block[] = [];
  private readonly valid: Uint8Array;
  private readonly chain: boolean;
  /** Modules compiled, blocks in them, their total size and the time spent making them. */
  modules = 0;
  blocks = 0;
  bytes = 0;
  compileMs = 0;

  constructor(private readonly cpu: Cpu) {
    const s = cpu.s;
    this.pages = cpu.phys.memory.buffer.byteLength >>> 16;
    this.valid = new Uint8Array(cpu.phys.memory.buffer, JIT_VALID_BASE, JIT_MAX_IDS);
    this.chain = canTailCall();
    this.imports = {
      j: {
        m: cpu.phys.memory,
        c: (id: number, k: number, t: number): number => {
          const b = this.byId[id];
          this.block = b;
          const i = b.insns[k];
          // Where a fault finds its instruction (Cpu.run, as for tier 1).
          cpu.tier1Index = k;
          cpu.tier1Retired = t;
          i.exec(cpu, i);
          return cpu.stop;
        },
        cc: (cc: number): number => (testCC(s, cc) ? 1 : 0),
        cf: (): number => getCF(s),
      },
    };
  }

  /** Warm blocks (JIT_WARM_RUNS), compiled with the next batch of hot ones. */
  private readonly warm: Block[] = [];
  /** Hot blocks waiting to be compiled (`flush`). */
  private readonly pending: Block[] = [];
  /**
   * Hot blocks that make a batch: `hot` compiles at once when this many wait;
   * fewer wait for the next time slice (`Cpu.run` calls `flush` first), a
   * few milliseconds at most. 1 compiles each hot block at once (tests).
   */
  batch = 16;

  /** Note a block that reached JIT_WARM_RUNS. */
  warmed(b: Block): void {
    if (this.warm.length >= MAX_WARM) this.warm.shift();
    this.warm.push(b);
  }

  /** A block became hot: compile it with the next batch (now, if the batch is full). */
  hot(b: Block): void {
    this.pending.push(b);
    if (this.pending.length >= this.batch) this.flush();
  }

  get waiting(): boolean {
    return this.pending.length !== 0;
  }

  /** Compile the hot blocks waiting and as many warm ones, in modules of up to MAX_BATCH functions. */
  flush(): void {
    if (this.pending.length === 0) return;
    const todo: Block[] = [];
    const take = (x: Block): void => {
      if (x.valid && x.wasm === null && x.fn === null && !todo.includes(x)) todo.push(x);
    };
    for (const x of this.pending) take(x);
    for (const x of this.warm) take(x);
    this.pending.length = 0;
    this.warm.length = 0;
    for (let k = 0; k < todo.length; k += MAX_BATCH) this.compileModule(todo.slice(k, k + MAX_BATCH));
  }

  /**
   * Blocks of `batch` that `from` may call directly: those of the same code
   * cache (process), by address, with an id that has a valid byte.
   */
  private chainTargets(batch: Block[], from: Block): Map<number, ChainTarget> | null {
    if (!this.chain || batch.length === 1) return null;
    const m = new Map<number, ChainTarget>();
    for (let k = 0; k < batch.length; k++) {
      const x = batch[k];
      if (x.owner === from.owner && x.jitId < JIT_MAX_IDS) m.set(x.addr, { fn: IMPORTS.length + k, id: x.jitId });
    }
    return m;
  }

  /** Compile `b` now (eager mode: before its first run), with nothing else. */
  compile(b: Block): void {
    this.compileModule([b]);
  }

  /** A compiled block was invalidated: nothing may call it directly any more. */
  invalidate(b: Block): void {
    if (b.jitId >= 0 && b.jitId < JIT_MAX_IDS) this.valid[b.jitId] = 0;
  }

  private compileModule(batch: Block[]): void {
    if (batch.length === 0) return;
    const t0 = performance.now();
    for (const x of batch) {
      x.jitId = this.cpu.nextJitId++;
      this.byId[x.jitId] = x;
    }
    const bodies = batch.map((x) => this.compiler.compile(x, x.jitId, this.chainTargets(batch, x)));
    const bytes = assemble({ imports: IMPORTS, memoryPages: this.pages, sig: { params: PARAMS, results: 1 }, locals: LOCALS, bodies });
    const exports = new WebAssembly.Instance(new WebAssembly.Module(bytes), this.imports).exports;
    for (let k = 0; k < batch.length; k++) {
      const x = batch[k];
      x.wasm = exports[k] as WasmBlock;
      if (x.jitId < JIT_MAX_IDS) this.valid[x.jitId] = 1;
    }
    this.modules++;
    this.blocks += batch.length;
    this.bytes += bytes.length;
    this.compileMs += performance.now() - t0;
  }
}

/** The functions a module imports, in the index order of locals.ts (F_*). */
const IMPORTS = [
  { name: 'c', sig: { params: 3, results: 1 } },
  { name: 'cc', sig: { params: 1, results: 1 } },
  { name: 'cf', sig: { params: 0, results: 1 } },
];
if (IMPORTS[F_CALLOUT].name !== 'c' || IMPORTS[F_TESTCC].name !== 'cc' || IMPORTS[F_GETCF].name !== 'cf') throw new Error('jit: import order');
