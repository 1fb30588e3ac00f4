import { EBADF, EINTR, EINVAL } from '../abi/errno.js';
import * as N from '../abi/syscalls.js';
import { SyscallError } from '../errors.js';
import { POLLERR, POLLHUP, POLLIN, POLLOUT, type OpenFile } from '../files.js';
import type { Kernel } from '../kernel.js';
import { interruptible } from '../signals.js';
import type { Task } from '../task.js';
import type { SyscallTable } from './types.js';
import { readTimespecMs, writeTimespec } from './time.js';

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

/** poll(2): restarted (after a stop), it waits only for what is left of its timeout (do_restart_poll). */
function pollUntil(k: Kernel, t: Task, fds: number, n: number, timeoutMs: number): Promise<number> {
  const due = k.monotonic() + timeoutMs;
  return poll(k, t, fds, n, timeoutMs).catch((e: unknown) => {
    if (e instanceof SyscallError && e.errno === EINTR) {
      t.restartBlock = () => pollUntil(k, t, fds, n, timeoutMs < 0 ? -1 : Math.max(0, due - k.monotonic()));
    }
    throw e;
  });
}

/**
 * select, pselect6 and ppoll with the timeout at `addr` (a timeval if `usec`, else a timespec):
 * as Linux's poll_select_finish, the time left is written back when the call returns, interrupted
 * or not, so a restarted call (-ERESTARTNOHAND) waits only for what remained.
 */
async function withTimeout(k: Kernel, t: Task, addr: number, wide: boolean, usec: boolean, f: (timeoutMs: number) => Promise<number>): Promise<number> {
  if (addr === 0) return f(-1);
  // A timeval's microseconds may exceed a second (kern_select normalises them); a timespec's may not.
  const ms = usec ? readTimeval(t, addr) : readTimespecMs(t, addr, wide);
  const due = k.monotonic() + ms;
  try {
    return await f(ms);
  } finally {
    if (ms !== 0) {
      const left = Math.max(0, due - k.monotonic());
      if (!usec) writeTimespec(t, addr, left, wide);
      else {
        const sec = Math.floor(left / 1000);
        t.as.write32(addr, sec);
        t.as.write32(addr + 4, Math.floor((left - sec * 1000) * 1000));
      }
    }
  }
}

function readTimeval(t: Task, addr: number): number {
  const sec = t.as.read32(addr);
  const usec = t.as.read32(addr + 4);
  if (sec < 0 || usec < 0) throw new SyscallError(EINVAL);
  return sec * 1000 + usec / 1000;
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
  [N.NR_poll]: (k: Kernel, t, fds, n, timeout) => pollUntil(k, t, fds, n, timeout),
  [N.NR_ppoll]: (k, t, fds, n, ts, mask) => withTimeout(k, t, ts, false, false, (ms) => withMask(t, mask, () => poll(k, t, fds, n, ms))),
  [N.NR_ppoll_time64]: (k, t, fds, n, ts, mask) => withTimeout(k, t, ts, true, false, (ms) => withMask(t, mask, () => poll(k, t, fds, n, ms))),
  [N.NR__newselect]: (k, t, n, rd, wr, ex, tv) => withTimeout(k, t, tv, false, true, (ms) => select(k, t, n, rd, wr, ex, ms)),
  [N.NR_select]: (k, t, argp) => {
    const a = [0, 1, 2, 3, 4].map((k) => t.as.read32(argp + k * 4));
    return withTimeout(k, t, a[4], false, true, (ms) => select(k, t, a[0], a[1], a[2], a[3], ms));
  },
  [N.NR_pselect6]: (k, t, n, rd, wr, ex, ts, sig) =>
    withTimeout(k, t, ts, false, false, (ms) => withMask(t, sig === 0 ? 0 : t.as.read32(sig), () => select(k, t, n, rd, wr, ex, ms))),
  [N.NR_pselect6_time64]: (k, t, n, rd, wr, ex, ts, sig) =>
    withTimeout(k, t, ts, true, false, (ms) => withMask(t, sig === 0 ? 0 : t.as.read32(sig), () => select(k, t, n, rd, wr, ex, ms))),
};
