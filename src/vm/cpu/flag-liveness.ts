import type { Handler, Insn } from './insn.js';
import * as A from './ops-alu.js';
import * as C from './ops-control.js';
import * as M from './ops-move.js';
import * as MD from './ops-muldiv.js';
import * as NF from './ops-noflags.js';
import * as SH from './ops-shift.js';

/**
 * Dead-flag elimination over a decoded block (the classic lazy-flags
 * companion, as in QEMU's TCG liveness pass): walking backwards, an
 * instruction whose arithmetic flags are all overwritten before anything in
 * the block reads them gets its no-flags handler. Flags are live at the end
 * of every block, so nothing changes across blocks or at a syscall.
 *
 * Trade-off, stated: a fault in the middle of a block restarts correctly
 * (everything after the faulting instruction re-runs and overwrites the
 * flags), but a signal handler that inspects EFLAGS in its context may see
 * the flags of an earlier instruction than the one whose flags were dropped.
 */

const W_NONE = 0; // leaves the arithmetic flags alone
const W_ALL = 1; // sets all of CF PF AF ZF SF OF, reads none
const W_SOME = 2; // sets some, keeps the others (or may set none): passes liveness through
const READS = 3; // reads flags (or unknown): everything before is live

interface Effect {
  w: number;
  nf: Handler | null;
}

const table = new Map<Handler, (i: Insn) => Effect>();
const fixed = (w: number, nf: Handler | null = null) => (): Effect => ({ w, nf });

table.set(A.add32RR, fixed(W_ALL, NF.add32RRnf));
table.set(A.sub32RR, fixed(W_ALL, NF.sub32RRnf));
table.set(A.and32RR, fixed(W_ALL, NF.and32RRnf));
table.set(A.or32RR, fixed(W_ALL, NF.or32RRnf));
table.set(A.xor32RR, fixed(W_ALL, NF.xor32RRnf));
table.set(A.add32RI, fixed(W_ALL, NF.add32RInf));
table.set(A.sub32RI, fixed(W_ALL, NF.sub32RInf));
table.set(A.and32RI, fixed(W_ALL, NF.and32RInf));
table.set(A.cmp32RR, fixed(W_ALL, NF.nopFlags));
table.set(A.cmp32RI, fixed(W_ALL, NF.nopFlags));
table.set(A.test32RR, fixed(W_ALL, NF.nopFlags));
table.set(A.cmp32GM, fixed(W_ALL));
table.set(A.cmp32MI, fixed(W_ALL));
table.set(A.add32GM, fixed(W_ALL));
table.set(A.inc32R, fixed(W_SOME, NF.inc32Rnf));
table.set(A.dec32R, fixed(W_SOME, NF.dec32Rnf));
table.set(A.testEG, fixed(W_ALL));
table.set(A.testEI, fixed(W_ALL));
table.set(A.negE, fixed(W_ALL));
table.set(A.incE, fixed(W_SOME));
table.set(A.decE, fixed(W_SOME));
// ADC and SBB read CF.
const aluKind = (i: Insn): Effect => ({ w: i.sub === A.ALU_ADC || i.sub === A.ALU_SBB ? READS : W_ALL, nf: null });
table.set(A.aluEG, aluKind);
table.set(A.aluGE, aluKind);
table.set(A.aluEI, aluKind);
table.set(MD.imulGE, (i) => ({ w: W_ALL, nf: i.size === 4 ? NF.imul32GEnf : null }));
table.set(MD.imulGEI, (i) => ({ w: W_ALL, nf: i.size === 4 ? NF.imul32GEInf : null }));
table.set(SH.shiftEI, (i) => {
  const n = i.imm & 31;
  if (n === 0) return { w: W_NONE, nf: null };
  const reg32 = i.size === 4 && i.mod === 3;
  switch (i.sub) {
    case 0: return { w: W_SOME, nf: reg32 ? NF.rol32RInf : null };
    case 1: return { w: W_SOME, nf: reg32 ? NF.ror32RInf : null };
    case 4: case 6: return { w: W_ALL, nf: reg32 ? NF.shl32RInf : null };
    case 5: return { w: W_ALL, nf: reg32 ? NF.shr32RInf : null };
    case 7: return { w: W_ALL, nf: reg32 ? NF.sar32RInf : null };
    default: return { w: READS, nf: null }; // RCL/RCR read CF
  }
});
for (const h of [
  M.movEG, M.movGE, M.movEI, M.mov32RR, M.mov32RI, M.mov32RM, M.mov32MR, M.mov32MI, M.movzxB, M.movzxW, M.movsxB,
  M.movsxW, M.lea, M.xchgEG, M.push32R, M.pop32R, M.pushR, M.popR, M.pushI, M.pushE, M.cbw, M.cwd, M.leave,
]) {
  table.set(h, fixed(W_NONE));
}

