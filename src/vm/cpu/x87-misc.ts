import type { Cpu } from './cpu.js';
import { testCC } from './flags.js';
import type { Insn } from './insn.js';
import { FMT_REG, arithSlow, isSNaN, propagateNaN } from './x87-arith.js';
import { roundInt } from './x87-load.js';
import { K_SQRT } from './x87-round.js';
import {
  BUSY, C1, ES, F64I, IE, MINNORM, MAXD, PE, RAW, X_FAST, X_FSW, X_RC, X_TOP, X_VALID, checkPending, copySlot, fcw, fninit,
  fswFull, pop, raise, setFcw, setIndefinite, underflow, updateFast,
} from './x87-state.js';

/** Stack management, sign/abs/sqrt/round, FCMOVcc and the control/status instructions. */

export function fwait(cpu: Cpu, _i: Insn): void {
  checkPending(cpu.s);
}

export function fnop(cpu: Cpu, _i: Insn): void {
  checkPending(cpu.s);
}

export function fxch(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  checkPending(s);
  const p = s[X_TOP];
  const q = (p + i.rm) & 7;
  const v = s[X_VALID];
  if (((v >> p) & (v >> q) & 1) === 0) {
    if (underflow(s)) return;
    if (((v >> p) & 1) === 0) setIndefinite(s, p);
    if (((v >> q) & 1) === 0) setIndefinite(s, q);
    s[X_VALID] = v | (1 << p) | (1 << q);
  } else s[X_FSW] &= ~C1;
  const a = F64I + 2 * p, b = F64I + 2 * q;
  let t = s[a]; s[a] = s[b]; s[b] = t;
  t = s[a + 1]; s[a + 1] = s[b + 1]; s[b + 1] = t;
  const ra = RAW + 4 * p, rb = RAW + 4 * q;
  if ((s[ra + 3] | s[rb + 3]) !== 0) {
    for (let k = 0; k < 4; k++) {
      t = s[ra + k]; s[ra + k] = s[rb + k]; s[rb + k] = t;
    }
  }
}

/** FFREE ST(i) (i.sub = 1: FFREEP, pops too). */
export function ffree(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  checkPending(s);
  s[X_VALID] &= ~(1 << ((s[X_TOP] + i.rm) & 7));
  if (i.sub !== 0) s[X_TOP] = (s[X_TOP] + 1) & 7;
}

export function fincstp(cpu: Cpu, _i: Insn): void {
  const s = cpu.s;
  checkPending(s);
  s[X_TOP] = (s[X_TOP] + 1) & 7;
  s[X_FSW] &= ~C1;
}

export function fdecstp(cpu: Cpu, _i: Insn): void {
  const s = cpu.s;
  checkPending(s);
  s[X_TOP] = (s[X_TOP] - 1) & 7;
  s[X_FSW] &= ~C1;
}

/** Common prologue of the one-operand ST(0) instructions: the slot, or −1 when handled (underflow). */
function st0(cpu: Cpu): number {
  const s = cpu.s;
  checkPending(s);
  const p = s[X_TOP];
  if (((s[X_VALID] >> p) & 1) === 0) {
    if (!underflow(s)) setIndefinite(s, p);
    return -1;
  }
  return p;
}

export function fchs(cpu: Cpu, _i: Insn): void {
  const p = st0(cpu);
  if (p < 0) return;
  const s = cpu.s;
  s[F64I + 2 * p + 1] ^= 0x80000000;
  if (s[RAW + 4 * p + 3] !== 0) s[RAW + 4 * p + 2] ^= 0x8000;
  s[X_FSW] &= ~C1;
}

export function fabs(cpu: Cpu, _i: Insn): void {
  const p = st0(cpu);
  if (p < 0) return;
  const s = cpu.s;
  s[F64I + 2 * p + 1] &= 0x7fffffff;
  if (s[RAW + 4 * p + 3] !== 0) s[RAW + 4 * p + 2] &= 0x7fff;
  s[X_FSW] &= ~C1;
}

export function fsqrt(cpu: Cpu, _i: Insn): void {
  const s = cpu.s;
  const p = s[X_TOP];
  const f = cpu.fpr;
  const x = f[p];
  if (s[X_FAST] !== 0 && ((s[X_VALID] >> p) & 1) !== 0 && x >= MINNORM && x <= MAXD) {
    f[p] = Math.sqrt(x);
    s[RAW + 4 * p + 3] = 0;
    return;
  }
  arithSlow(cpu, K_SQRT, p, p, p, FMT_REG, false);
}

export function frndint(cpu: Cpu, _i: Insn): void {
  const p = st0(cpu);
  if (p < 0) return;
  const s = cpu.s;
  const f = cpu.fpr;
  const x = f[p];
  if (x !== x) {
    if (isSNaN(s, p)) {
      if (raise(s, IE)) return;
      propagateNaN(cpu, p, p, -1);
    }
    return;
  }
  if (x === 0 || x === Infinity || x === -Infinity) return;
  const r = roundInt(x, s[X_RC]);
  if (r !== x) {
    s[X_FSW] = Math.abs(r) > Math.abs(x) ? s[X_FSW] | C1 : s[X_FSW] & ~C1;
    raise(s, PE);
  } else s[X_FSW] &= ~C1;
  f[p] = r;
  s[RAW + 4 * p + 3] = 0;
}

/** FCMOVcc ST(0), ST(i): i.sub is the Jcc condition code. */
export function fcmov(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  checkPending(s);
  const p = s[X_TOP];
  const q = (p + i.rm) & 7;
  const v = s[X_VALID];
  if (((v >> p) & (v >> q) & 1) === 0) {
    if (underflow(s)) return;
    if (testCC(s, i.sub) || ((v >> p) & 1) === 0) {
      setIndefinite(s, p);
      s[X_VALID] |= 1 << p;
    }
    return;
  }
  s[X_FSW] &= ~C1;
  if (testCC(s, i.sub)) copySlot(cpu.fpr, s, q, p);
}

// ---- control and status ----

export function fldcw(cpu: Cpu, i: Insn): void {
  const v = cpu.rd16(cpu.ea(i));
  setFcw(cpu.s, v);
}

export function fnstcw(cpu: Cpu, i: Insn): void {
  cpu.wr16(cpu.ea(i), fcw(cpu.s));
}

export function fnstswM(cpu: Cpu, i: Insn): void {
  cpu.wr16(cpu.ea(i), fswFull(cpu.s));
}

export function fnstswAX(cpu: Cpu, _i: Insn): void {
  const s = cpu.s;
  s[0] = (s[0] & ~0xffff) | fswFull(s);
}

export function fnclex(cpu: Cpu, _i: Insn): void {
  const s = cpu.s;
  s[X_FSW] &= ~(0xff | BUSY | ES);
  updateFast(s);
}

export function fninitOp(cpu: Cpu, _i: Insn): void {
  fninit(cpu.s);
}

export { pop };
