import { EAGAIN, EINTR, EINVAL, EPERM, ESRCH } from '../abi/errno.js';
import * as S from '../abi/structs.js';
import * as N from '../abi/syscalls.js';
import { SyscallError } from '../errors.js';
import type { Kernel } from '../kernel.js';
import { dequeueSignal as dequeue, discardSignal, interruptible, postSignal, signalProcess, sigreturn, type SigInfo } from '../signals.js';
import { readTimespecMs } from './time.js';
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
    if (next.handler === 1) {
      discardSignal(t.proc.sharedPending, sig);
      for (const th of t.proc.threads) discardSignal(th.pending, sig);
    }
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

/** kill(2): process-directed; pid > 0 names a process (or any of its threads), 0 / -pgid a group, -1 everyone but init and the caller. */
function kill(k: Kernel, t: Task, pid: number, sig: number): number {
  if (sig < 0 || sig > 64) throw new SyscallError(EINVAL);
  const targets: Task[] = [];
  if (pid > 0) {
    const x = k.tasks.get(pid);
    const leader = x ? k.tasks.get(x.tgid) ?? x : undefined;
    if (leader && !leader.proc.exited) targets.push(leader);
  } else {
    for (const x of k.tasks.values()) {
      if (!x.isLeader || x.proc.exited) continue;
      if (pid === 0 ? x.pgid === t.pgid : pid === -1 ? x.tgid !== 1 && x.proc !== t.proc : x.pgid === -pid) targets.push(x);
    }
  }
  if (targets.length === 0) throw new SyscallError(ESRCH);
  for (const x of targets) signalProcess(k, x, sig, { code: S.SI_USER, a: t.tgid, b: t.uid });
  return 0;
}

/** tkill / tgkill: a signal for one thread (tgid -1: any process, for tkill). */
function tgkill(k: Kernel, t: Task, tgid: number, tid: number, sig: number): number {
  if (sig < 0 || sig > 64 || tid <= 0 || (tgid !== -1 && tgid <= 0)) throw new SyscallError(EINVAL);
  const x = k.tasks.get(tid);
  if (!x || x.proc.exited || x.threadExited || x.state === TASK_ZOMBIE || (tgid !== -1 && x.tgid !== tgid)) throw new SyscallError(ESRCH);
  postSignal(k, x, sig, { code: S.SI_TKILL, a: t.tgid, b: t.uid });
  return 0;
}

/** rt_sigqueueinfo / rt_tgsigqueueinfo: a signal with the caller's siginfo (si_code, si_value…). */
function sigqueueinfo(k: Kernel, t: Task, tgid: number, tid: number, sig: number, uinfo: number): number {
  if (sig < 0 || sig > 64) throw new SyscallError(EINVAL);
  const code = t.as.read32(uinfo + 8);
  // Only the kernel may claim SI_USER / kernel codes for another process (kernel/signal.c).
  if ((code >= 0 || code === S.SI_TKILL) && tgid !== t.tgid) throw new SyscallError(EPERM);
  const info = { code, a: t.as.read32(uinfo + 12), b: t.as.read32(uinfo + 16), c: t.as.read32(uinfo + 20) };
  const x = k.tasks.get(tid === -1 ? tgid : tid);
  if (!x || x.proc.exited || (tid !== -1 && x.tgid !== tgid)) throw new SyscallError(ESRCH);
  if (tid === -1) signalProcess(k, x, sig, info);
  else postSignal(k, x, sig, info);
  return 0;
}

function writeSiginfo(t: Task, addr: number, sig: number, info: SigInfo): void {
  const b = new Uint8Array(S.SIGINFO_SIZE);
  const dv = new DataView(b.buffer);
  dv.setInt32(0, sig, true);
  dv.setInt32(8, info.code, true);
  dv.setInt32(12, info.a ?? 0, true);
  dv.setInt32(16, info.b ?? 0, true);
  dv.setInt32(20, info.c ?? 0, true);
  t.as.write(addr, b);
}

/**
 * rt_sigtimedwait (sigwaitinfo, sigtimedwait, sigwait): take a pending
 * signal of `set` without running its handler, waiting for one up to the
 * timeout (EAGAIN); another signal's handler interrupts the wait (EINTR).
 */
function rtSigtimedwait(k: Kernel, t: Task, setAddr: number, infoAddr: number, ts: number, size: number, wide: boolean): number | Promise<number> {
  if (size !== 8) throw new SyscallError(EINVAL);
  const set: [number, number] = [t.as.read32(setAddr) & UNBLOCKABLE, t.as.read32(setAddr + 4)];
  const ms = ts === 0 ? Infinity : readTimespecMs(t, ts, wide);
  const take = (): number | null => {
    const got = dequeue(t, set);
    if (got === null) return null;
    if (infoAddr !== 0) writeSiginfo(t, infoAddr, got[0], got[1]);
    return got[0];
  };
  const now = take();
  if (now !== null) return now;
  if (ms === 0) throw new SyscallError(EAGAIN);
  return (async () => {
    const deadline = k.monotonic() + ms;
    for (;;) {
      let timer: ReturnType<typeof setTimeout> | null = null;
      try {
        const timedOut = await interruptible(
          t,
          new Promise<boolean>((resolve) => {
            t.sigWait = { set, wake: () => resolve(false) };
            if (ms !== Infinity) timer = k.setTimer(() => resolve(true), Math.max(0, deadline - k.monotonic()));
          }),
        );
        const got = take();
        if (got !== null) return got;
        if (timedOut) throw new SyscallError(EAGAIN);
      } finally {
        t.sigWait = null;
        if (timer !== null) k.clearTimer(timer);
      }
    }
  })();
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
  [N.NR_tkill]: (k, t, tid, sig) => tgkill(k, t, -1, tid, sig),
  [N.NR_tgkill]: (k, t, tgid, tid, sig) => tgkill(k, t, tgid, tid, sig),
  [N.NR_rt_sigqueueinfo]: (k, t, tgid, sig, uinfo) => sigqueueinfo(k, t, tgid, -1, sig, uinfo),
  [N.NR_rt_tgsigqueueinfo]: (k, t, tgid, tid, sig, uinfo) => sigqueueinfo(k, t, tgid, tid, sig, uinfo),
  [N.NR_rt_sigtimedwait]: (k, t, set, info, ts, size) => rtSigtimedwait(k, t, set, info, ts, size, false),
  [N.NR_rt_sigtimedwait_time64]: (k, t, set, info, ts, size) => rtSigtimedwait(k, t, set, info, ts, size, true),
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
    for (const sig of [...t.pending.keys(), ...t.proc.sharedPending.keys()]) if (sig <= 32) lo |= 1 << (sig - 1); else hi |= 1 << (sig - 33);
    t.as.write32(set, lo & t.sigmask[0]);
    t.as.write32(set + 4, hi & t.sigmask[1]);
    return 0;
  },
  [N.NR_signalfd4]: (_k, t, fd, mask, size, flags) => signalfd4(t, fd, mask, size, flags),
  [N.NR_signalfd]: (_k, t, fd, mask, size) => signalfd4(t, fd, mask, size, 0),
  [N.NR_sigreturn]: (k, t) => sigreturn(k, t, false),
  [N.NR_rt_sigreturn]: (k, t) => sigreturn(k, t, true),
};