/**
 * Fuse CMP/TEST (32-bit registers) with the Jcc right after it — at the end
 * of a block or as a superblock side exit. Returns how many instructions
 * were folded away.
 */
export function fuseCompareBranch(insns: Insn[]): number {
  let folded = 0;
  for (let k = insns.length - 1; k >= 1; k--) {
    const j = insns[k];
    const exit = j.exec === C.jccExit;
    if (!exit && j.exec !== C.jcc) continue;
    let c = insns[k - 1];
    // `cmp; lea/mov; jcc` (compilers schedule an independent register move
    // between them): move the compare next to the branch when the middle
    // instruction neither faults, touches flags, nor writes what the compare reads.
    if (k >= 2 && !isCompare(c) && isCompare(insns[k - 2]) && movesIndependently(c, insns[k - 2])) {
      const cmp = insns[k - 2];
      insns[k - 2] = c;
      insns[k - 1] = cmp;
      c = cmp;
    }
    let fused: Handler;
    if (c.exec === A.cmp32RR) fused = exit ? NF.cmpJccExit32RR : NF.cmpJcc32RR;
    else if (c.exec === A.cmp32RI) fused = exit ? NF.cmpJccExit32RI : NF.cmpJcc32RI;
    else if (c.exec === A.test32RR) fused = exit ? NF.testJccExit32RR : NF.testJcc32RR;
    else continue;
    c.exec = fused;
    c.sub = j.sub;
    c.target = j.target;
    c.next = j.next;
    c.len += j.len;
    insns.splice(k, 1);
    folded++;
    k--;
  }
  return folded;
}

function isCompare(i: Insn): boolean {
  return i.exec === A.cmp32RR || i.exec === A.cmp32RI || i.exec === A.test32RR;
}

/** A register-only LEA/MOV whose destination is not a register `cmp` reads. */
function movesIndependently(x: Insn, cmp: Insn): boolean {
  let dest: number;
  if (x.exec === M.lea) dest = x.reg;
  else if (x.exec === M.mov32RR || x.exec === M.mov32RI) dest = x.rm;
  else return false;
  return dest !== cmp.rm && (cmp.exec === A.cmp32RI || dest !== cmp.reg);
}

/** Rewrite handlers of `insns` in place where their flags are dead. */
export function eliminateDeadFlags(insns: Insn[]): void {
  let live = true;
  for (let k = insns.length - 1; k >= 0; k--) {
    const i = insns[k];
    const f = table.get(i.exec);
    if (f === undefined) {
      live = true;
      continue;
    }
    const e = f(i);
    if (e.w === READS) {
      live = true;
      continue;
    }
    if (!live && e.nf !== null) i.exec = e.nf;
    else if (i.size === 4 && i.mod !== 3 && (i.exec === M.movzxB || i.exec === M.movzxW)) {
      i.exec = i.exec === M.movzxB ? NF.movzxB32M : NF.movzxW32M;
    }
    if (e.w === W_ALL) live = false;
  }
}
