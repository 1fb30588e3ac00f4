import type { AddressSpace } from '../mem/address-space.js';
import { STATE_BYTES } from '../mem/layout.js';
import type { Inode } from '../fs/types.js';
import { WaitQueue, type OpenFile } from './files.js';
import { releaseFileLocks, releasePosixLocks } from './locks.js';
import type { SigInfo } from './signals.js';
import { EMFILE } from './abi/errno.js';
import { RLIMIT_NOFILE } from './abi/structs.js';
import { SyscallError } from './errors.js';
import type { Tty } from './tty.js';

function closeFile(t: Task, f: OpenFile): void {
  // Closing any descriptor of a file drops the process's POSIX locks on it (fcntl(2)).
  releasePosixLocks(t, f.inode());
  if (--f.refs === 0) {
    releaseFileLocks(f);
    f.release();
  }
}

export interface FdEntry {
  file: OpenFile;
  cloexec: boolean;
}

export const TASK_RUNNABLE = 0;
export const TASK_BLOCKED = 1;
export const TASK_ZOMBIE = 2;

export interface SigAction {
  handler: number;
  flags: number;
  restorer: number;
  mask: [number, number];
}

/**
 * What the threads of one process share (clone(2) with CLONE_VM, CLONE_FS,
 * CLONE_FILES, CLONE_SIGHAND and CLONE_THREAD): memory, the fd table, cwd
 * and root, signal dispositions and the process-directed pending signals,
 * ids, limits, timers, and the exit status reported to the parent.
 */
export class Process {
  /** Thread group id: the leader's tid, what getpid() returns. */
  tgid = 0;
  /** Live threads (the leader included while it runs). */
  readonly threads = new Set<Task>();
  fds: (FdEntry | null)[] = [];
  cwdPath = '/';
  exePath = '';
  /** argv of the running program (/proc/<pid>/cmdline). */
  cmdline: string[] = [];
  /** envp of the running program (/proc/<pid>/environ). */
  environ: string[] = [];
  /** Monotonic ms at which the process was created (/proc/<pid>/stat starttime). */
  startMs = 0;
  umask = 0o022;
  /** Real ids (credentials(7)); the effective ids decide permissions, the saved ones what setuid may return to. */
  uid = 0;
  gid = 0;
  euid = 0;
  egid = 0;
  suid = 0;
  sgid = 0;
  /** Supplementary groups (getgroups(2)). */
  groups: number[] = [];
  ppid: number;
  pgid = 0;
  sid = 0;
  /** Exit status as wait() reports it: (code << 8) | signal. */
  waitStatus = 0;
  exitCode = 0;
  termSignal = 0;
  coreDumped = false;
  /** Controlling terminal (per process, inherited by fork; setsid drops it). */
  ctty: Tty | null = null;
  /** Stopped by a job-control signal (no thread is scheduled until SIGCONT). */
  stopped = false;
  /**
   * A stop or continue a waiting parent has not collected yet (wait4's
   * WUNTRACED / WCONTINUED): the stopping signal, or -1 for "continued".
   */
  jobReport = 0;
  /** Every thread has exited (the leader is a zombie, or reaped). */
  exited = false;
  /** exit_group() or a fatal signal is taking every thread down. */
  groupExiting = false;
  readonly sigactions = new Map<number, SigAction>();
  /** Process-directed pending signals (kill(2)); any thread not blocking them takes them. */
  readonly sharedPending = new Map<number, SigInfo>();
  rlimits = new Map<number, [number, number]>();
  /** Wakes a thread blocked in wait4 when a child changes state. */
  childWaiters: (() => void)[] = [];
  /** ITIMER_REAL / alarm(): due time (monotonic ms), interval, host timer. */
  realTimer: { due: number; interval: number; handle: ReturnType<typeof setTimeout> } | null = null;
  /** POSIX timers (timer_create), by id; `dispose` cancels one. */
  readonly posixTimers = new Map<number, { dispose: () => void }>();
  /** Woken whenever a signal is queued for the process or one of its threads (signalfd's readiness). */
  readonly signalQueue = new WaitQueue();
  /** CLONE_VFORK: resumes the parent when this child execs or exits (then cleared). */
  vforkDone: (() => void) | null = null;
  /** prctl(PR_SET_PDEATHSIG): signal sent when the parent exits. */
  pdeathSig = 0;
  dumpable = 1;
  /** CPU time (ms) of threads that have exited, and of reaped children (RUSAGE_CHILDREN). */
  deadThreadsCpuMs = 0;
  childrenCpuMs = 0;
  /** Largest resident set seen, in KiB (ru_maxrss). */
  maxRssKb = 0;
  childrenMaxRssKb = 0;

