import { EAGAIN, EINVAL, ENOSYS, EPERM, ESRCH, ETIMEDOUT } from '../abi/errno.js';
import * as N from '../abi/syscalls.js';
import { SyscallError } from '../errors.js';
import type { Kernel } from '../kernel.js';
import { interruptible } from '../signals.js';
import type { Task } from '../task.js';
import type { AddressSpace } from '../../mem/address-space.js';
import { PAGE_SHIFT, PAGE_SIZE } from '../../mem/layout.js';
import type { SyscallTable } from './types.js';
import { clockMs, readTimespecMs } from './time.js';
import { CLOCK_MONOTONIC, CLOCK_REALTIME } from '../abi/structs.js';
import { FUTEX_OWNER_DIED, FUTEX_TID_MASK, FUTEX_WAITERS } from '../abi/events.js';

/**
 * futex(2): WAIT / WAKE and their _BITSET forms, REQUEUE, CMP_REQUEUE and
 * WAKE_OP. Private operations key by address space and address, so the
 * threads of a process find each other; shared ones on MAP_SHARED memory key
 * by the frame, so processes sharing it do too (futexKey). The PI
 * operations answer ENOSYS, so glibc falls back to its plain mutexes.
 * Robust lists (set_robust_list) are walked when a thread exits.
 */
const FUTEX_WAIT = 0;
const FUTEX_WAKE = 1;
const FUTEX_REQUEUE = 3;
const FUTEX_CMP_REQUEUE = 4;
const FUTEX_WAKE_OP = 5;
const FUTEX_WAIT_BITSET = 9;
const FUTEX_WAKE_BITSET = 10;
const FUTEX_PRIVATE_FLAG = 128;
const FUTEX_CLOCK_REALTIME = 256;
const FUTEX_BITSET_MATCH_ANY = -1;
/** kernel/futex/core.c: a robust list longer than this is cut (a loop in it must not hang exit). */
const ROBUST_LIST_LIMIT = 2048;
const ROBUST_LIST_HEAD_SIZE = 12;

interface Waiter {
  bitset: number;
  /** The key space it waits in now: an address space, or PhysicalMemory for shared keys. */
  space: object;
  /** The address it waits on now (REQUEUE moves it): virtual, or physical for shared keys. */
  addr: number;
  wake: () => void;
}

/** A futex's identity: where its waiters queue (see futexKey). */
interface FutexKey {
  space: object;
  addr: number;
}

const queues = new WeakMap<object, Map<number, Waiter[]>>();

/**
 * The key of the futex word at `addr` (kernel/futex/core.c get_futex_key).
 * A private operation (FUTEX_PRIVATE_FLAG) keys by address space and
 * address. A shared one on a MAP_SHARED page keys by the frame and offset,
 * so processes that map the page at any address find each other (glibc's
 * process-shared semaphores and mutexes: sem_open, Python's multiprocessing
 * locks); on private memory it keys as a private one.
 */
function futexKey(as: AddressSpace, addr: number, priv: boolean): FutexKey {
  addr >>>= 0;
  if (!priv) {
    // A shared file page this process has not touched yet still keys by the page cache's frame.
    const f = as.sharedFrame(addr >>> PAGE_SHIFT);
    if (f >= 0) return { space: as.phys, addr: as.phys.frameAddr(f) + (addr & (PAGE_SIZE - 1)) };
  }
  return { space: as, addr };
}

function queueMap(space: object): Map<number, Waiter[]> {
  let m = queues.get(space);
  if (!m) queues.set(space, (m = new Map()));
  return m;
}

function enqueue(w: Waiter): void {
  const m = queueMap(w.space);
  const q = m.get(w.addr);
  if (q) q.push(w);
  else m.set(w.addr, [w]);
}

function dequeue(w: Waiter): boolean {
  const m = queues.get(w.space);
  const q = m?.get(w.addr);
  if (!q) return false;
  const i = q.indexOf(w);
  if (i < 0) return false;
  q.splice(i, 1);
  if (q.length === 0) m!.delete(w.addr);
  return true;
}

/** Wake up to `n` waiters on `key` whose bitset intersects `bitset`. */
function wakeKey(key: FutexKey, n: number, bitset = FUTEX_BITSET_MATCH_ANY): number {
  const m = queues.get(key.space);
  const q = m?.get(key.addr);
  if (!q) return 0;
  let woken = 0;
  for (let k = 0; k < q.length && woken < n; ) {
    if ((q[k].bitset & bitset) !== 0) {
      const w = q[k];
      q.splice(k, 1);
      w.wake();
      woken++;
    } else k++;
  }
  if (q.length === 0) m!.delete(key.addr);
  return woken;
}

