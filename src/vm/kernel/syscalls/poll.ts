import { EBADF, EINVAL } from '../abi/errno.js';
import * as N from '../abi/syscalls.js';
import { SyscallError } from '../errors.js';
import { POLLERR, POLLHUP, POLLIN, POLLOUT, type OpenFile } from '../files.js';
import type { Kernel } from '../kernel.js';
import { interruptible } from '../signals.js';
import type { Task } from '../task.js';
import type { SyscallTable } from './types.js';

/**
 * poll, ppoll, select, pselect6: readiness of several descriptors at once.
 * Each file reports its state (OpenFile.pollState) and a Promise for its next
 * change; the call waits on all of them (and the timeout) without blocking
 * the worker, and a signal interrupts it (EINTR).
 */
const POLLNVAL = 32;
const POLLPRI = 2;

interface Want {
  file: OpenFile | null;
  events: number;
}

function readyOf(w: Want): number {
  if (w.events === -1) return 0; // a negative fd is skipped
  if (w.file === null) return POLLNVAL;
  const s = w.file.pollState();
  return s & (w.events | POLLERR | POLLHUP);
}

async function waitAny(k: Kernel, t: Task, wants: Want[], timeoutMs: number): Promise<number[]> {
  const deadline = timeoutMs < 0 ? Infinity : performance.now() + timeoutMs;
  for (;;) {
    const got = wants.map(readyOf);
    if (got.some((r) => r !== 0) || timeoutMs === 0) return got;
    const left = deadline - performance.now();
    if (left <= 0) return got;
    const changes: Promise<unknown>[] = [];
    for (const w of wants) if (w.file) changes.push(w.file.pollChange());
    let timer: ReturnType<typeof setTimeout> | null = null;
    if (left !== Infinity) changes.push(new Promise<void>((r) => (timer = k.setTimer(r, left))));
    try {
      await interruptible(t, Promise.race(changes));
    } finally {
      if (timer !== null) k.clearTimer(timer);
    }
  }
}

function pollFds(t: Task, fds: number, n: number): Want[] {
  if (n < 0 || n > 65536) throw new SyscallError(EINVAL);
  const wants: Want[] = [];
  for (let k = 0; k < n; k++) {
    const fd = t.as.read32(fds + k * 8);
    const events = t.as.read32(fds + k * 8 + 4) & 0xffff;
    wants.push({ file: fd < 0 ? null : (t.getFd(fd)?.file ?? null), events: fd < 0 ? -1 : events });
  }
  return wants;
}

async function poll(k: Kernel, t: Task, fds: number, n: number, timeoutMs: number): Promise<number> {
  const wants = pollFds(t, fds, n);
  const got = await waitAny(k, t, wants, timeoutMs);
  let count = 0;
  for (let k = 0; k < wants.length; k++) {
    const r = got[k];
    t.as.write(fds + k * 8 + 6, new Uint8Array([r & 0xff, r >> 8]));
    if (r !== 0) count++;
  }
  return count;
}

function readTimeout(t: Task, addr: number, wide: boolean, usec: boolean): number {
  if (addr === 0) return -1;
  let sec: number;
  let frac: number;
  if (wide) {
    const dv = new DataView(t.as.read(addr, 16).buffer);
    sec = Number(dv.getBigInt64(0, true));
    frac = Number(dv.getBigInt64(8, true));
  } else {
    sec = t.as.read32(addr);
    frac = t.as.read32(addr + 4);
  }
  if (sec < 0 || frac < 0) throw new SyscallError(EINVAL);
  return sec * 1000 + (usec ? frac / 1000 : frac / 1e6);
}

async function select(k: Kernel, t: Task, n: number, rd: number, wr: number, ex: number, timeoutMs: number): Promise<number> {
  if (n < 0 || n > 1024) throw new SyscallError(EINVAL);
  const words = (n + 31) >> 5;
  const readSet = (addr: number): number[] => (addr === 0 ? new Array(words).fill(0) : Array.from({ length: words }, (_, k) => t.as.read32(addr + k * 4)));
  const r = readSet(rd);
  const w = readSet(wr);
  const e = readSet(ex);
  const wants: Want[] = [];
  const which: number[] = [];
  for (let fd = 0; fd < n; fd++) {
    const bit = 1 << (fd & 31);
    const ev = (r[fd >> 5] & bit ? POLLIN : 0) | (w[fd >> 5] & bit ? POLLOUT : 0) | (e[fd >> 5] & bit ? POLLPRI : 0);
    if (ev === 0) continue;
    const f = t.getFd(fd)?.file ?? null;
    if (f === null) throw new SyscallError(EBADF);
    wants.push({ file: f, events: ev });
    which.push(fd);
  }
  const got = await waitAny(k, t, wants, timeoutMs);
  const out = [new Array(words).fill(0), new Array(words).fill(0), new Array(words).fill(0)];
  let count = 0;
  got.forEach((g, k) => {
    const fd = which[k];
    const bit = 1 << (fd & 31);
    const ev = wants[k].events;
    if (ev & POLLIN && g & (POLLIN | POLLHUP | POLLERR)) (out[0][fd >> 5] |= bit), count++;
    if (ev & POLLOUT && g & (POLLOUT | POLLERR)) (out[1][fd >> 5] |= bit), count++;
  });
  const writeSet = (addr: number, v: number[]): void => {
    if (addr !== 0) v.forEach((x, k) => t.as.write32(addr + k * 4, x));
  };
  writeSet(rd, out[0]);
  writeSet(wr, out[1]);
  writeSet(ex, out[2]);
  return count;
}

/** ppoll/pselect6 install a signal mask for the duration of the wait. */
async function withMask<T>(t: Task, maskAddr: number, f: () => Promise<T>): Promise<T> {
  if (maskAddr === 0) return f();
  const old = t.sigmask;
  t.sigmask = [t.as.read32(maskAddr), t.as.read32(maskAddr + 4)];
  try {
    return await f();
  } finally {
    t.sigmask = old;
  }
}

export const pollSyscalls: SyscallTable = {
  [N.NR_poll]: (k: Kernel, t, fds, n, timeout) => poll(k, t, fds, n, timeout),
  [N.NR_ppoll]: (k, t, fds, n, ts, mask) => withMask(t, mask, () => poll(k, t, fds, n, readTimeout(t, ts, false, false))),
  [N.NR_ppoll_time64]: (k, t, fds, n, ts, mask) => withMask(t, mask, () => poll(k, t, fds, n, readTimeout(t, ts, true, false))),
  [N.NR__newselect]: (k, t, n, rd, wr, ex, tv) => select(k, t, n, rd, wr, ex, readTimeout(t, tv, false, true)),
  [N.NR_select]: (k, t, argp) => {
    const a = [0, 1, 2, 3, 4].map((k) => t.as.read32(argp + k * 4));
    return select(k, t, a[0], a[1], a[2], a[3], readTimeout(t, a[4], false, true));
  },
  [N.NR_pselect6]: (k, t, n, rd, wr, ex, ts, sig) =>
    withMask(t, sig === 0 ? 0 : t.as.read32(sig), () => select(k, t, n, rd, wr, ex, readTimeout(t, ts, false, false))),
  [N.NR_pselect6_time64]: (k, t, n, rd, wr, ex, ts, sig) =>
    withMask(t, sig === 0 ? 0 : t.as.read32(sig), () => select(k, t, n, rd, wr, ex, readTimeout(t, ts, true, false))),
};