  constructor(public as: AddressSpace, public root: Inode, public cwd: Inode, ppid: number) {
    this.ppid = ppid;
  }

  /** CPU time of the whole process so far, in ms. */
  cpuMs(): number {
    let ms = this.deadThreadsCpuMs;
    for (const t of this.threads) ms += t.cpuMs;
    return ms;
  }
}

/**
 * A thread (a task the scheduler runs). `pid` is its thread id; the process
 * it belongs to (`proc`) is shared with its sibling threads, and the
 * process-wide fields below forward there, so single-threaded code reads as
 * before.
 */
export class Task {
  /** CPU state while not running (the layout of mem/layout.ts's state area). */
  readonly regs = new Int32Array(STATE_BYTES >> 2);
  state = TASK_RUNNABLE;
  /** This thread has called exit() but is the leader of a process whose other threads still run. */
  threadExited = false;
  clearChildTid = 0;
  robustList = 0;
  robustListLen = 0;
  /** Thread name (prctl PR_SET_NAME, /proc/<pid>/comm): the program's base name at exec. */
  comm = '';
  sigmask: [number, number] = [0, 0];
  /** Promise of the syscall the task is blocked in. */
  blockedOn: Promise<void> | null = null;
  /** Pending thread-directed signals and their siginfo (signals.ts). */
  readonly pending = new Map<number, SigInfo>();
  /** Set while parked in an interruptible call: a signal calls it (EINTR). */
  interrupt: (() => void) | null = null;
  /** Set while in rt_sigtimedwait: the signals waited for, and how to wake the waiter. */
  sigWait: { set: [number, number]; wake: () => void } | null = null;
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
  /** CPU time this thread has used, in ms (wall time of its slices). */
  cpuMs = 0;
  readonly proc: Process;

  constructor(
    public pid: number,
    ppid: number,
    as: AddressSpace,
    root: Inode,
    cwd: Inode,
    proc?: Process,
  ) {
    this.proc = proc ?? new Process(as, root, cwd, ppid);
    if (!proc) this.proc.tgid = pid;
    this.proc.threads.add(this);
  }

  /** Thread group id: the pid getpid() reports (the leader's tid). */
  get tgid(): number {
    return this.proc.tgid;
  }

  get isLeader(): boolean {
    return this.pid === this.tgid;
  }

