import { getCF, testCC } from '../cpu/flags.js';
import type { Block } from '../cpu/insn.js';
import type { Cpu } from '../cpu/cpu.js';
import { BlockCompiler } from './block-jit.js';

/** A block compiled to Wasm: `(budget) → instructions retired` (block-jit.ts). */
export type WasmBlock = (budget: number) => number;

/** `off`: the interpreter alone; `on`: hot blocks compiled; `eager`: every block at its first run. */
export type JitMode = 'off' | 'on' | 'eager';

export function parseJitMode(v: string | undefined | null, fallback: JitMode = 'on'): JitMode {
  if (v === undefined || v === null || v === '') return fallback;
  if (v === 'off' || v === 'on' || v === 'eager') return v;
  throw new RangeError(`jit must be off, on or eager, got '${v}'`);
}

/**
 * Runs of a block (by the interpreter) before the Wasm tier compiles it in
 * `on` mode. Measured with `npm run bench` (see src/vm/cpu/README.md).
 */
export const JIT_HOT_RUNS = 2000;

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

/**
 * The Wasm tier of one CPU: compiles blocks into modules that import the
 * VM's memory and three functions of this object (call a handler, read a
 * condition or CF from the lazy flags in memory).
 */
export class Jit {
  private readonly imports: WebAssembly.Imports;
  private readonly compiler = new BlockCompiler();
  private readonly pages: number;
  /** The block whose compiled function is running (its handlers are the call-outs). */
  block: Block | null = null;
  /** Modules compiled, their total size and the time spent making them. */
  modules = 0;
  bytes = 0;
  compileMs = 0;

  constructor(cpu: Cpu) {
    const s = cpu.s;
    this.pages = cpu.phys.memory.buffer.byteLength >>> 16;
    this.imports = {
      j: {
        m: cpu.phys.memory,
        c: (k: number, t: number): number => {
          const i = this.block!.insns[k];
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

  compile(b: Block): WasmBlock {
    const t0 = performance.now();
    const bytes = this.compiler.compile(b, this.pages);
    const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes ), this.imports);
    this.modules++;
    this.bytes += bytes.length;
    this.compileMs += performance.now() - t0;
    return inst.exports.f as WasmBlock;
  }
}
