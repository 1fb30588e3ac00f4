import { EBADF, EFAULT, EINVAL, ELOOP, EPERM } from '../abi/errno.js';
import * as E from '../abi/events.js';
import * as S from '../abi/structs.js';
import * as N from '../abi/syscalls.js';
import { EpollFile } from '../epoll.js';
import { EventFd, IntervalTimer, TimerFd } from '../event-files.js';
import { SyscallError } from '../errors.js';
import type { OpenFile } from '../files.js';
import type { Kernel } from '../kernel.js';
import { interruptible, postSignal, signalProcess, type SigInfo } from '../signals.js';
import type { Task } from '../task.js';
import { clockMs, readTimespecMs, writeTimespec } from './time.js';
import type { SyscallTable } from './types.js';

/**
 * epoll, eventfd, timerfd and the POSIX per-process timers (timer_create):
 * the event and timer calls an event loop (python's selectors and asyncio,
 * glib, libuv) is built on. The files live in ../epoll.ts and
 * ../event-files.ts.
 */

function fileOf(t: Task, fd: number): OpenFile {
  const e = t.getFd(fd);
  if (e === null) throw new SyscallError(EBADF);
  return e.file;
}

function epollOf(t: Task, fd: number): EpollFile {
  const f = fileOf(t, fd);
  if (!(f instanceof EpollFile)) throw new SyscallError(EINVAL);
  return f;
}

function epollCreate(t: Task, flags: number): number {
  if (flags & ~E.EPOLL_CLOEXEC) throw new SyscallError(EINVAL);
  return t.allocFd(new EpollFile(0), (flags & E.EPOLL_CLOEXEC) !== 0);
}

function epollCtl(t: Task, epfd: number, op: number, fd: number, ev: number): number {
  const ep = epollOf(t, epfd);
  const file = fileOf(t, fd);
  if (file === ep) throw new SyscallError(EINVAL);
  if (!file.pollable) throw new SyscallError(EPERM);
  let events = 0;
  let data = 0n;
  if (op !== E.EPOLL_CTL_DEL) {
    if (ev === 0) throw new SyscallError(EFAULT);
    const b = t.as.read(ev, E.EPOLL_EVENT_SIZE);
    const dv = new DataView(b.buffer);
    events = dv.getUint32(0, true);
    data = dv.getBigUint64(E.EPOLL_EVENT_DATA, true);
  }
  switch (op) {
    case E.EPOLL_CTL_ADD:
      if (file instanceof EpollFile && file.contains(ep)) throw new SyscallError(ELOOP);
      ep.add(fd, file, events, data);
      return 0;
    case E.EPOLL_CTL_MOD:
      // EPOLLEXCLUSIVE may only be given at ADD (epoll_ctl(2)).
      if (events & E.EPOLLEXCLUSIVE) throw new SyscallError(EINVAL);
      ep.modify(fd, file, events, data);
      return 0;
    case E.EPOLL_CTL_DEL:
      ep.remove(fd, file);
      return 0;
  }
  throw new SyscallError(EINVAL);
}

/** epoll_wait / epoll_pwait / epoll_pwait2: `timeoutMs` < 0 waits forever. */
async function epollWait(k: Kernel, t: Task, epfd: number, events: number, max: number, timeoutMs: number): Promise<number> {
  if (max <= 0 || max > 0x7fffffff / E.EPOLL_EVENT_SIZE) throw new SyscallError(EINVAL);
  const ep = epollOf(t, epfd);
  // Let wakeups already signalled (an ET item re-arming after a write) land first.
  await Promise.resolve();
  const deadline = timeoutMs < 0 ? Infinity : k.monotonic() + timeoutMs;
  for (;;) {
    const got = ep.collect(max);
    if (got.length > 0) {
      const b = new Uint8Array(got.length * E.EPOLL_EVENT_SIZE);
      const dv = new DataView(b.buffer);
      got.forEach(([ev, data], n) => {
        dv.setUint32(n * E.EPOLL_EVENT_SIZE, ev, true);
        dv.setBigUint64(n * E.EPOLL_EVENT_SIZE + E.EPOLL_EVENT_DATA, data, true);
      });
      t.as.write(events, b);
      return got.length;
    }
    const left = deadline - k.monotonic();
    if (left <= 0) return 0;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const waits: Promise<void>[] = [ep.pollChange()];
    if (left !== Infinity) waits.push(new Promise<void>((r) => (timer = k.setTimer(r, Math.ceil(left)))));
    try {
      await interruptible(t, Promise.race(waits));
    } finally {
      if (timer !== null) k.clearTimer(timer);
    }
  }
}