/**
 * Wake up to `n` waiters on the futex at `addr` as a shared FUTEX_WAKE does
 * (the kernel's own wakes: CLONE_CHILD_CLEARTID, robust lists).
 */
export function futexWake(as: AddressSpace, addr: number, n: number): number {
  return wakeKey(futexKey(as, addr, false), n);
}

/** Wake `nWake` waiters on `from`, then move up to `nMove` of the rest to `to`; the count of both. */
function requeue(from: FutexKey, to: FutexKey, nWake: number, nMove: number): [number, number] {
  const woken = wakeKey(from, nWake);
  const m = queueMap(from.space);
  const q = m.get(from.addr);
  let moved = 0;
  while (q && q.length > 0 && moved < nMove) {
    const w = q.shift()!;
    w.space = to.space;
    w.addr = to.addr;
    enqueue(w);
    moved++;
  }
  if (q && q.length === 0) m.delete(from.addr);
  return [woken, moved];
}

/** FUTEX_WAKE_OP's encoded operation on *uaddr2 and its comparison (futex(2), FUTEX_OP). */
function wakeOp(t: Task, uaddr: number, uaddr2: number, n: number, n2: number, val3: number, priv: boolean): number {
  const op = (val3 >>> 28) & 7;
  const shift = (val3 >>> 28) & 8;
  const cmp = (val3 >>> 24) & 0xf;
  let oparg = (val3 << 8) >> 20;
  const cmparg = (val3 << 20) >> 20;
  if (shift) {
    if (oparg < 0 || oparg > 31) throw new SyscallError(EINVAL);
    oparg = 1 << oparg;
  }
  if (uaddr2 & 3) throw new SyscallError(EINVAL);
  const old = t.as.read32(uaddr2) | 0;
  let v: number;
  switch (op) {
    case 0: v = oparg; break;
    case 1: v = old + oparg; break;
    case 2: v = old | oparg; break;
    case 3: v = old & ~oparg; break;
    case 4: v = old ^ oparg; break;
    default: throw new SyscallError(ENOSYS);
  }
  t.as.write32(uaddr2, v | 0);
  let woken = wakeKey(futexKey(t.as, uaddr, priv), n);
  let hit: boolean;
  switch (cmp) {
    case 0: hit = old === cmparg; break;
    case 1: hit = old !== cmparg; break;
    case 2: hit = old < cmparg; break;
    case 3: hit = old <= cmparg; break;
    case 4: hit = old > cmparg; break;
    case 5: hit = old >= cmparg; break;
    default: throw new SyscallError(ENOSYS);
  }
  if (hit) woken += wakeKey(futexKey(t.as, uaddr2, priv), n2);
  return woken;
}

/** Milliseconds to wait: relative timeouts as given, absolute ones against their clock. */
function readTimeout(k: Kernel, t: Task, addr: number, wide: boolean, absolute: boolean, realtime: boolean): number {
  if (addr === 0) return Infinity;
  const ms = readTimespecMs(t, addr, wide);
  if (!absolute) return ms;
  return Math.max(0, ms - clockMs(k, realtime ? CLOCK_REALTIME : CLOCK_MONOTONIC));
}

function wait(k: Kernel, t: Task, key: FutexKey, bitset: number, ms: number): Promise<number> {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let w: Waiter | null = null;
  const p = new Promise<number>((resolve) => {
    w = {
      bitset,
      space: key.space,
      addr: key.addr,
      wake: () => {
        if (timer !== null) k.clearTimer(timer);
        resolve(0);
      },
    };
    enqueue(w);
    if (ms !== Infinity) {
      timer = k.setTimer(() => {
        if (dequeue(w!)) resolve(-ETIMEDOUT);
      }, ms);
    }
  });
  // A signal takes the waiter off its queue, so a later wake goes to someone else.
  return interruptible(t, p).catch((e: unknown) => {
    if (timer !== null) k.clearTimer(timer);
    dequeue(w!);
    throw e;
  });
}

