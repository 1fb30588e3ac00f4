import { EINVAL, ESRCH } from '../abi/errno.js';
import * as S from '../abi/structs.js';
import * as N from '../abi/syscalls.js';
import { SyscallError } from '../errors.js';
import type { Kernel } from '../kernel.js';
import type { Task } from '../task.js';
import type { SyscallTable } from './types.js';

/**
 * Signals, first stage: dispositions and masks are recorded (glibc sets
 * them up at start), and a signal sent to oneself takes its default action.
 * Handler delivery arrives with the Linux-personality issue.
 */
const SIG_DFL = 0;
const SIG_IGN = 1;
/** Signals whose default action is to ignore (signal(7)). */
const DEFAULT_IGNORE = new Set([S.SIGCHLD, S.SIGCONT, S.SIGURG, S.SIGWINCH]);
/** Default action "core" (signal(7)). */
const DEFAULT_CORE = new Set([S.SIGQUIT, S.SIGILL, S.SIGTRAP, S.SIGABRT, S.SIGBUS, S.SIGFPE, S.SIGSEGV, S.SIGXCPU, S.SIGXFSZ, S.SIGSYS]);

function rtSigaction(t: Task, sig: number, act: number, oact: number, size: number): number {
  if (size !== 8 || sig < 1 || sig > 64 || sig === S.SIGKILL || sig === S.SIGSTOP) {
    if (!(act === 0 && sig >= 1 && sig <= 64 && size === 8)) throw new SyscallError(EINVAL);
  }
  const cur = t.sigactions.get(sig) ?? { handler: SIG_DFL, flags: 0, restorer: 0, mask: [0, 0] as [number, number] };
  if (oact !== 0) {
    t.as.write32(oact, cur.handler);
    t.as.write32(oact + 4, cur.flags);
    t.as.write32(oact + 8, cur.restorer);
    t.as.write32(oact + 12, cur.mask[0]);
    t.as.write32(oact + 16, cur.mask[1]);
  }
  if (act !== 0) {
    t.sigactions.set(sig, {
      handler: t.as.read32(act),
      flags: t.as.read32(act + 4),
      restorer: t.as.read32(act + 8),
      mask: [t.as.read32(act + 12), t.as.read32(act + 16)],
    });
  }
  return 0;
}

function rtSigprocmask(t: Task, how: number, set: number, oset: number, size: number): number {
  if (size !== 8) throw new SyscallError(EINVAL);
  const old = t.sigmask;
  if (oset !== 0) {
    t.as.write32(oset, old[0]);
    t.as.write32(oset + 4, old[1]);
  }
  if (set !== 0) {
    const v: [number, number] = [t.as.read32(set), t.as.read32(set + 4)];
    const unblockable = ~((1 << (S.SIGKILL - 1)) | (1 << (S.SIGSTOP - 1)));
    if (how === 0) t.sigmask = [(old[0] | v[0]) & unblockable, old[1] | v[1]];
    else if (how === 1) t.sigmask = [old[0] & ~v[0], old[1] & ~v[1]];
    else if (how === 2) t.sigmask = [v[0] & unblockable, v[1]];
    else throw new SyscallError(EINVAL);
  }
  return 0;
}

/** Send `sig` to task `t` (only to itself, for now). */
export function sendSignal(k: Kernel, t: Task, sig: number): number {
  if (sig === 0) return 0;
  if (sig < 1 || sig > 64) throw new SyscallError(EINVAL);
  const act = t.sigactions.get(sig);
  const handler = act ? act.handler : SIG_DFL;
  if (sig !== S.SIGKILL && sig !== S.SIGSTOP) {
    if (handler === SIG_IGN) return 0;
    if (handler === SIG_DFL && DEFAULT_IGNORE.has(sig)) return 0;
  }
  // A handler cannot run yet: the default action is taken (documented limitation).
  k.exitTask(t, 0, sig, DEFAULT_CORE.has(sig));
  return 0;
}

function kill(k: Kernel, t: Task, pid: number, sig: number): number {
  if (pid === t.pid || pid === 0 || pid === -1 || pid === -t.pid) return sendSignal(k, t, sig);
  const other = k.tasks.get(pid);
  if (!other) throw new SyscallError(ESRCH);
  return sendSignal(k, other, sig);
}

export const signalSyscalls: SyscallTable = {
  [N.NR_rt_sigaction]: (_k, t, sig, act, oact, size) => rtSigaction(t, sig, act, oact, size),
  [N.NR_rt_sigprocmask]: (_k, t, how, set, oset, size) => rtSigprocmask(t, how, set, oset, size),
  [N.NR_sigaltstack]: (_k, t, _ss, old) => {
    if (old !== 0) {
      t.as.write32(old, 0);
      t.as.write32(old + 4, 2 /* SS_DISABLE */);
      t.as.write32(old + 8, 0);
    }
    return 0;
  },
  [N.NR_kill]: (k, t, pid, sig) => kill(k, t, pid, sig),
  [N.NR_tkill]: (k, t, tid, sig) => kill(k, t, tid, sig),
  [N.NR_tgkill]: (k, t, _tgid, tid, sig) => kill(k, t, tid, sig),
};