/** The *pwait forms install a signal mask for the duration of the wait. */
async function withSigmask<T>(t: Task, maskAddr: number, size: number, f: () => Promise<T>): Promise<T> {
  if (maskAddr === 0) return f();
  if (size !== 8) throw new SyscallError(EINVAL);
  const old = t.sigmask;
  t.sigmask = [t.as.read32(maskAddr) & ~((1 << (S.SIGKILL - 1)) | (1 << (S.SIGSTOP - 1))), t.as.read32(maskAddr + 4)];
  try {
    return await f();
  } finally {
    t.sigmask = old;
  }
}

function eventfd(t: Task, initval: number, flags: number): number {
  if (flags & ~(E.EFD_SEMAPHORE | E.EFD_CLOEXEC | E.EFD_NONBLOCK)) throw new SyscallError(EINVAL);
  const f = new EventFd(BigInt(initval >>> 0), (flags & E.EFD_SEMAPHORE) !== 0, flags & E.EFD_NONBLOCK);
  return t.allocFd(f, (flags & E.EFD_CLOEXEC) !== 0);
}

/** The clocks timerfd_create and timer_create accept. */
function timerClock(k: Kernel, t: Task, clk: number, cpuClocks: boolean): () => number {
  switch (clk) {
    case S.CLOCK_REALTIME:
    case S.CLOCK_MONOTONIC:
    case S.CLOCK_BOOTTIME:
    case 8: // CLOCK_REALTIME_ALARM
    case 9: // CLOCK_BOOTTIME_ALARM
      return () => clockMs(k, clk);
    case S.CLOCK_PROCESS_CPUTIME_ID:
    case S.CLOCK_THREAD_CPUTIME_ID:
      // CPU-time timers expire by wall time here: a task's CPU time is its slices' wall time anyway.
      if (cpuClocks) return () => clockMs(k, S.CLOCK_MONOTONIC);
  }
  throw new SyscallError(EINVAL);
}

function timerfdCreate(k: Kernel, t: Task, clk: number, flags: number): number {
  if (flags & ~(E.TFD_CLOEXEC | E.TFD_NONBLOCK)) throw new SyscallError(EINVAL);
  const f = new TimerFd(k, timerClock(k, t, clk, false), flags & E.TFD_NONBLOCK);
  return t.allocFd(f, (flags & E.TFD_CLOEXEC) !== 0);
}

/** struct itimerspec { it_interval; it_value } with 32- or 64-bit timespecs. */
function readItimerspec(t: Task, addr: number, wide: boolean): [number, number] {
  const size = wide ? 16 : 8;
  return [readTimespecMs(t, addr + size, wide), readTimespecMs(t, addr, wide)];
}

function writeItimerspec(t: Task, addr: number, [value, interval]: [number, number], wide: boolean): void {
  if (addr === 0) return;
  writeTimespec(t, addr, interval, wide);
  writeTimespec(t, addr + (wide ? 16 : 8), value, wide);
}

/** Arm `timer` from a new itimerspec (relative, or absolute on `now`'s clock); returns the old setting. */
function settime(t: Task, timer: IntervalTimer, now: () => number, absolute: boolean, nv: number, wide: boolean, arm: (due: number, interval: number) => void): [number, number] {
  const [value, interval] = readItimerspec(t, nv, wide);
  const old = timer.remaining();
  arm(value === 0 ? 0 : absolute ? Math.max(value, 1e-6) : now() + value, interval);
  return old;
}