function futex(k: Kernel, t: Task, uaddr: number, op: number, val: number, timeout: number, uaddr2: number, val3: number, wide: boolean): number | Promise<number> {
  const cmd = op & ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
  if (op & FUTEX_CLOCK_REALTIME && cmd !== FUTEX_WAIT_BITSET) throw new SyscallError(ENOSYS);
  const addr = uaddr >>> 0;
  if (addr & 3) throw new SyscallError(EINVAL);
  const priv = (op & FUTEX_PRIVATE_FLAG) !== 0;
  switch (cmd) {
    case FUTEX_WAIT:
    case FUTEX_WAIT_BITSET: {
      const bitset = cmd === FUTEX_WAIT ? FUTEX_BITSET_MATCH_ANY : val3;
      if (bitset === 0) throw new SyscallError(EINVAL);
      // FUTEX_WAIT's timeout is relative; WAIT_BITSET's is absolute (futex(2)).
      const ms = readTimeout(k, t, timeout, wide, cmd === FUTEX_WAIT_BITSET, (op & FUTEX_CLOCK_REALTIME) !== 0);
      if (t.as.read32(addr) !== val) throw new SyscallError(EAGAIN);
      if (ms <= 0) throw new SyscallError(ETIMEDOUT);
      return wait(k, t, futexKey(t.as, addr, priv), bitset, ms);
    }
    case FUTEX_WAKE:
      return wakeKey(futexKey(t.as, addr, priv), val >>> 0);
    case FUTEX_WAKE_BITSET:
      if (val3 === 0) throw new SyscallError(EINVAL);
      return wakeKey(futexKey(t.as, addr, priv), val >>> 0, val3);
    case FUTEX_REQUEUE:
    case FUTEX_CMP_REQUEUE: {
      // The timeout argument carries val2, the most waiters to move.
      if (val < 0 || timeout < 0) throw new SyscallError(EINVAL);
      if ((uaddr2 >>> 0) & 3) throw new SyscallError(EINVAL);
      if (cmd === FUTEX_CMP_REQUEUE && t.as.read32(addr) !== val3) throw new SyscallError(EAGAIN);
      const [woken, moved] = requeue(futexKey(t.as, addr, priv), futexKey(t.as, uaddr2, priv), val, timeout);
      // Both count the moved waiters too (futex_requeue's task_count), whatever futex(2) says of REQUEUE.
      return woken + moved;
    }
    case FUTEX_WAKE_OP:
      return wakeOp(t, addr, uaddr2 >>> 0, val >>> 0, timeout >>> 0, val3, priv);
  }
  throw new SyscallError(ENOSYS);
}

/**
 * The exiting thread's robust futexes (robust_list_head at t.robustList):
 * each lock it still holds gets FUTEX_OWNER_DIED and one waiter is woken,
 * so the next owner sees EOWNERDEAD (kernel/futex/core.c exit_robust_list).
 */
export function releaseRobustList(t: Task): void {
  const head = t.robustList >>> 0;
  t.robustList = 0;
  const tid = t.pid;
  const release = (entry: number, offset: number): void => {
    const uaddr = (entry + offset) >>> 0;
    if (uaddr & 3) return;
    const v = t.as.read32(uaddr) >>> 0;
    if ((v & FUTEX_TID_MASK) !== tid) return;
    t.as.write32(uaddr, ((v & FUTEX_WAITERS) | FUTEX_OWNER_DIED) | 0);
    if (v & FUTEX_WAITERS) futexWake(t.as, uaddr, 1);
  };
  try {
    let entry = t.as.read32(head) >>> 0;
    const offset = t.as.read32(head + 4) | 0;
    const pending = t.as.read32(head + 8) >>> 0 & ~1;
    for (let n = 0; entry !== head && n < ROBUST_LIST_LIMIT; n++) {
      // The low bit of a list pointer marks a PI futex; the entry is the rest.
      const e = entry & ~1;
      const next = t.as.read32(e) >>> 0;
      if (e !== pending) release(e, offset);
      entry = next;
    }
    if (pending !== 0) release(pending, offset);
  } catch {
    // An unreadable list ends the walk, as in Linux.
  }
}

function getRobustList(k: Kernel, t: Task, tid: number, headPtr: number, lenPtr: number): number {
  const x = tid === 0 ? t : k.tasks.get(tid);
  if (!x || x.proc.exited) throw new SyscallError(ESRCH);
  if (x.uid !== t.uid && t.uid !== 0) throw new SyscallError(EPERM);
  t.as.write32(headPtr, x.robustList);
  t.as.write32(lenPtr, ROBUST_LIST_HEAD_SIZE);
  return 0;
}

export const futexSyscalls: SyscallTable = {
  [N.NR_futex]: (k, t, uaddr, op, val, timeout, uaddr2, val3) => futex(k, t, uaddr, op, val, timeout, uaddr2, val3, false),
  [N.NR_futex_time64]: (k, t, uaddr, op, val, timeout, uaddr2, val3) => futex(k, t, uaddr, op, val, timeout, uaddr2, val3, true),
  [N.NR_set_robust_list]: (_k, t, head, len) => {
    if (len !== ROBUST_LIST_HEAD_SIZE) throw new SyscallError(EINVAL);
    t.robustList = head;
    return 0;
  },
  [N.NR_get_robust_list]: (k, t, tid, headPtr, lenPtr) => getRobustList(k, t, tid, headPtr, lenPtr),
};
