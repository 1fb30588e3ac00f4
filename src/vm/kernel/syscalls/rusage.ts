import { EINVAL } from '../abi/errno.js';
import * as E from '../abi/events.js';
import * as N from '../abi/syscalls.js';
import { SyscallError } from '../errors.js';
import type { Kernel } from '../kernel.js';
import type { Task } from '../task.js';
import type { AddressSpace } from '../../mem/address-space.js';
import type { SyscallTable } from './types.js';

/**
 * Resource usage: getrusage(2) and times(2). CPU time is the wall time of
 * each thread's scheduler slices (kernel.ts), all counted as user time (our
 * system calls run inside those slices); ru_maxrss is the largest resident
 * set seen, from the frames the address space holds.
 */

/** Clock ticks per second times(2) counts in (sysconf(_SC_CLK_TCK), AT_CLKTCK). */
const CLK_TCK = 100;

export function rssKb(as: AddressSpace): number {
  return as.residentPages() * 4;
}

function writeTimeval(dv: DataView, off: number, ms: number): void {
  const sec = Math.floor(ms / 1000);
  dv.setInt32(off, sec, true);
  dv.setInt32(off + 4, Math.floor((ms - sec * 1000) * 1000), true);
}

function getrusage(t: Task, who: number, addr: number): number {
  const p = t.proc;
  let ms: number;
  let maxrss: number;
  if (who === E.RUSAGE_SELF) {
    p.maxRssKb = Math.max(p.maxRssKb, rssKb(p.as));
    ms = p.cpuMs();
    maxrss = p.maxRssKb;
  } else if (who === E.RUSAGE_THREAD) {
    p.maxRssKb = Math.max(p.maxRssKb, rssKb(p.as));
    ms = t.cpuMs;
    maxrss = p.maxRssKb;
  } else if (who === E.RUSAGE_CHILDREN) {
    ms = p.childrenCpuMs;
    maxrss = p.childrenMaxRssKb;
  } else throw new SyscallError(EINVAL);
  const b = new Uint8Array(E.RUSAGE_SIZE);
  const dv = new DataView(b.buffer);
  writeTimeval(dv, E.RU_UTIME, ms);
  writeTimeval(dv, E.RU_STIME, 0);
  dv.setInt32(E.RU_MAXRSS, maxrss, true);
  t.as.write(addr, b);
  return 0;
}

/** Write `t`'s struct rusage for wait4 (the reaped child `c`'s usage). */
export function writeChildRusage(t: Task, c: Task, addr: number): void {
  if (addr === 0) return;
  const b = new Uint8Array(E.RUSAGE_SIZE);
  const dv = new DataView(b.buffer);
  writeTimeval(dv, E.RU_UTIME, c.proc.cpuMs() + c.proc.childrenCpuMs);
  dv.setInt32(E.RU_MAXRSS, Math.max(c.proc.maxRssKb, c.proc.childrenMaxRssKb), true);
  t.as.write(addr, b);
}

function times(k: Kernel, t: Task, buf: number): number {
  const ticks = (ms: number): number => Math.floor((ms * CLK_TCK) / 1000);
  if (buf !== 0) {
    const b = new Uint8Array(E.TMS_SIZE);
    const dv = new DataView(b.buffer);
    dv.setInt32(0, ticks(t.proc.cpuMs()), true); // tms_utime
    dv.setInt32(4, 0, true); // tms_stime
    dv.setInt32(8, ticks(t.proc.childrenCpuMs), true); // tms_cutime
    dv.setInt32(12, 0, true); // tms_cstime
    t.as.write(buf, b);
  }
  // Ticks since boot; Linux starts the count 5 minutes before 2^32 to expose wraps (INITIAL_JIFFIES): we do not.
  return ticks(k.monotonic() - k.bootMs) | 0;
}

export const rusageSyscalls: SyscallTable = {
  [N.NR_getrusage]: (_k, t, who, usage) => getrusage(t, who, usage),
  [N.NR_times]: (k, t, buf) => times(k, t, buf),
};
