import { S_EIP } from '../mem/layout.js';
import type { Cpu } from './cpu.js';
import type { Block, Handler, Insn } from './insn.js';

/**
 * Tier 1: a hot block's dispatch loop unrolled into one generated function.
 *
 * The interpreter's loop calls `insns[k].exec(cpu, insn)` from one call site
 * for every instruction of every block, so V8 sees a megamorphic indirect
 * call and can inline nothing. Once a block has run `Cpu.hotRuns` times, this
 * emits a function whose k-th statement calls the k-th handler from a call
 * site of its own: each site sees one target, TurboFan inlines the handler
 * (and the TLB reads inside it), and the per-instruction loop bookkeeping is
 * gone. The handlers and the Insn objects are the same ones the interpreter
 * runs, so the semantics are the interpreter's by construction; only the
 * order of bookkeeping below must match `Cpu.run` exactly (tested by
 * block-compiler.test.ts, and by every guest program whose loops run long).
 *
 * The generated function returns the number of guest instructions it
 * retired, leaving `cpu.stop` as the interpreter would have left it. A fault
 * propagates as the handler threw it, with `cpu.tier1Index` (the faulting
 * instruction's index) and `cpu.tier1Retired` (instructions retired by
 * earlier trips round a self-loop) set for `Cpu.run` to account.
 *
 * Needs `new Function` (a page whose Content-Security-Policy forbids eval
 * keeps the interpreter: `compileBlock` returns null from then on).
 */
export type CompiledBlock = (cpu: Cpu, budget: number) => number;

/**
 * Executions of a block before it is compiled (`Cpu.hotRuns`). Compiling
 * costs about as much as interpreting 100–200 thousand instructions (V8
 * parses the function, then optimizes it with the handlers inlined), so
 * only blocks that keep running pay it back. Measured with `npm run bench`:
 * at 64, gcc and python3 in the Debian image ran 2–3× slower than with no
 * tier 1 (thousands of lukewarm blocks compiled); at 20000 they run as
 * before while the hash loop still gains 3×.
 */
export const HOT_RUNS = 20000;

/** Same values as cpu.ts's STOP_* (not imported: cpu.ts imports this module). */
const STOP_REFETCH = 2;
const STOP_EXIT = 3;

let evalWorks: boolean | null = null;

function canEval(): boolean {
  if (evalWorks === null) {
    try {
      evalWorks = new Function('return 1')() === 1;
    } catch {
      evalWorks = false;
    }
  }
  return evalWorks;
}

export function compileBlock(b: Block): CompiledBlock | null {
  if (!canEval()) return null;
  const insns = b.insns;
  const n = insns.length;
  const last = n - 1;
  let decl = '';
  let body = '';
  for (let k = 0; k < n; k++) {
    decl += `const i${k}=I[${k}],f${k}=F[${k}];`;
    body += `k=${k};`;
    if (k === last) body += `s[${S_EIP}]=${insns[k].next | 0};`;
    body += `f${k}(cpu,i${k});if(cpu.stop!==0)break b;`;
  }
  // Falling out of the labelled block `b` means instruction k stopped the loop.
  const src =
    `${decl}return function block_${(b.addr >>> 0).toString(16)}(cpu,budget){const s=cpu.s;let k=0,t=0;try{for(;;){` +
    `b:{${body}return t+${b.count}}` +
    // A side exit back to this block's start: round again (Cpu.run's self-loop).
    `if(cpu.stop===${STOP_EXIT}&&s[${S_EIP}]===${b.addr | 0}&&budget-t>k+1){cpu.stop=0;t+=k+1;continue}` +
    // The last instruction set EIP itself: the whole block counts.
    `if(k===${last})return t+${b.count};` +
    // Stopped mid-block (code invalidated): resume after this instruction.
    `if(cpu.stop===${STOP_REFETCH})s[${S_EIP}]=I[k].next;return t+k+1` +
    `}}catch(e){cpu.tier1Index=k;cpu.tier1Retired=t;throw e}}`;
  const handlers: Handler[] = insns.map((i: Insn) => i.exec);
  try {
    return new Function('I', 'F', src)(insns, handlers) as CompiledBlock;
  } catch {
    evalWorks = false;
    return null;
  }
}