function timerfdOf(t: Task, fd: number): TimerFd {
  const f = fileOf(t, fd);
  if (!(f instanceof TimerFd)) throw new SyscallError(EINVAL);
  return f;
}

function timerfdSettime(t: Task, fd: number, flags: number, nv: number, ov: number, wide: boolean): number {
  const f = timerfdOf(t, fd);
  if (flags & ~(E.TFD_TIMER_ABSTIME | E.TFD_TIMER_CANCEL_ON_SET)) throw new SyscallError(EINVAL);
  const old = settime(t, f.timer, f.clock, (flags & E.TFD_TIMER_ABSTIME) !== 0, nv, wide, (due, interval) => f.set(due, interval));
  writeItimerspec(t, ov, old, wide);
  return 0;
}

// ---- POSIX timers ----

interface PosixTimer {
  timer: IntervalTimer;
  now: () => number;
  dispose: () => void;
  /** The siginfo last queued, while it is still pending (overruns count into it). */
  queued: SigInfo | null;
  overrun: number;
}

const timerTables = new WeakMap<object, Map<number, PosixTimer>>();

function timersOf(t: Task): Map<number, PosixTimer> {
  let m = timerTables.get(t.proc);
  if (!m) timerTables.set(t.proc, (m = new Map()));
  return m;
}

function timerCreate(k: Kernel, t: Task, clk: number, sevp: number, idp: number): number {
  const now = timerClock(k, t, clk, true);
  let notify = E.SIGEV_SIGNAL;
  let signo = S.SIGALRM;
  let value: number | null = null;
  let tid = 0;
  if (sevp !== 0) {
    const b = new DataView(t.as.read(sevp, 16).buffer);
    value = b.getInt32(E.SIGEV_VALUE, true);
    signo = b.getInt32(E.SIGEV_SIGNO, true);
    notify = b.getInt32(E.SIGEV_NOTIFY, true);
    tid = b.getInt32(E.SIGEV_TID, true);
  }
  // good_sigevent (kernel/time/posix-timers.c).
  let target: Task | null = null;
  if (notify === E.SIGEV_THREAD_ID) {
    const x = k.tasks.get(tid);
    if (!x || x.proc !== t.proc || x.threadExited) throw new SyscallError(EINVAL);
    target = x;
  } else if (notify !== E.SIGEV_SIGNAL && notify !== E.SIGEV_NONE && notify !== E.SIGEV_THREAD) throw new SyscallError(EINVAL);
  if (notify !== E.SIGEV_NONE && (signo <= 0 || signo > 64)) throw new SyscallError(EINVAL);
  const table = timersOf(t);
  let id = 0;
  while (table.has(id)) id++;
  const sigval = value ?? id;
  const proc = t.proc;
  const leader = t;
  const pt: PosixTimer = {
    now,
    queued: null,
    overrun: 0,
    timer: new IntervalTimer(k, now, (n) => {
      if (notify === E.SIGEV_NONE || proc.exited) return;
      const dest = target && !target.threadExited && target.state !== 2 ? target : null;
      const queue = dest ? dest.pending : proc.sharedPending;
      // Still pending from an earlier expiry: count overruns instead of queueing another (timer_getoverrun(2)).
      if (pt.queued !== null && queue.get(signo) === pt.queued) {
        pt.overrun += n;
        pt.queued.b = pt.overrun;
        return;
      }
      pt.overrun = n - 1;
      pt.queued = { code: E.SI_TIMER, a: id, b: pt.overrun, c: sigval };
      if (dest) postSignal(k, dest, signo, pt.queued);
      else signalProcess(k, [...proc.threads][0] ?? leader, signo, pt.queued);
    }),
    dispose: () => {
      pt.timer.disarm();
      table.delete(id);
    },
  };
  table.set(id, pt);
  proc.posixTimers.set(id, pt);
  try {
    t.as.write32(idp, id);
  } catch (e) {
    pt.dispose();
    proc.posixTimers.delete(id);
    throw e;
  }
  return 0;
}

