import { EAGAIN, EINVAL, ENOSYS, ETIMEDOUT } from '../abi/errno.js';
import * as N from '../abi/syscalls.js';
import { SyscallError } from '../errors.js';
import type { Kernel } from '../kernel.js';
import { interruptible } from '../signals.js';
import type { Task } from '../task.js';
import type { AddressSpace } from '../../mem/address-space.js';
import type { SyscallTable } from './types.js';
import { clockMs, readTimespecMs } from './time.js';
import { CLOCK_MONOTONIC, CLOCK_REALTIME } from '../abi/structs.js';

/**
 * futex(2): WAIT / WAKE (and the _BITSET forms) keyed by address space and
 * address, so waiters in one process (threads, later) or on shared memory
 * find each other. Requeue and PI operations answer ENOSYS for now.
 */
const FUTEX_WAIT = 0;
const FUTEX_WAKE = 1;
const FUTEX_WAIT_BITSET = 9;
const FUTEX_WAKE_BITSET = 10;
const FUTEX_PRIVATE_FLAG = 128;
const FUTEX_CLOCK_REALTIME = 256;

interface Waiter {
  bitset: number;
  wake: () => void;
}

const queues = new WeakMap<AddressSpace, Map<number, Waiter[]>>();

function queue(as: AddressSpace, addr: number): Waiter[] {
  let m = queues.get(as);
  if (!m) queues.set(as, (m = new Map()));
  let q = m.get(addr);
  if (!q) m.set(addr, (q = []));
  return q;
}

/** Wake up to `n` waiters on `addr` whose bitset intersects `bitset`. */
export function futexWake(as: AddressSpace, addr: number, n: number, bitset = -1): number {
  const m = queues.get(as);
  const q = m?.get(addr >>> 0);
  if (!q) return 0;
  let woken = 0;
  for (let k = 0; k < q.length && woken < n; ) {
    if ((q[k].bitset & bitset) !== 0) {
      q[k].wake();
      q.splice(k, 1);
      woken++;
    } else k++;
  }
  if (q.length === 0) m!.delete(addr >>> 0);
  return woken;
}

/** Milliseconds to wait: relative timeouts as given, absolute ones against their clock. */
function readTimeout(k: Kernel, t: Task, addr: number, wide: boolean, absolute: boolean, realtime: boolean): number {
  if (addr === 0) return Infinity;
  const ms = readTimespecMs(t, addr, wide);
  if (!absolute) return ms;
  return Math.max(0, ms - clockMs(k, realtime ? CLOCK_REALTIME : CLOCK_MONOTONIC));
}

function futex(k: Kernel, t: Task, uaddr: number, op: number, val: number, timeout: number, _uaddr2: number, val3: number, wide: boolean): number | Promise<number> {
  const cmd = op & ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
  const addr = uaddr >>> 0;
  if (addr & 3) throw new SyscallError(EINVAL);
  switch (cmd) {
    case FUTEX_WAIT:
    case FUTEX_WAIT_BITSET: {
      const bitset = cmd === FUTEX_WAIT ? -1 : val3;
      if (bitset === 0) throw new SyscallError(EINVAL);
      if (t.as.read32(addr) !== val) throw new SyscallError(EAGAIN);
      // FUTEX_WAIT's timeout is relative; WAIT_BITSET's is absolute (futex(2)).
      const ms = readTimeout(k, t, timeout, wide, cmd === FUTEX_WAIT_BITSET, (op & FUTEX_CLOCK_REALTIME) !== 0);
      const q = queue(t.as, addr);
      return interruptible(
        t,
        new Promise<number>((resolve) => {
          let timer: ReturnType<typeof setTimeout> | null = null;
          const w: Waiter = {
            bitset,
            wake: () => {
              if (timer !== null) k.clearTimer(timer);
              resolve(0);
            },
          };
          q.push(w);
          if (ms !== Infinity) {
            timer = k.setTimer(() => {
              const i = q.indexOf(w);
              if (i >= 0) q.splice(i, 1);
              resolve(-ETIMEDOUT);
            }, ms);
          }
        }),
      );
    }
    case FUTEX_WAKE:
      return futexWake(t.as, addr, val >>> 0);
    case FUTEX_WAKE_BITSET:
      if (val3 === 0) throw new SyscallError(EINVAL);
      return futexWake(t.as, addr, val >>> 0, val3);
  }
  throw new SyscallError(ENOSYS);
}

export const futexSyscalls: SyscallTable = {
  [N.NR_futex]: (k, t, uaddr, op, val, timeout, uaddr2, val3) => futex(k, t, uaddr, op, val, timeout, uaddr2, val3, false),
  [N.NR_futex_time64]: (k, t, uaddr, op, val, timeout, uaddr2, val3) => futex(k, t, uaddr, op, val, timeout, uaddr2, val3, true),
};
