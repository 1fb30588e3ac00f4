import { EAGAIN, EINVAL, ESPIPE } from './abi/errno.js';
import * as S from './abi/structs.js';
import * as T from './abi/tty.js';
import type { Stat } from '../fs/types.js';
import { SyscallError } from './errors.js';
import { OpenFile, POLLIN } from './files.js';
import type { Kernel } from './kernel.js';
import { interruptible } from './signals.js';
import type { Task } from './task.js';

/**
 * signalfd(2): a descriptor that reads the caller's pending signals of a
 * mask (which the program keeps blocked) as signalfd_siginfo records, and
 * polls readable while one is pending. script(1) and systemd-style event
 * loops use it.
 */
const waiters = new WeakMap<Task, (() => void)[]>();

/** A signal was queued for `t` (signals.ts postSignal): wake its signalfd readers and pollers. */
export function signalQueued(t: Task): void {
  const w = waiters.get(t);
  if (!w) return;
  waiters.delete(t);
  for (const f of w) f();
}

function nextQueued(t: Task): Promise<void> {
  return new Promise((r) => {
    const w = waiters.get(t) ?? [];
    w.push(r);
    waiters.set(t, w);
  });
}

function inMask(mask: [number, number], sig: number): boolean {
  return sig <= 32 ? (mask[0] & (1 << (sig - 1))) !== 0 : (mask[1] & (1 << (sig - 33))) !== 0;
}

export class SignalFdFile extends OpenFile {
  constructor(private readonly k: Kernel, private readonly owner: Task, public mask: [number, number], flags: number) {
    super(flags, 'anon_inode:[signalfd]');
  }
  stat(): Stat {
    return {
      dev: 0xd, ino: 1, mode: 0o600, nlink: 1, uid: 0, gid: 0, rdev: 0, size: 0, blksize: 4096, blocks: 0,
      atimeSec: 0, atimeNsec: 0, mtimeSec: 0, mtimeNsec: 0, ctimeSec: 0, ctimeNsec: 0,
    };
  }
  override seek(): number {
    throw new SyscallError(ESPIPE);
  }
  private pendingOf(t: Task): number[] {
    return [...t.pending.keys()].filter((s) => inMask(this.mask, s)).sort((a, b) => a - b);
  }
  override pollState(): number {
    return this.pendingOf(this.owner).length > 0 ? POLLIN : 0;
  }
  override pollChange(): Promise<void> {
    return nextQueued(this.owner);
  }
  async read(len: number): Promise<Uint8Array> {
    const t = this.k.current!;
    if (len < T.SIGNALFD_SIGINFO_SIZE) throw new SyscallError(EINVAL);
    for (;;) {
      const sigs = this.pendingOf(t).slice(0, Math.floor(len / T.SIGNALFD_SIGINFO_SIZE));
      if (sigs.length > 0) {
        const out = new Uint8Array(sigs.length * T.SIGNALFD_SIGINFO_SIZE);
        const dv = new DataView(out.buffer);
        sigs.forEach((sig, n) => {
          const info = t.pending.get(sig)!;
          t.pending.delete(sig);
          const o = n * T.SIGNALFD_SIGINFO_SIZE;
          dv.setUint32(o + T.SSI_SIGNO, sig, true);
          dv.setInt32(o + T.SSI_CODE, info.code, true);
          if (sig === S.SIGSEGV || sig === S.SIGBUS || sig === S.SIGILL || sig === S.SIGFPE) dv.setUint32(o + T.SSI_ADDR, (info.a ?? 0) >>> 0, true);
          else {
            dv.setUint32(o + T.SSI_PID, (info.a ?? 0) >>> 0, true);
            dv.setUint32(o + T.SSI_UID, (info.b ?? 0) >>> 0, true);
            dv.setInt32(o + T.SSI_STATUS, info.c ?? 0, true);
          }
        });
        return out;
      }
      if (this.flags & S.O_NONBLOCK) throw new SyscallError(EAGAIN);
      await interruptible(t, nextQueued(t));
    }
  }
  write(): number {
    throw new SyscallError(EINVAL);
  }
}

/** signalfd4(fd, mask, sizemask, flags); fd -1 makes a new one, otherwise changes its mask. */
export function signalfd4(k: Kernel, t: Task, fd: number, maskAddr: number, size: number, flags: number): number {
  if (size !== 8 || flags & ~(T.SFD_CLOEXEC | T.SFD_NONBLOCK)) throw new SyscallError(EINVAL);
  // SIGKILL and SIGSTOP cannot be read this way (they are never queued for a program).
  const mask: [number, number] = [t.as.read32(maskAddr) & ~((1 << (S.SIGKILL - 1)) | (1 << (S.SIGSTOP - 1))), t.as.read32(maskAddr + 4)];
  if (fd !== -1) {
    const f = t.getFd(fd)?.file;
    if (!(f instanceof SignalFdFile)) throw new SyscallError(EINVAL);
    f.mask = mask;
    return fd;
  }
  const file = new SignalFdFile(k, t, mask, 2 /* O_RDWR */ | (flags & T.SFD_NONBLOCK));
  return t.allocFd(file, (flags & T.SFD_CLOEXEC) !== 0);
}