function timerOf(t: Task, id: number): PosixTimer {
  const pt = timersOf(t).get(id);
  if (!pt) throw new SyscallError(EINVAL);
  return pt;
}

function timerSettime(t: Task, id: number, flags: number, nv: number, ov: number, wide: boolean): number {
  const pt = timerOf(t, id);
  if (nv === 0) throw new SyscallError(EFAULT);
  const old = settime(t, pt.timer, pt.now, (flags & E.TIMER_ABSTIME) !== 0, nv, wide, (due, interval) => pt.timer.arm(due, interval));
  writeItimerspec(t, ov, old, wide);
  return 0;
}

export const eventSyscalls: SyscallTable = {
  [N.NR_epoll_create]: (_k, t, size) => {
    if (size <= 0) throw new SyscallError(EINVAL);
    return epollCreate(t, 0);
  },
  [N.NR_epoll_create1]: (_k, t, flags) => epollCreate(t, flags),
  [N.NR_epoll_ctl]: (_k, t, epfd, op, fd, ev) => epollCtl(t, epfd, op, fd, ev),
  [N.NR_epoll_wait]: (k, t, epfd, ev, max, timeout) => epollWait(k, t, epfd, ev, max, timeout),
  [N.NR_epoll_pwait]: (k, t, epfd, ev, max, timeout, mask, size) => withSigmask(t, mask, size, () => epollWait(k, t, epfd, ev, max, timeout)),
  [N.NR_epoll_pwait2]: (k, t, epfd, ev, max, ts, mask, size) =>
    withSigmask(t, mask, size, () => epollWait(k, t, epfd, ev, max, ts === 0 ? -1 : readTimespecMs(t, ts, true))),
  [N.NR_eventfd]: (_k, t, initval) => eventfd(t, initval, 0),
  [N.NR_eventfd2]: (_k, t, initval, flags) => eventfd(t, initval, flags),
  [N.NR_timerfd_create]: (k, t, clk, flags) => timerfdCreate(k, t, clk, flags),
  [N.NR_timerfd_settime]: (_k, t, fd, flags, nv, ov) => timerfdSettime(t, fd, flags, nv, ov, false),
  [N.NR_timerfd_settime64]: (_k, t, fd, flags, nv, ov) => timerfdSettime(t, fd, flags, nv, ov, true),
  [N.NR_timerfd_gettime]: (_k, t, fd, cur) => (writeItimerspec(t, cur, timerfdOf(t, fd).timer.remaining(), false), 0),
  [N.NR_timerfd_gettime64]: (_k, t, fd, cur) => (writeItimerspec(t, cur, timerfdOf(t, fd).timer.remaining(), true), 0),
  [N.NR_timer_create]: (k, t, clk, sevp, idp) => timerCreate(k, t, clk, sevp, idp),
  [N.NR_timer_settime]: (_k, t, id, flags, nv, ov) => timerSettime(t, id, flags, nv, ov, false),
  [N.NR_timer_settime64]: (_k, t, id, flags, nv, ov) => timerSettime(t, id, flags, nv, ov, true),
  [N.NR_timer_gettime]: (_k, t, id, cur) => (writeItimerspec(t, cur, timerOf(t, id).timer.remaining(), false), 0),
  [N.NR_timer_gettime64]: (_k, t, id, cur) => (writeItimerspec(t, cur, timerOf(t, id).timer.remaining(), true), 0),
  [N.NR_timer_getoverrun]: (_k, t, id) => timerOf(t, id).overrun,
  [N.NR_timer_delete]: (_k, t, id) => {
    timerOf(t, id).dispose();
    t.proc.posixTimers.delete(id);
    return 0;
  },
};
