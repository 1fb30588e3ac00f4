import { EINVAL, ENOSYS, EPERM, ESRCH } from '../abi/errno.js';
import * as E from '../abi/events.js';
import * as N from '../abi/syscalls.js';
import { SyscallError } from '../errors.js';
import type { Kernel } from '../kernel.js';
import type { Task } from '../task.js';
import { encodeString, type SyscallTable } from './types.js';

/**
 * Scheduling and process attributes: one CPU, every task SCHED_OTHER at
 * priority 0 (sched(7)); prctl(2)'s names, parent-death signal and flags;
 * membarrier and rseq say ENOSYS (glibc then does without).
 */

function taskOf(k: Kernel, t: Task, pid: number): Task {
  if (pid < 0) throw new SyscallError(EINVAL);
  if (pid === 0) return t;
  const x = k.tasks.get(pid);
  if (!x || x.proc.exited || x.threadExited) throw new SyscallError(ESRCH);
  return x;
}

function getaffinity(k: Kernel, t: Task, pid: number, size: number, mask: number): number {
  taskOf(k, t, pid);
  // The kernel's cpumask is 4 bytes per 32 CPUs; the buffer must hold it (sched_setaffinity(2)).
  if (size < 4 || size & 3) throw new SyscallError(EINVAL);
  t.as.write(mask, new Uint8Array(4));
  t.as.write32(mask, 1);
  return 4;
}

function setaffinity(k: Kernel, t: Task, pid: number, size: number, mask: number): number {
  taskOf(k, t, pid);
  if (size < 1) throw new SyscallError(EINVAL);
  // Only CPU 0 exists: a mask without it leaves no CPU to run on.
  if ((t.as.read(mask, 1)[0] & 1) === 0) throw new SyscallError(EINVAL);
  return 0;
}

function prctl(t: Task, op: number, a2: number): number {
  const p = t.proc;
  switch (op) {
    case E.PR_SET_NAME: {
      // The thread's name: up to 15 bytes, NUL-terminated (TASK_COMM_LEN 16).
      const b = t.as.read(a2, 16);
      let n = b.indexOf(0);
      if (n < 0 || n > 15) n = 15;
      t.comm = String.fromCharCode(...b.subarray(0, n));
      return 0;
    }
    case E.PR_GET_NAME: {
      const b = new Uint8Array(16);
      b.set(encodeString(t.comm).subarray(0, 15));
      t.as.write(a2, b);
      return 0;
    }
    case E.PR_SET_PDEATHSIG:
      if (a2 < 0 || a2 > 64) throw new SyscallError(EINVAL);
      p.pdeathSig = a2;
      return 0;
    case E.PR_GET_PDEATHSIG:
      t.as.write32(a2, p.pdeathSig);
      return 0;
    case E.PR_GET_DUMPABLE:
      return p.dumpable;
    case E.PR_SET_DUMPABLE:
      if (a2 !== 0 && a2 !== 1) throw new SyscallError(EINVAL);
      p.dumpable = a2;
      return 0;
    case E.PR_GET_KEEPCAPS:
    case E.PR_GET_NO_NEW_PRIVS:
    case E.PR_GET_CHILD_SUBREAPER:
    case E.PR_GET_THP_DISABLE:
    case E.PR_GET_SECCOMP:
      if (op === E.PR_GET_CHILD_SUBREAPER) t.as.write32(a2, 0);
      return 0;
    case E.PR_SET_KEEPCAPS:
    case E.PR_SET_NO_NEW_PRIVS:
    case E.PR_SET_CHILD_SUBREAPER:
    case E.PR_SET_THP_DISABLE:
      return 0;
    case E.PR_GET_TIMERSLACK:
      return 50000;
    case E.PR_SET_TIMERSLACK:
      return 0;
    case E.PR_CAPBSET_READ:
      if (a2 < 0 || a2 > 40) throw new SyscallError(EINVAL);
      return 1; // every capability is in the bounding set
    case E.PR_SET_VMA:
      return 0;
  }
  throw new SyscallError(EINVAL);
}

/** struct sched_param { int sched_priority; }: always 0 for SCHED_OTHER. */
function getparam(k: Kernel, t: Task, pid: number, param: number): number {
  taskOf(k, t, pid);
  if (param === 0) throw new SyscallError(EINVAL);
  t.as.write32(param, 0);
  return 0;
}

function setscheduler(k: Kernel, t: Task, pid: number, policy: number, param: number): number {
  taskOf(k, t, pid);
  if (param === 0) throw new SyscallError(EINVAL);
  const prio = t.as.read32(param);
  const pol = policy & ~0x40000000; // SCHED_RESET_ON_FORK
  if (pol === E.SCHED_OTHER || pol === E.SCHED_BATCH || pol === E.SCHED_IDLE) {
    if (prio !== 0) throw new SyscallError(EINVAL);
    return 0;
  }
  if (pol === E.SCHED_FIFO || pol === E.SCHED_RR) {
    if (prio < 1 || prio > 99) throw new SyscallError(EINVAL);
    if (t.uid !== 0) throw new SyscallError(EPERM);
    return 0; // accepted, but every task still shares the one CPU round-robin
  }
  throw new SyscallError(EINVAL);
}

export const schedSyscalls: SyscallTable = {
  [N.NR_sched_yield]: () => 0,
  [N.NR_sched_getaffinity]: (k, t, pid, size, mask) => getaffinity(k, t, pid, size, mask),
  [N.NR_sched_setaffinity]: (k, t, pid, size, mask) => setaffinity(k, t, pid, size, mask),
  [N.NR_sched_getscheduler]: (k, t, pid) => (taskOf(k, t, pid), E.SCHED_OTHER),
  [N.NR_sched_setscheduler]: (k, t, pid, policy, param) => setscheduler(k, t, pid, policy, param),
  [N.NR_sched_getparam]: (k, t, pid, param) => getparam(k, t, pid, param),
  [N.NR_sched_setparam]: (k, t, pid, param) => {
    taskOf(k, t, pid);
    if (param === 0) throw new SyscallError(EINVAL);
    if (t.as.read32(param) !== 0) throw new SyscallError(EINVAL);
    return 0;
  },
  [N.NR_sched_get_priority_max]: (_k, _t, policy) => {
    if (policy === E.SCHED_FIFO || policy === E.SCHED_RR) return 99;
    if (policy === E.SCHED_OTHER || policy === E.SCHED_BATCH || policy === E.SCHED_IDLE) return 0;
    throw new SyscallError(EINVAL);
  },
  [N.NR_sched_get_priority_min]: (_k, _t, policy) => {
    if (policy === E.SCHED_FIFO || policy === E.SCHED_RR) return 1;
    if (policy === E.SCHED_OTHER || policy === E.SCHED_BATCH || policy === E.SCHED_IDLE) return 0;
    throw new SyscallError(EINVAL);
  },
  [N.NR_sched_rr_get_interval]: (k, t, pid, ts) => {
    taskOf(k, t, pid);
    // SCHED_OTHER tasks report 0 (sched_rr_get_interval(2)).
    t.as.write32(ts, 0);
    t.as.write32(ts + 4, 0);
    return 0;
  },
  [N.NR_getcpu]: (_k, t, cpu, node) => {
    if (cpu !== 0) t.as.write32(cpu, 0);
    if (node !== 0) t.as.write32(node, 0);
    return 0;
  },
  [N.NR_prctl]: (_k, t, op, a2) => prctl(t, op, a2),
  [N.NR_membarrier]: () => {
    throw new SyscallError(ENOSYS);
  },
  [N.NR_rseq]: () => {
    throw new SyscallError(ENOSYS);
  },
};
