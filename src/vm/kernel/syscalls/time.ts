import { EINVAL } from '../abi/errno.js';
import * as S from '../abi/structs.js';
import * as N from '../abi/syscalls.js';
import { SyscallError } from '../errors.js';
import type { Kernel } from '../kernel.js';
import type { Task } from '../task.js';
import type { SyscallTable } from './types.js';

/** Clocks and sleeping. Sleeps are Promises: the task parks, nothing blocks. */

function clockMs(k: Kernel, clk: number): number {
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
    case S.CLOCK_PROCESS_CPUTIME_ID:
    case S.CLOCK_THREAD_CPUTIME_ID:
      return k.monotonic() - k.bootMs + 1000;
  }
  throw new SyscallError(EINVAL);
}

function writeTimespec(t: Task, addr: number, ms: number, wide: boolean): void {
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

function readTimespecMs(t: Task, addr: number, wide: boolean): number {
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

function sleep(ms: number): Promise<number> {
  return new Promise((r) => setTimeout(() => r(0), Math.max(0, Math.min(ms, 2 ** 31 - 1))));
}

function clockNanosleep(k: Kernel, t: Task, clk: number, flags: number, req: number, wide: boolean): Promise<number> {
  const ms = readTimespecMs(t, req, wide);
  const TIMER_ABSTIME = 1;
  const wait = flags & TIMER_ABSTIME ? ms - clockMs(k, clk) : ms;
  return sleep(wait);
}

export const timeSyscalls: SyscallTable = {
  [N.NR_clock_gettime]: (k, t, clk, ts) => {
    writeTimespec(t, ts, clockMs(k, clk), false);
    return 0;
  },
  [N.NR_clock_gettime64]: (k, t, clk, ts) => {
    writeTimespec(t, ts, clockMs(k, clk), true);
    return 0;
  },
  [N.NR_clock_getres]: (k, t, clk, ts) => {
    clockMs(k, clk);
    if (ts !== 0) writeTimespec(t, ts, 1e-6, false);
    return 0;
  },
  [N.NR_clock_getres_time64]: (k, t, clk, ts) => {
    clockMs(k, clk);
    if (ts !== 0) writeTimespec(t, ts, 1e-6, true);
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
  [N.NR_nanosleep]: (_k, t, req) => sleep(readTimespecMs(t, req, false)),
  [N.NR_clock_nanosleep]: (k, t, clk, flags, req) => clockNanosleep(k, t, clk, flags, req, false),
  [N.NR_clock_nanosleep_time64]: (k, t, clk, flags, req) => clockNanosleep(k, t, clk, flags, req, true),
  [N.NR_times]: (k, t, buf) => {
    const ticks = Math.floor((k.monotonic() - k.bootMs) / 10);
    if (buf !== 0) {
      t.as.write32(buf, ticks);
      t.as.write32(buf + 4, 0);
      t.as.write32(buf + 8, 0);
      t.as.write32(buf + 12, 0);
    }
    return ticks;
  },
};
