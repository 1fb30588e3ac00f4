import { EAGAIN, EINVAL, ESPIPE } from './abi/errno.js';
import * as E from './abi/events.js';
import * as S from './abi/structs.js';
import * as T from './abi/tty.js';
import type { Stat } from '../fs/types.js';
import { SyscallError } from './errors.js';
import { OpenFile, POLLIN, anonStat } from './files.js';
import { dequeueSignal, inSet, type SigInfo } from './signals.js';
import type { Task } from './task.js';

/**
 * signalfd(2): the signals of a mask (which the program keeps blocked)
 * pending for the thread that made the descriptor, or for its process, read
 * as struct signalfd_siginfo records; reading takes them off their queues,
 * as sigwaitinfo does, and the descriptor polls readable while one is
 * pending. (Linux reads the pending signals of whichever thread calls
 * read(); here they are the creating thread's.) script(1) and event loops
 * use it.
 */
let nextIno = 1;

export class SignalFdFile extends OpenFile {
  private readonly ino = nextIno++;
  constructor(private readonly owner: Task, public mask: [number, number], flags: number) {
    super(flags, 'anon_inode:[signalfd]');
  }
  override get waitsByPoll(): boolean {
    return true;
  }
  stat(): Stat {
    return anonStat(this.ino);
  }
  override seek(): number {
    throw new SyscallError(ESPIPE);
  }
  private hasPending(): boolean {
    for (const q of [this.owner.pending, this.owner.proc.sharedPending]) for (const sig of q.keys()) if (inSet(this.mask, sig)) return true;
    return false;
  }
  read(len: number): Uint8Array {
    if (len < T.SIGNALFD_SIGINFO_SIZE) throw new SyscallError(EINVAL);
    const out: Uint8Array[] = [];
    while ((out.length + 1) * T.SIGNALFD_SIGINFO_SIZE <= len) {
      const got = dequeueSignal(this.owner, this.mask);
      if (got === null) break;
      out.push(record(got[0], got[1]));
    }
    if (out.length === 0) throw new SyscallError(EAGAIN);
    const b = new Uint8Array(out.length * T.SIGNALFD_SIGINFO_SIZE);
    out.forEach((r, n) => b.set(r, n * T.SIGNALFD_SIGINFO_SIZE));
    return b;
  }
  write(): number {
    throw new SyscallError(EINVAL);
  }
  override pollState(): number {
    return this.hasPending() ? POLLIN : 0;
  }
  override pollChange(): Promise<void> {
    return this.owner.proc.signalQueue.wait();
  }
}

/** struct signalfd_siginfo from our siginfo words (their meaning depends on the signal and si_code, as in siginfo's union). */
function record(sig: number, info: SigInfo): Uint8Array {
  const b = new Uint8Array(T.SIGNALFD_SIGINFO_SIZE);
  const dv = new DataView(b.buffer);
  const a = (info.a ?? 0) >>> 0;
  const v = info.b ?? 0;
  const c = info.c ?? 0;
  dv.setUint32(T.SSI_SIGNO, sig, true);
  dv.setInt32(T.SSI_CODE, info.code, true);
  if (info.code === E.SI_TIMER) {
    dv.setUint32(E.SSI_TID, a, true);
    dv.setUint32(E.SSI_OVERRUN, v, true);
    dv.setInt32(E.SSI_INT, c, true);
    dv.setUint32(E.SSI_PTR, c >>> 0, true);
  } else if (sig === S.SIGSEGV || sig === S.SIGBUS || sig === S.SIGILL || sig === S.SIGFPE || sig === S.SIGTRAP) {
    dv.setUint32(T.SSI_ADDR, a, true);
  } else {
    dv.setUint32(T.SSI_PID, a, true);
    dv.setUint32(T.SSI_UID, v >>> 0, true);
    if (sig === S.SIGCHLD) dv.setInt32(T.SSI_STATUS, c, true);
    else {
      // sigqueue's value (si_value), for SI_QUEUE and real-time signals.
      dv.setInt32(E.SSI_INT, c, true);
      dv.setUint32(E.SSI_PTR, c >>> 0, true);
    }
  }
  return b;
}

/** signalfd4(fd, mask, sizemask, flags); fd -1 makes a new one, otherwise changes its mask. */
export function signalfd4(t: Task, fd: number, maskAddr: number, size: number, flags: number): number {
  if (size !== 8 || flags & ~(T.SFD_CLOEXEC | T.SFD_NONBLOCK)) throw new SyscallError(EINVAL);
  // SIGKILL and SIGSTOP cannot be read this way (they are never queued for a program).
  const mask: [number, number] = [t.as.read32(maskAddr) & ~((1 << (S.SIGKILL - 1)) | (1 << (S.SIGSTOP - 1))), t.as.read32(maskAddr + 4)];
  if (fd !== -1) {
    const f = t.getFd(fd)?.file;
    if (!(f instanceof SignalFdFile)) throw new SyscallError(EINVAL);
    f.mask = mask;
    return fd;
  }
  const file = new SignalFdFile(t, mask, 2 /* O_RDWR */ | (flags & T.SFD_NONBLOCK));
  return t.allocFd(file, (flags & T.SFD_CLOEXEC) !== 0);
}
