import { EINTR, EINVAL, ESRCH } from '../abi/errno.js';
import * as S from '../abi/structs.js';
import * as N from '../abi/syscalls.js';
import { SyscallError } from '../errors.js';
import type { Kernel } from '../kernel.js';
import { interruptible, postSignal, sigreturn } from '../signals.js';
import { TASK_ZOMBIE, type Task } from '../task.js';
import type { SyscallTable } from './types.js';
import { signalfd4 } from '../signalfd.js';

/** Signal system calls: dispositions, masks, sending, waiting, returning from handlers. */
const UNBLOCKABLE = ~((1 << (S.SIGKILL - 1)) | (1 << (S.SIGSTOP - 1)));

function rtSigaction(t: Task, sig: number, act: number, oact: number, size: number): number {
  if (size !== 8 || sig < 1 || sig > 64) throw new SyscallError(EINVAL);
  if (act !== 0 && (sig === S.SIGKILL || sig === S.SIGSTOP)) throw new SyscallError(EINVAL);
  const cur = t.sigactions.get(sig) ?? { handler: 0, flags: 0, restorer: 0, mask: [0, 0] as [number, number] };
  const next = act !== 0
    ? { handler: t.as.read32(act), flags: t.as.read32(act + 4), restorer: t.as.read32(act + 8), mask: [t.as.read32(act + 12), t.as.read32(act + 16)] as [number, number] }
    : null;
  if (oact !== 0) {
    t.as.write32(oact, cur.handler);
    t.as.write32(oact + 4, cur.flags);
    t.as.write32(oact + 8, cur.restorer);
    t.as.write32(oact + 12, cur.mask[0]);
    t.as.write32(oact + 16, cur.mask[1]);
  }
  if (next) {
    t.sigactions.set(sig, next);
    // Setting SIG_IGN discards a pending instance (POSIX).
    if (next.handler === 1) t.pending.delete(sig);
  }
  return 0;
}

function rtSigprocmask(t: Task, how: number, set: number, oset: number, size: number): number {
  if (size !== 8) throw new SyscallError(EINVAL);
  const old = t.sigmask;
  let v: [number, number] | null = null;
  if (set !== 0) v = [t.as.read32(set), t.as.read32(set + 4)];
  if (oset !== 0) {
    t.as.write32(oset, old[0]);
    t.as.write32(oset + 4, old[1]);
  }
  if (v) {
    if (how === 0) t.sigmask = [(old[0] | v[0]) & UNBLOCKABLE, old[1] | v[1]];
    else if (how === 1) t.sigmask = [old[0] & ~v[0], old[1] & ~v[1]];
    else if (how === 2) t.sigmask = [v[0] & UNBLOCKABLE, v[1]];
    else throw new SyscallError(EINVAL);
  }
  return 0;
}

/** Send `sig` to task `t` (used by the kernel and other syscall families). */
export function sendSignal(k: Kernel, t: Task, sig: number, from?: Task): number {
  if (sig < 0 || sig > 64) throw new SyscallError(EINVAL);
  postSignal(k, t, sig, { code: S.SI_USER, a: from ? from.pid : 0, b: 0 });
  return 0;
}

function kill(k: Kernel, t: Task, pid: number, sig: number): number {
  if (sig < 0 || sig > 64) throw new SyscallError(EINVAL);
  const targets: Task[] = [];
  for (const x of k.tasks.values()) {
    if (x.state === TASK_ZOMBIE) continue;
    if (pid > 0 ? x.pid === pid : pid === 0 ? x.pgid === t.pgid : pid === -1 ? x.pid !== 1 || x === t : x.pgid === -pid) targets.push(x);
  }
  if (targets.length === 0) throw new SyscallError(ESRCH);
  for (const x of targets) sendSignal(k, x, sig, t);
  return 0;
}

/** rt_sigsuspend: wait with a temporary mask until a handler runs; always EINTR. */
function rtSigsuspend(t: Task, maskAddr: number, size: number): Promise<number> {
  if (size !== 8) throw new SyscallError(EINVAL);
  const m: [number, number] = [t.as.read32(maskAddr) & UNBLOCKABLE, t.as.read32(maskAddr + 4)];
  // A sigsuspend restarted after a stop keeps the mask saved the first time.
  t.savedMask ??= t.sigmask;
  t.sigmask = m;
  return interruptible(t, new Promise<number>(() => {}));
}

function sigaltstack(t: Task, ss: number, old: number): number {
  if (old !== 0) {
    t.as.write32(old, t.altStack ? t.altStack.sp : 0);
    t.as.write32(old + 4, t.altStack ? 0 : 2 /* SS_DISABLE */);
    t.as.write32(old + 8, t.altStack ? t.altStack.size : 0);
  }
  if (ss !== 0) {
    const sp = t.as.read32(ss) >>> 0;
    const flags = t.as.read32(ss + 4);
    const size = t.as.read32(ss + 8) >>> 0;
    if (flags & 2) t.altStack = null;
    else {
      if (flags !== 0 && flags !== 1) throw new SyscallError(EINVAL);
      if (size < S.MINSIGSTKSZ) throw new SyscallError(12 /* ENOMEM */);
      t.altStack = { sp, size };
    }
  }
  return 0;
}

export const signalSyscalls: SyscallTable = {
  [N.NR_rt_sigaction]: (_k, t, sig, act, oact, size) => rtSigaction(t, sig, act, oact, size),
  [N.NR_rt_sigprocmask]: (_k, t, how, set, oset, size) => rtSigprocmask(t, how, set, oset, size),
  [N.NR_sigaltstack]: (_k, t, ss, old) => sigaltstack(t, ss, old),
  [N.NR_kill]: (k, t, pid, sig) => kill(k, t, pid, sig),
  [N.NR_tkill]: (k, t, tid, sig) => kill(k, t, tid > 0 ? tid : -1e9, sig),
  [N.NR_tgkill]: (k, t, _tgid, tid, sig) => kill(k, t, tid > 0 ? tid : -1e9, sig),
  [N.NR_rt_sigsuspend]: (_k, t, mask, size) => rtSigsuspend(t, mask, size),
  [N.NR_pause]: (_k, t) => interruptible(t, new Promise<number>(() => {})),
  // The kernel restarts an interrupted call that left a restart block through this (kernel.ts
  // finishSyscall); with none pending it fails with EINTR, as Linux's do_no_restart_syscall.
  [N.NR_restart_syscall]: (_k, t) => {
    const carryOn = t.restartBlock;
    t.restartBlock = null;
    if (carryOn === null) throw new SyscallError(EINTR);
    return carryOn();
  },
  [N.NR_rt_sigpending]: (_k, t, set, size) => {
    if (size !== 8) throw new SyscallError(EINVAL);
    let lo = 0, hi = 0;
    for (const sig of t.pending.keys()) if (sig <= 32) lo |= 1 << (sig - 1); else hi |= 1 << (sig - 33);
    t.as.write32(set, lo & t.sigmask[0]);
    t.as.write32(set + 4, hi & t.sigmask[1]);
    return 0;
  },
  [N.NR_signalfd4]: (k, t, fd, mask, size, flags) => signalfd4(k, t, fd, mask, size, flags),
  [N.NR_signalfd]: (k, t, fd, mask, size) => signalfd4(k, t, fd, mask, size, 0),
  [N.NR_sigreturn]: (k, t) => sigreturn(k, t, false),
  [N.NR_rt_sigreturn]: (k, t) => sigreturn(k, t, true),
};