  // Process-wide state, shared by the threads of a process.
  get as(): AddressSpace { return this.proc.as; }
  set as(v: AddressSpace) { this.proc.as = v; }
  get root(): Inode { return this.proc.root; }
  set root(v: Inode) { this.proc.root = v; }
  get cwd(): Inode { return this.proc.cwd; }
  set cwd(v: Inode) { this.proc.cwd = v; }
  get fds(): (FdEntry | null)[] { return this.proc.fds; }
  set fds(v: (FdEntry | null)[]) { this.proc.fds = v; }
  get cwdPath(): string { return this.proc.cwdPath; }
  set cwdPath(v: string) { this.proc.cwdPath = v; }
  get exePath(): string { return this.proc.exePath; }
  set exePath(v: string) { this.proc.exePath = v; }
  get cmdline(): string[] { return this.proc.cmdline; }
  set cmdline(v: string[]) { this.proc.cmdline = v; }
  get umask(): number { return this.proc.umask; }
  set umask(v: number) { this.proc.umask = v; }
  get environ(): string[] { return this.proc.environ; }
  set environ(v: string[]) { this.proc.environ = v; }
  get startMs(): number { return this.proc.startMs; }
  set startMs(v: number) { this.proc.startMs = v; }
  get euid(): number { return this.proc.euid; }
  set euid(v: number) { this.proc.euid = v; }
  get egid(): number { return this.proc.egid; }
  set egid(v: number) { this.proc.egid = v; }
  get suid(): number { return this.proc.suid; }
  set suid(v: number) { this.proc.suid = v; }
  get sgid(): number { return this.proc.sgid; }
  set sgid(v: number) { this.proc.sgid = v; }
  get groups(): number[] { return this.proc.groups; }
  set groups(v: number[]) { this.proc.groups = v; }
  get uid(): number { return this.proc.uid; }
  set uid(v: number) { this.proc.uid = v; }
  get gid(): number { return this.proc.gid; }
  set gid(v: number) { this.proc.gid = v; }
  get ppid(): number { return this.proc.ppid; }
  set ppid(v: number) { this.proc.ppid = v; }
  get pgid(): number { return this.proc.pgid; }
  set pgid(v: number) { this.proc.pgid = v; }
  get sid(): number { return this.proc.sid; }
  set sid(v: number) { this.proc.sid = v; }
  get waitStatus(): number { return this.proc.waitStatus; }
  set waitStatus(v: number) { this.proc.waitStatus = v; }
  get exitCode(): number { return this.proc.exitCode; }
  set exitCode(v: number) { this.proc.exitCode = v; }
  get termSignal(): number { return this.proc.termSignal; }
  set termSignal(v: number) { this.proc.termSignal = v; }
  get coreDumped(): boolean { return this.proc.coreDumped; }
  set coreDumped(v: boolean) { this.proc.coreDumped = v; }
  get sigactions(): Map<number, SigAction> { return this.proc.sigactions; }
  get rlimits(): Map<number, [number, number]> { return this.proc.rlimits; }
  set rlimits(v: Map<number, [number, number]>) { this.proc.rlimits = v; }
  get childWaiters(): (() => void)[] { return this.proc.childWaiters; }
  set childWaiters(v: (() => void)[]) { this.proc.childWaiters = v; }
  get realTimer(): Process['realTimer'] { return this.proc.realTimer; }
  set realTimer(v: Process['realTimer']) { this.proc.realTimer = v; }
  get ctty(): Tty | null { return this.proc.ctty; }
  set ctty(v: Tty | null) { this.proc.ctty = v; }
  get stopped(): boolean { return this.proc.stopped; }
  set stopped(v: boolean) { this.proc.stopped = v; }
  get jobReport(): number { return this.proc.jobReport; }
  set jobReport(v: number) { this.proc.jobReport = v; }

  /** RLIMIT_NOFILE's soft limit: descriptors are numbered below it (EMFILE past it). */
  fdLimit(): number {
    return this.rlimits.get(RLIMIT_NOFILE)?.[0] ?? 1024;
  }

  allocFd(file: OpenFile, cloexec: boolean, min = 0): number {
    let fd = min;
    while (fd < this.fds.length && this.fds[fd] !== null && this.fds[fd] !== undefined) fd++;
    if (fd >= this.fdLimit()) throw new SyscallError(EMFILE);
    this.installFd(fd, file, cloexec);
    return fd;
  }

  /** Point `fd` at `file` (closing what it referred to). */
  installFd(fd: number, file: OpenFile, cloexec: boolean): void {
    while (this.fds.length <= fd) this.fds.push(null);
    file.refs++;
    const old = this.fds[fd];
    this.fds[fd] = { file, cloexec };
    if (old) closeFile(this, old.file);
  }

  /** close(fd); false if it was not open. */
  closeFd(fd: number): boolean {
    const e = this.getFd(fd);
    if (e === null) return false;
    this.fds[fd] = null;
    closeFile(this, e.file);
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
