import { EINTR, EINVAL } from '../abi/errno.js';
import * as S from '../abi/structs.js';
import * as N from '../abi/syscalls.js';
import { SyscallError } from '../errors.js';
import type { Kernel } from '../kernel.js';
import type { Task } from '../task.js';
import { interruptible, signalProcess } from '../signals.js';
import { SIGALRM } from '../abi/structs.js';
import type { SyscallTable } from './types.js';

/** Clocks and sleeping. Sleeps are Promises: the task parks, nothing blocks. */

/** The clock `clk` in ms; the CPU-time clocks count `t`'s time (its process's, or the thread's own). */
export function clockMs(k: Kernel, clk: number, t?: Task): number {
  switch (clk) {
    case S.CLOCK_REALTIME:
    case S.CLOCK_REALTIME_COARSE:
    case 8: // CLOCK_REALTIME_ALARM
      return k.now();
    case S.CLOCK_MONOTONIC:
    case S.CLOCK_MONOTONIC_RAW:
    case S.CLOCK_MONOTONIC_COARSE:
    case S.CLOCK_BOOTTIME:
    case 9: // CLOCK_BOOTTIME_ALARM
      return k.monotonic() - k.bootMs + 1000;
    case S.CLOCK_PROCESS_CPUTIME_ID:
      if (t === undefined) break;
      return t.proc.cpuMs() + k.runningMs(t);
    case S.CLOCK_THREAD_CPUTIME_ID:
      if (t === undefined) break;
      return t.cpuMs + k.runningMs(t);
  }
  throw new SyscallError(EINVAL);
}

/** clock_getres: 1 ns for the high-resolution clocks; a tick (Debian's HZ=250: 4 ms) for the coarse ones. */
function clockRes(clk: number): number {
  return clk === S.CLOCK_REALTIME_COARSE || clk === S.CLOCK_MONOTONIC_COARSE ? 4 : 1e-6;
}

/** Write `ms` as a struct timespec (32-bit, or 64-bit for the *_time64 calls). */
export function writeTimespec(t: Task, addr: number, ms: number, wide: boolean): void {
  const sec = Math.floor(ms / 1000);
  const nsec = Math.floor((ms - sec * 1000) * 1e6);
  if (wide) {
    const b = new Uint8Array(16);
    const dv = new DataView(b.buffer);
    dv.setBigInt64(0, BigInt(sec), true);
    dv.setBigInt64(8, BigInt(nsec), true);
    t.as.write(addr, b);
  } else {
    t.as.write32(addr, sec);
    t.as.write32(addr + 4, nsec);
  }
}

/** A struct timespec (32-bit, or 64-bit for the *_time64 calls) in ms; EINVAL if out of range. */
export function readTimespecMs(t: Task, addr: number, wide: boolean): number {
  let sec: number;
  let nsec: number;
  if (wide) {
    const dv = new DataView(t.as.read(addr, 16).buffer);
    sec = Number(dv.getBigInt64(0, true));
    nsec = Number(dv.getBigInt64(8, true));
  } else {
    sec = t.as.read32(addr);
    nsec = t.as.read32(addr + 4);
  }
  if (sec < 0 || nsec < 0 || nsec >= 1e9) throw new SyscallError(EINVAL);
  return sec * 1000 + nsec / 1e6;
}

/** An interruptible sleep of `ms`; its host timer goes when a signal ends it early. */
function sleepFor(k: Kernel, t: Task, ms: number): Promise<number> {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const done = new Promise<number>((r) => (timer = k.setTimer(() => r(0), ms)));
  return interruptible(t, done).catch((e: unknown) => {
    if (timer !== null) k.clearTimer(timer);
    throw e;
  });
}

/**
 * Sleep until `due` (monotonic ms). A signal ends the sleep early with EINTR (nanosleep(2)),
 * writing the time left to `rem` (0: none); if the call is restarted instead (the task was
 * stopped and continued), it sleeps only until the same deadline, as Linux's restart block does.
 */
function sleepUntil(k: Kernel, t: Task, due: number, rem: number, wide: boolean): Promise<number> {
  return sleepFor(k, t, due - k.monotonic()).catch((e: unknown) => {
    if (e instanceof SyscallError && e.errno === EINTR) {
      if (rem !== 0) writeTimespec(t, rem, Math.max(0, due - k.monotonic()), wide);
      t.restartBlock = () => sleepUntil(k, t, due, rem, wide);
    }
    throw e;
  });
}

function clockNanosleep(k: Kernel, t: Task, clk: number, flags: number, req: number, rem: number, wide: boolean): Promise<number> {
  const ms = readTimespecMs(t, req, wide);
  const TIMER_ABSTIME = 1;
  if (clk === S.CLOCK_THREAD_CPUTIME_ID) throw new SyscallError(EINVAL);
  if (flags & TIMER_ABSTIME) {
    // An absolute sleep is simply run again when restarted (-ERESTARTNOHAND), and has no `rem`.
    return sleepFor(k, t, ms - clockMs(k, clk, t));
  }
  clockMs(k, clk, t);
  return sleepUntil(k, t, k.monotonic() + ms, rem, wide);
}

