import { AddressSpace } from '../mem/address-space.js';
import { STATE_BYTES } from '../mem/layout.js';
import type { Inode } from '../fs/types.js';
import type { OpenFile } from './files.js';
import type { SigInfo } from './signals.js';
import type { Tty } from './tty.js';

function closeFile(f: OpenFile): void {
  if (--f.refs === 0) f.release();
}

export interface FdEntry {
  file: OpenFile;
  cloexec: boolean;
}

export const TASK_RUNNABLE = 0;
export const TASK_BLOCKED = 1;
export const TASK_ZOMBIE = 2;

/** A process (a thread group of one thread for now). */
export class Task {
  /** CPU state while not running (the layout of mem/layout.ts's state area). */
  readonly regs = new Int32Array(STATE_BYTES >> 2);
  state = TASK_RUNNABLE;
  fds: (FdEntry | null)[] = [];
  cwdPath = '/';
  exePath = '';
  /** argv of the running program (/proc/<pid>/cmdline). */
  cmdline: string[] = [];
  umask = 0o022;
  uid = 0;
  gid = 0;
  /** Exit status as wait() reports it: (code << 8) | signal. */
  waitStatus = 0;
  exitCode = 0;
  termSignal = 0;
  coreDumped = false;
  clearChildTid = 0;
  robustList = 0;
  /** Recorded signal dispositions (handlers arrive with the signals issue). */
  readonly sigactions = new Map<number, { handler: number; flags: number; restorer: number; mask: [number, number] }>();
  sigmask: [number, number] = [0, 0];
  rlimits = new Map<number, [number, number]>();
  /** Promise of the syscall the task is blocked in. */
  blockedOn: Promise<void> | null = null;
  pgid = 0;
  sid = 0;
  /** Controlling terminal (per process, inherited by fork; setsid drops it). */
  ctty: Tty | null = null;
  /** Stopped by a job-control signal (not scheduled until SIGCONT). */
  stopped = false;
  /**
   * A stop or continue a waiting parent has not collected yet (wait4's
   * WUNTRACED / WCONTINUED): the stopping signal, or -1 for "continued".
   */
  jobReport = 0;
  /** Wakes a parent blocked in wait4 when a child changes state. */
  childWaiters: (() => void)[] = [];
  /** Pending signals and their siginfo (signals.ts). */
  readonly pending = new Map<number, SigInfo>();
  /** Set while parked in an interruptible call: a signal calls it (EINTR). */
  interrupt: (() => void) | null = null;
  /** The call in progress was cut short by a signal (its EINTR may become a restart). */
  interrupted = false;
  /** rt_sigsuspend's mask to restore once the handler has run. */
  savedMask: [number, number] | null = null;
  altStack: { sp: number; size: number } | null = null;
  /** FPU/SSE state saved across running signal handlers. */
  readonly fpuStack: Int32Array[] = [];
  /** System call number of the call in progress (for restarts). */
  syscallNr = 0;
  /**
   * Linux's restart_block: how an interrupted call carries on when it is restarted (after a stop,
   * or a signal without a handler) — e.g. a sleep with the time that was left, not its full
   * timeout. Set by the call as it is interrupted; the restart runs restart_syscall (0), which
   * calls it. Null: the restart runs the call again with its arguments (-ERESTARTSYS).
   */
  restartBlock: (() => number | Promise<number>) | null = null;
  /** ITIMER_REAL / alarm(): due time (monotonic ms), interval, host timer. */
  realTimer: { due: number; interval: number; handle: ReturnType<typeof setTimeout> } | null = null;

  constructor(
    readonly pid: number,
    public ppid: number,
    public as: AddressSpace,
    public root: Inode,
    public cwd: Inode,
  ) {}

  allocFd(file: OpenFile, cloexec: boolean, min = 0): number {
    let fd = min;
    while (fd < this.fds.length && this.fds[fd] !== null && this.fds[fd] !== undefined) fd++;
    this.installFd(fd, file, cloexec);
    return fd;
  }

  /** Point `fd` at `file` (closing what it referred to). */
  installFd(fd: number, file: OpenFile, cloexec: boolean): void {
    while (this.fds.length <= fd) this.fds.push(null);
    file.refs++;
    const old = this.fds[fd];
    this.fds[fd] = { file, cloexec };
    if (old) closeFile(old.file);
  }

  /** close(fd); false if it was not open. */
  closeFd(fd: number): boolean {
    const e = this.getFd(fd);
    if (e === null) return false;
    this.fds[fd] = null;
    closeFile(e.file);
    return true;
  }

  closeAllFds(): void {
    for (let fd = 0; fd < this.fds.length; fd++) this.closeFd(fd);
    this.fds = [];
  }

  getFd(fd: number): FdEntry | null {
    if (fd < 0 || fd >= this.fds.length) return null;
    return this.fds[fd] ?? null;
  }
}
