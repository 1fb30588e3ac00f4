import type { CompiledBlock } from './block-compiler.js';
import type { Cpu } from './cpu.js';
import type { WasmBlock } from '../jit/jit.js';

export type Handler = (cpu: Cpu, i: Insn) => void;

/**
 * One decoded instruction: the IR both back ends consume (DESIGN.md
 * decision 2). `op` is the opcode (0x000–0x0ff one-byte map, 0x100–0x1ff the
 * 0F map); `sub` is the ModRM reg field for group opcodes, the ALU/shift kind
 * or the condition code. Memory operands are described by base/index/scale/
 * disp/seg and addressed with `Cpu.ea`.
 */
export class Insn {
  addr = 0;
  len = 0;
  next = 0;
  op = 0;
  sub = 0;
  exec: Handler;
  /** Operand size in bytes: 1, 2 or 4. */
  size = 4;
  /** 3 = register operand in `rm`; otherwise a memory operand. */
  mod = 3;
  reg = 0;
  rm = 0;
  base = -1;
  index = -1;
  scale = 0;
  disp = 0;
  seg = 3;
  /** 16-bit address size (0x67 prefix). */
  a16 = false;
  imm = 0;
  imm2 = 0;
  /** 0 none, 1 REP/REPE (F3), 2 REPNE (F2). */
  rep = 0;
  /** Absolute branch target for relative jumps and calls. */
  target = 0;

  constructor(exec: Handler) {
    this.exec = exec;
  }
}

/** A run of instructions decoded from consecutive addresses, ending at a control transfer. */
export class Block {
  valid = true;
  /** Fall-through / taken successor caches (block chaining). */
  succ: Block | null = null;
  succ2: Block | null = null;
  /** Guest instructions in the block (fused pairs count as two). */
  count = 0;
  /** Times run by the interpreter; at Cpu.hotRuns it is compiled (block-compiler.ts). */
  runs = 0;
  /** The tier-1 function, once compiled. */
  fn: CompiledBlock | null = null;
  /** The Wasm tier's function, once compiled (jit/), and its id there (-1: none). */
  wasm: WasmBlock | null = null;
  jitId = -1;
  /** The code cache holding the block (compiled blocks chain only to blocks of the same one). */
  owner: object | null = null;
  constructor(
    readonly addr: number,
    readonly insns: Insn[],
    /** First and last page the bytes came from. */
    readonly page1: number,
    readonly page2: number,
  ) {}
}