/**
 * ITIMER_REAL (alarm, setitimer): SIGALRM from a host timer. The timer
 * belongs to the process and dies with it.
 */
function armReal(k: Kernel, t: Task, valueMs: number, intervalMs: number): [number, number] {
  const old = t.realTimer;
  const left = old ? Math.max(0, old.due - k.monotonic()) : 0;
  const oldInterval = old ? old.interval : 0;
  if (old) k.clearTimer(old.handle);
  t.realTimer = null;
  if (valueMs > 0) {
    const fire = (): void => {
      if (t.proc.exited) return;
      signalProcess(k, t, SIGALRM, { code: 0x80 /* SI_KERNEL */ });
      if (t.realTimer && t.realTimer.interval > 0) {
        t.realTimer.due = k.monotonic() + t.realTimer.interval;
        t.realTimer.handle = k.setTimer(fire, t.realTimer.interval);
      } else t.realTimer = null;
    };
    t.realTimer = { due: k.monotonic() + valueMs, interval: intervalMs, handle: k.setTimer(fire, valueMs) };
  }
  return [left, oldInterval];
}

function writeItimer(t: Task, addr: number, valueMs: number, intervalMs: number): void {
  const tv = (ms: number): [number, number] => [Math.floor(ms / 1000), Math.round((ms % 1000) * 1000)];
  const [is, iu] = tv(intervalMs);
  const [vs, vu] = tv(valueMs);
  t.as.write32(addr, is);
  t.as.write32(addr + 4, iu);
  t.as.write32(addr + 8, vs);
  t.as.write32(addr + 12, vu);
}

export const timeSyscalls: SyscallTable = {
  [N.NR_alarm]: (k, t, secs) => {
    const [left] = armReal(k, t, (secs >>> 0) * 1000, 0);
    return Math.ceil(left / 1000);
  },
  [N.NR_setitimer]: (k, t, which, nv, ov) => {
    if (which !== 0) throw new SyscallError(EINVAL); // ITIMER_VIRTUAL/PROF: not supported
    const ms = (a: number): number => t.as.read32(a) * 1000 + t.as.read32(a + 4) / 1000;
    const interval = nv ? ms(nv) : 0;
    const value = nv ? ms(nv + 8) : 0;
    const [left, oldInterval] = armReal(k, t, value, interval);
    if (ov) writeItimer(t, ov, left, oldInterval);
    return 0;
  },
  [N.NR_getitimer]: (k, t, which, cv) => {
    if (which !== 0) throw new SyscallError(EINVAL);
    const r = t.realTimer;
    writeItimer(t, cv, r ? Math.max(0, r.due - k.monotonic()) : 0, r ? r.interval : 0);
    return 0;
  },
  [N.NR_clock_gettime]: (k, t, clk, ts) => {
    writeTimespec(t, ts, clockMs(k, clk, t), false);
    return 0;
  },
  [N.NR_clock_gettime64]: (k, t, clk, ts) => {
    writeTimespec(t, ts, clockMs(k, clk, t), true);
    return 0;
  },
  [N.NR_clock_getres]: (k, t, clk, ts) => {
    clockMs(k, clk, t);
    if (ts !== 0) writeTimespec(t, ts, clockRes(clk), false);
    return 0;
  },
  [N.NR_clock_getres_time64]: (k, t, clk, ts) => {
    clockMs(k, clk, t);
    if (ts !== 0) writeTimespec(t, ts, clockRes(clk), true);
    return 0;
  },
  [N.NR_gettimeofday]: (k, t, tv, tz) => {
    const ms = k.now();
    if (tv !== 0) {
      const sec = Math.floor(ms / 1000);
      t.as.write32(tv, sec);
      t.as.write32(tv + 4, Math.floor((ms - sec * 1000) * 1000));
    }
    if (tz !== 0) {
      t.as.write32(tz, 0);
      t.as.write32(tz + 4, 0);
    }
    return 0;
  },
  [N.NR_time]: (k, t, p) => {
    const sec = Math.floor(k.now() / 1000);
    if (p !== 0) t.as.write32(p, sec);
    return sec;
  },
  [N.NR_nanosleep]: (k, t, req, rem) => sleepUntil(k, t, k.monotonic() + readTimespecMs(t, req, false), rem, false),
  [N.NR_clock_nanosleep]: (k, t, clk, flags, req, rem) => clockNanosleep(k, t, clk, flags, req, rem, false),
  [N.NR_clock_nanosleep_time64]: (k, t, clk, flags, req, rem) => clockNanosleep(k, t, clk, flags, req, rem, true),
};
