import { Cpu, RUN_BUDGET, RUN_FAULT, STOP_YIELD, type InterruptHost } from '../cpu/cpu.js';
import { MAY_EXEC, permits, searchCheck } from './perm.js';
import { AddressSpace } from '../mem/address-space.js';
import { CpuFault, FaultKind, Vector } from '../mem/fault.js';
import { R_EAX, S_EIP, S_FLAGS, S_SEG_SEL, SEG_CS, STATE_BYTES, USER_CS, USER_DS } from '../mem/layout.js';
import { resetSseState } from '../cpu/sse-state.js';
import { PhysicalMemory } from '../mem/phys.js';
import { Tlb } from '../mem/tlb.js';
import { FsError, S_IFDIR, S_IFMT, S_IFREG, type FileSystem, type Inode } from '../fs/types.js';
import { Mounts, resolve } from '../fs/path.js';
import { DevFs } from '../fs/devfs.js';
import { ProcFs } from './procfs.js';
import { mountTmpfs } from './tmpfs-mounts.js';
import { flushAllShared } from './page-cache.js';
import { residentPages } from './procfs-text.js';
import { EACCES, EAGAIN, EFAULT, EINTR, EIO, ENOSPC, ENOSYS } from './abi/errno.js';
import { RLIMIT_NPROC } from './abi/structs.js';
import { StorageError } from '../storage/errors.js';
import { SYSCALL_NAMES } from './abi/syscalls.js';
import { CLD_DUMPED, CLD_EXITED, CLD_KILLED, SA_RESTART, SEGV_ACCERR, SEGV_MAPERR, SIGCHLD, SIGFPE, SIGILL, SIGKILL, SIGSEGV, SIGTRAP } from './abi/structs.js';
import type { Console } from './console.js';
import { buildStack, loadElf, parseElf } from './elf.js';
import { isNeedsPage, loadExecutable, stackBytes, parkForPage, retrySyscallAfterPage } from './exec.js';
import { SyscallError, VmError } from './errors.js';
import { ConsoleFile, type OpenFile } from './files.js';
import { SYSCALLS } from './syscalls/table.js';
import { Task, TASK_BLOCKED, TASK_RUNNABLE, TASK_ZOMBIE } from './task.js';
import { futexWake } from './syscalls/futex.js';
import { rssKb } from './syscalls/rusage.js';
import { deliverPending, hasDeliverable, isBlocked, postSignal, signalProcess } from './signals.js';
import { releaseRobustList } from './syscalls/futex.js';
import { NR_futex, NR_futex_time64, NR_ioctl, NR_open, NR_openat, NR_read, NR_readv, NR_restart_syscall, NR_wait4, NR_waitid, NR_waitpid, NR_write, NR_writev } from './abi/syscalls.js';
import { jobControlExit, signalGroup } from './job-control.js';
import { Tty } from './tty.js';
import { PtyTable, TtyFile } from './tty-file.js';
import { FifoTable } from './fifo.js';
import type { TerminalHost, TerminalInput } from './terminal.js';

/** Calls restarted after a handler with SA_RESTART (signal(7) "Interruption of system calls"). */
// open(2) waits when it opens a FIFO.
const RESTARTABLE = new Set([NR_open, NR_openat, NR_read, NR_readv, NR_wait4, NR_waitpid, NR_waitid, NR_write, NR_writev, NR_ioctl, NR_futex, NR_futex_time64]);

/**
 * Whether the interrupted call in `regs` restarts after an SA_RESTART handler.
 * A futex wait with a timeout answers -ERESTART_RESTARTBLOCK, which becomes
 * EINTR whenever a handler runs (kernel/futex/waitwake.c, arch/x86/kernel/signal.c).
 */
function restartsAfterHandler(nr: number, regs: Int32Array): boolean {
  if (!RESTARTABLE.has(nr)) return false;
  if (nr === NR_futex || nr === NR_futex_time64) return regs[6] === 0;
  return true;
}

/**
 * After a call was interrupted: a handler about to run decides (SA_RESTART, for the calls signal(7)
 * lists); with no handler (the task was stopped, or the signal was ignored meanwhile) the call is
 * restarted transparently, as Linux's -ERESTARTSYS does.
 */
function restartRequested(t: Task, regs: Int32Array): boolean {
  for (const sig of [...t.pending.keys(), ...t.proc.sharedPending.keys()]) {
    const a = t.sigactions.get(sig);
    if (a && a.handler > 1 && !isBlocked(t, sig)) return (a.flags & SA_RESTART) !== 0 && restartsAfterHandler(t.syscallNr, regs);
  }
  // Only an EINTR a signal caused (not one a failing call reports).
  return t.interrupted || t.stopped;
}

export interface KernelOptions {
  memoryMb: number;
  root: FileSystem;
  console: Console;
  /** Called with diagnostics when tracing (unknown syscalls, once each). */
  trace?: ((line: string) => void) | null;
  /** Wall clock in ms since the epoch. */
  now?: () => number;
  /** Monotonic clock in ms. */
  monotonic?: () => number;
  random?: (buf: Uint8Array) => void;
  /** Task limit (default: 2 per MiB of guest memory, 64 to 4096). */
  maxTasks?: number;
  /** Credentials of the first process (default root). */
  uid?: number;
  gid?: number;
  /**
   * Make every change so far durable (a PersistentDisk's commit): sync,
   * syncfs, fsync and fdatasync wait for it. Rejects with a StorageError
   * ('quota' → ENOSPC, anything else → EIO, as Linux reports writeback errors).
   */
  commit?: () => Promise<void>;
}

/** How kernel.spawn() sets up the new process beyond its program. */
export interface SpawnOptions {
  /**
   * Open files for fds 0, 1 and 2 (pipes a host reads, say). Absent: the
   * console. Each gets one reference from the new task.
   */
  stdio?: [OpenFile, OpenFile, OpenFile];
  /** Credentials (the element's `user` attribute). Default 0:0. */
  uid?: number;
  gid?: number;
}

export interface ExitInfo {
  /** Exit code when exited normally. */
  code: number;
  /** Terminating signal, 0 if exited normally. */
  signal: number;
  /** Shell-style status: code, or 128 + signal. */
  status: number;
}

/**
 * Instructions a task runs before the scheduler looks around: adapted so a
 * slice lasts about 1–4 ms whatever the tier runs (the interpreter runs
 * tens of millions of instructions a second, compiled code ten times more;
 * a fixed count made the scheduler's own work 5% of a compiled loop).
 */
const SLICE_MIN = 50_000;
const SLICE_MAX = 8_000_000;
const SLICE_START = 200_000;
/** Milliseconds of guest execution before yielding to the host event loop. */
const YIELD_MS = 8;

const yieldToHost: () => Promise<void> =
  typeof setImmediate === 'function'
    ? () => new Promise((r) => setImmediate(r))
    : () => new Promise((r) => setTimeout(r, 0));

/**
 * The kernel: tasks, the scheduler that time-slices them on the one CPU,
 * system-call dispatch (handlers may return Promises: DESIGN.md decision 5)
 * and the turning of CPU faults into signals.
 */
export class Kernel implements InterruptHost {
  readonly phys: PhysicalMemory;
  readonly tlb: Tlb;
  readonly cpu: Cpu;
  readonly tasks = new Map<number, Task>();
  current: Task | null = null;
  /** Task whose registers are in the CPU's state area. */
  private loaded: Task | null = null;
  private nextPid = 1;
  private readonly traced = new Set<number>();
  readonly now: () => number;
  readonly monotonic: () => number;
  readonly random: (buf: Uint8Array) => void;
  readonly bootMs: number;
  rootInode!: Inode;
  stopped = false;
  /**
   * The base image failed under the VM (server gone after retries, image
   * changed): run() ends with this StorageError, so the host reports its
   * type, rather than guest processes dying of SIGBUS/EIO one by one.
   */
  private storageFailure: StorageError | null = null;

  /** Stop the VM with a storage failure (see storageFailure). */
  failStorage(e: StorageError): void {
    this.storageFailure ??= e;
  }
  /** Filesystems mounted over directories of the root (devfs on /dev…). */
  readonly mounts = new Mounts();
  procfs: ProcFs | null = null;
  /** Mounts made after the root, devfs and proc (tmpfs…), for /proc/mounts and mountinfo. */
  readonly mountLines: { source: string; target: string; type: string; opts: string; dev: number }[] = [];
  /** uname(2)'s node and domain names (sethostname(2), setdomainname(2)). */
  readonly uts = { nodename: 'web-vm', domainname: '(none)' };
  /** Most tasks alive at once: fork past it is EAGAIN, so a fork bomb cannot take the VM down. */
  readonly maxTasks: number;
  /** The console terminal, once a host attached one (attachTerminal). */
  consoleTty: Tty | null = null;
  /** Pseudo-terminals (/dev/pts). */
  readonly ptys = new PtyTable();
  /** Named pipes open now, by filesystem and inode. */
  readonly fifos = new FifoTable();
  /** Wakes the scheduler when it idles with every task blocked or stopped. */
  private idleWake: (() => void) | null = null;

  constructor(readonly opts: KernelOptions) {
    this.phys = new PhysicalMemory(opts.memoryMb);
    this.tlb = new Tlb(this.phys);
    this.cpu = new Cpu(this.phys);
    this.cpu.host = this;
    // CLOCK_REALTIME with the resolution of the monotonic clock, not Date.now()'s whole
    // milliseconds: programs take the difference of two gettimeofday() calls made microseconds
    // apart, and a millisecond tick between them must not read as a millisecond gone (vim's
    // inchar_loop then turns a zero wait into an endless one, eating typed keys).
    this.now = opts.now ?? (() => performance.timeOrigin + performance.now());
    this.monotonic = opts.monotonic ?? (() => performance.now());
    this.random = opts.random ?? ((b) => crypto.getRandomValues(b));
    this.bootMs = this.monotonic();
    this.maxTasks = opts.maxTasks ?? Math.max(64, Math.min(4096, opts.memoryMb * 2));
  }

  get console(): Console {
    return this.opts.console;
  }

  trace(line: string): void {
    if (this.opts.trace) this.opts.trace(line);
  }

  /**
   * devfs on /dev, procfs on /proc and the tmpfs mounts, where the image has
   * the directories; idempotent. spawn() does it; a host that touches files
   * before the first process (the element's writeFile) calls it first.
   */
  async mountFilesystems(): Promise<void> {
    this.rootInode = await this.opts.root.root();
    // devfs on /dev when the image has the directory (as Debian's does).
    try {
      const devDir = await resolve(this.rootInode, this.rootInode, '/dev', { followLast: true });
      if ((devDir.mode & S_IFMT) === S_IFDIR && this.mounts.mountedOn(devDir) === undefined) {
        const devfs = new DevFs(Math.floor(this.now() / 1000));
        devfs.ptys = this.ptys;
        this.mounts.mount(devDir, await devfs.root());
      }
    } catch {
      // No /dev in the image: programs see none, as on a system without devtmpfs.
    }
    try {
      const procDir = await resolve(this.rootInode, this.rootInode, '/proc', { followLast: true });
      if ((procDir.mode & S_IFMT) === S_IFDIR && this.mounts.mountedOn(procDir) === undefined) {
        this.procfs = new ProcFs(this);
        this.mounts.mount(procDir, await this.procfs.root());
      }
    } catch {
      // No /proc directory in the image.
    }
    await mountTmpfs(this);
  }

  /**
   * Create a process with no parent running `path` (resolved in the image):
   * the first one, or another started by the host (a second command next to
   * a shell, whose status the host collects with run()).
   */
  async spawn(path: string, argv: string[], envp: string[], cwdPath = '/', opts: SpawnOptions = {}): Promise<Task> {
    await this.mountFilesystems();
    let cwd: Inode;
    try {
      cwd = await resolve(this.rootInode, this.rootInode, cwdPath, { followLast: true, mounts: this.mounts });
    } catch (e) {
      if (e instanceof StorageError) throw e;
      throw new VmError('not-found', `web-vm: cannot change directory to ${cwdPath}: ${errText(e)}`, 125);
    }
    if ((cwd.mode & S_IFMT) !== S_IFDIR) throw new VmError('not-found', `web-vm: ${cwdPath}: Not a directory`, 125);
    const as = new AddressSpace(this.phys, this.tlb);
    const t = new Task(this.nextPid++, 0, as, this.rootInode, cwd);
    t.startMs = this.monotonic();
    t.cwdPath = cwdPath;
    t.uid = t.euid = t.suid = opts.uid ?? this.opts.uid ?? 0;
    t.gid = t.egid = t.sgid = opts.gid ?? this.opts.gid ?? 0;
    t.pgid = t.pid;
    t.sid = t.pid;
    if (opts.stdio) for (let fd = 0; fd < 3; fd++) t.installFd(fd, opts.stdio[fd]!, false);
    else this.installConsoleStdio(t);
    await this.exec(t, path, argv, envp, true);
    this.tasks.set(t.pid, t);
    return t;
  }

  /**
   * fds 0/1/2 of a first process: the console terminal when one is attached
   * (also its controlling terminal, the process leading the foreground group
   * of its session, as after login), else the Console's streams.
   */
  private installConsoleStdio(t: Task): void {
    const tty = this.consoleTty;
    if (tty !== null) {
      const f = new TtyFile(this, tty, 2 /* O_RDWR */, '/dev/console', null);
      for (let fd = 0; fd < 3; fd++) t.installFd(fd, f, false);
      t.ctty = tty;
      tty.session = t.sid;
      tty.pgrp = t.pgid;
      return;
    }
    const con = this.opts.console;
    t.installFd(0, new ConsoleFile(con, 0, 0), false);
    t.installFd(1, new ConsoleFile(con, 1, 1), false);
    t.installFd(2, new ConsoleFile(con, 2, 1), false);
  }

  /** Hooks a tty uses to reach processes and timers. */
  readonly ttyHooks = {
    signalGroup: (pgrp: number, sig: number): void => {
      signalGroup(this, pgrp, sig);
      this.wakeScheduler();
    },
    setTimer: (fn: () => void, ms: number): unknown => this.setTimer(fn, ms),
    clearTimer: (h: unknown): void => this.clearTimer(h as ReturnType<typeof setTimeout>),
  };

  /**
   * Attach the host's terminal as the console tty (/dev/console, and
   * /dev/tty for its session). Processes spawned afterwards get it as their
   * stdio and controlling terminal. Returns where the host sends keystrokes
   * and size changes.
   */
  attachTerminal(host: TerminalHost): TerminalInput {
    const tty = new Tty('console', this.ttyHooks, (d) => host.output(d), host.rows, host.cols);
    this.consoleTty = tty;
    return {
      input: (data) => tty.input(data),
      resize: (rows, cols) => tty.resize(rows, cols),
    };
  }

  /** Let an idle scheduler look again (a task was continued, a terminal signalled). */
  wakeScheduler(): void {
    const w = this.idleWake;
    this.idleWake = null;
    if (w) w();
  }

  /**
   * Replace `t`'s program. First-process errors are VmErrors with a shell's
   * wording; from execve they become errnos.
   */
  async exec(t: Task, path: string, argv: string[], envp: string[], first: boolean): Promise<void> {
    let ino: Inode;
    try {
      ino = await resolve(t.root, t.cwd, path, { followLast: true, mounts: this.mounts, caller: t.tgid, checkSearch: searchCheck(t) });
    } catch (e) {
      if (e instanceof StorageError) throw e; // the image failed, not the path
      if (first) throw new VmError('not-found', `web-vm: ${path}: ${errText(e)}`, 127);
      throw e;
    }
    if ((ino.mode & S_IFMT) !== S_IFREG) {
      if (first) throw new VmError('permission', `web-vm: ${path}: ${(ino.mode & S_IFMT) === S_IFDIR ? 'Is a directory' : 'Permission denied'}`, 126);
      throw new SyscallError(EACCES);
    }
    if (!permits(t, ino, MAY_EXEC)) {
      if (first) throw new VmError('permission', `web-vm: ${path}: Permission denied`, 126);
      throw new SyscallError(EACCES);
    }
    // Program and interpreter (PT_INTERP) become file-backed mappings read on first touch (exec.ts).
    // busybox re-executes itself through /proc/self/exe: keep naming the real file.
    const viaProc = /^\/proc\/(self|\d+)\/exe$/.exec(path);
    const from = viaProc ? (viaProc[1] === 'self' ? t : this.tasks.get(Number(viaProc[1]))) : undefined;
    const exePath = from ? from.exePath : absolutePath(t.cwdPath, path);
    const { as, img } = await loadExecutable(t, ino, from ? exePath : path, first);
    // Past the point of no return: the other threads die, and a non-leader takes over the pid (de_thread).
    if (!first) this.deThread(t);
    const random = new Uint8Array(16);
    this.random(random);
    const sp = buildStack(as, img, { argv, envp, execfn: path, uid: t.uid, gid: t.gid, euid: t.euid, egid: t.egid, random, stackSize: stackBytes(t) });
    if (this.loaded === t) this.loaded = null;
    const old = t.as;
    if (this.cpu.as === old) this.cpu.setAddressSpace(as);
    if (old !== as && !first) this.releaseVm(old);
    t.as = as;
    t.exePath = exePath;
    t.cmdline = argv.slice();
    t.environ = envp.slice();
    // A vfork parent resumes once its child has its own memory (vfork(2)).
    t.proc.vforkDone?.();
    t.comm = exePath.slice(exePath.lastIndexOf('/') + 1).slice(0, 15);
    // execve(2): handled signals revert to the default, the alternate stack, robust list,
    // clear-tid word and POSIX timers are gone; ignored signals, the mask and pending ones stay.
    for (const [sig, a] of t.sigactions) if (a.handler > 1) t.sigactions.delete(sig);
    t.altStack = null;
    t.fpuStack.length = 0;
    t.clearChildTid = 0;
    t.robustList = 0;
    for (const x of t.proc.posixTimers.values()) x.dispose();
    t.proc.posixTimers.clear();
    const r = t.regs;
    r.fill(0);
    r[4] = sp;
    r[S_EIP] = img.entry;
    r[S_FLAGS] = 0x202;
    resetSseState(r);
    for (let k = 0; k < 6; k++) r[S_SEG_SEL + k] = k === SEG_CS ? USER_CS : k === 4 || k === 5 ? 0 : USER_DS;
    for (const [n, e] of t.fds.entries()) if (e && e.cloexec) t.closeFd(n);
    // execve(2): caught signals revert to their default action (ignored ones stay ignored), and
    // the alternate signal stack is gone with the old memory.
    for (const [sig, a] of t.sigactions) if (a.handler > 1) t.sigactions.delete(sig);
    t.altStack = null;
    t.fpuStack.length = 0;
  }

  /** Run the scheduler until `main` exits. */
  async run(main: Task): Promise<ExitInfo> {
    let sliceStart = this.monotonic();
    // The process, not its first thread: the leader may exit before the others, or be replaced by exec.
    const proc = main.proc;
    while (!proc.exited) {
      if (this.stopped) throw new VmError('internal', 'the VM was stopped');
      if (this.storageFailure !== null) throw this.storageFailure;
      const t = this.pickRunnable();
      if (t === null) {
        const waits: Promise<void>[] = [];
        for (const x of this.tasks.values()) if (x.state === TASK_BLOCKED && x.blockedOn) waits.push(x.blockedOn);
        // Stopped tasks wait for a SIGCONT, which only a terminal's keys or a host can still send.
        if (waits.length === 0 && this.consoleTty === null) throw new VmError('internal', 'deadlock: every task is blocked with nothing to wait for');
        waits.push(new Promise<void>((r) => (this.idleWake = r)));
        await Promise.race(waits);
        this.idleWake = null;
        sliceStart = this.monotonic();
        continue;
      }
      this.switchTo(t);
      // Signals are acted on on the way back to user mode.
      if ((t.pending.size !== 0 || t.proc.sharedPending.size !== 0) && (deliverPending(this, t), t.state !== TASK_RUNNABLE || t.stopped)) continue;
      const began = (this.sliceBegan = this.monotonic());
      const r = this.cpu.run(this.slice);
      if (r === RUN_FAULT) this.handleFault(t, this.cpu.fault!);
      const ended = this.monotonic();
      if (r === RUN_BUDGET) {
        // A slice that ran its whole budget: aim the next at 1–4 ms.
        if (ended - began < 1 && this.slice < SLICE_MAX) this.slice *= 2;
        else if (ended - began > 4 && this.slice > SLICE_MIN) this.slice >>= 1;
      }
      // CPU time per thread (getrusage, times, CLOCK_*_CPUTIME_ID): the wall time of its slices.
      t.cpuMs += ended - began;
      this.sliceBegan = -1;
      if (ended - sliceStart > YIELD_MS) {
        await yieldToHost();
        sliceStart = this.monotonic();
      }
    }
    return { code: proc.exitCode, signal: proc.termSignal, status: proc.termSignal ? 128 + proc.termSignal : proc.exitCode };
  }

  /** Instructions in the next slice (SLICE_MIN–SLICE_MAX). */
  private slice = SLICE_START;

  /** When the running slice began (monotonic ms), -1 between slices. */
  private sliceBegan = -1;

  /** CPU time `t` has used in the slice running now (not yet in t.cpuMs). */
  runningMs(t: Task): number {
    return this.current === t && this.sliceBegan >= 0 ? this.monotonic() - this.sliceBegan : 0;
  }

  private rr = 0;
  private pickRunnable(): Task | null {
    // Round-robin over runnable tasks, starting after the last one picked.
    const list = [...this.tasks.values()];
    for (let k = 0; k < list.length; k++) {
      const t = list[(this.rr + k) % list.length];
      if (t.state === TASK_RUNNABLE && !t.stopped) {
        this.rr = (this.rr + k + 1) % list.length;
        return t;
      }
    }
    return null;
  }

  private switchTo(t: Task): void {
    this.current = t;
    if (this.loaded === t) return;
    const s = this.cpu.s;
    if (this.loaded !== null) this.loaded.regs.set(s.subarray(0, STATE_BYTES >> 2));
    s.set(t.regs);
    this.loaded = t;
    this.cpu.setAddressSpace(t.as);
  }

  /** Registers of `t`, wherever they currently live. */
  regsOf(t: Task): Int32Array {
    return this.loaded === t ? this.cpu.s : t.regs;
  }

  // ---- system calls ----

  interrupt(cpu: Cpu, _vector: number): void {
    const t = this.current!;
    const s = cpu.s;
    const nr = s[R_EAX];
    t.syscallNr = nr;
    // /proc/self names the caller. (Two tasks resolving /proc/self across an
    // await of each other's calls could see the other's pid: rare, accepted.)
    if (this.procfs !== null) this.procfs.currentPid = t.tgid;
    const h = SYSCALLS[nr];
    let r: number | Promise<number>;
    if (h === undefined) {
      if (!this.traced.has(nr)) {
        this.traced.add(nr);
        this.trace(`web-vm: unimplemented syscall ${nr} (${SYSCALL_NAMES[nr] ?? '?'}) → ENOSYS`);
      }
      s[R_EAX] = -ENOSYS;
      return;
    }
    try {
      r = h(this, t, s[3], s[1], s[2], s[6], s[7], s[5]);
    } catch (e) {
      s[R_EAX] = -errnoOf(e);
      return;
    }
    if (typeof r === 'number') {
      if (t.state === TASK_RUNNABLE) s[R_EAX] = r;
      // A signal became deliverable (kill to self, unblocked by sigprocmask): return to the scheduler.
      if ((t.pending.size !== 0 || t.proc.sharedPending.size !== 0) && hasDeliverable(t)) cpu.stop = STOP_YIELD;
      return;
    }
    // The call may have ended the task (a signal's default action) before returning.
    if (t.state === TASK_ZOMBIE) {
      r.catch(() => {});
      return;
    }
    // Asynchronous: park the task; the result lands in EAX when it settles.
    t.state = TASK_BLOCKED;
    cpu.stop = STOP_YIELD;
    t.blockedOn = r.then(
      (v) => this.finishSyscall(t, v),
      // A guest buffer in a file page not read yet: read it, then run the call again (exec.ts).
      (e) => (isNeedsPage(e) ? retrySyscallAfterPage(this, t, e) : e instanceof StorageError ? this.failStorage(e) : this.finishSyscall(t, -errnoOf(e))),
    );
  }

  private finishSyscall(t: Task, v: number): void {
    t.blockedOn = null;
    if (t.state !== TASK_BLOCKED) return;
    const regs = this.regsOf(t);
    regs[R_EAX] = v;
    // Interrupted by a signal whose handler asked for SA_RESTART: run the call again after it.
    const restart = v === -EINTR && restartRequested(t, regs);
    t.interrupted = false;
    if (restart) {
      // A call that left a restart block carries on through restart_syscall (-ERESTART_RESTARTBLOCK).
      regs[R_EAX] = t.restartBlock !== null ? NR_restart_syscall : t.syscallNr;
      regs[S_EIP] = (regs[S_EIP] - 2) | 0;
    } else t.restartBlock = null;
    t.state = TASK_RUNNABLE;
  }

  /** Host timers the guest asked for (sleeps, poll timeouts, itimers): all cleared at shutdown. */
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();

  /** setTimeout that shutdown() can cancel, so a finished VM leaves nothing behind on the host. */
  setTimer(fn: () => void, ms: number): ReturnType<typeof setTimeout> {
    const h = setTimeout(() => {
      this.timers.delete(h);
      fn();
    }, Math.max(0, Math.min(ms, 2 ** 31 - 1)));
    this.timers.add(h);
    return h;
  }

  clearTimer(h: ReturnType<typeof setTimeout>): void {
    clearTimeout(h);
    this.timers.delete(h);
  }

  /** End every task still alive and cancel host timers (after the first process exited). */
  shutdown(): void {
    for (const t of this.tasks.values()) if (t.state !== TASK_ZOMBIE && !t.proc.exited) this.exitTask(t, 0, SIGKILL);
    for (const h of this.timers) clearTimeout(h);
    this.timers.clear();
  }

  /** Run system call `nr` on behalf of `t` from another handler (creat → openat). */
  syscall(nr: number, t: Task, a = 0, b = 0, c = 0, d = 0, e = 0, f = 0): number | Promise<number> {
    const h = SYSCALLS[nr];
    if (h === undefined) throw new SyscallError(ENOSYS);
    return h(this, t, a, b, c, d, e, f);
  }

  /** sync(2): wait until every filesystem's changes reached its device. */
  async syncAll(): Promise<void> {
    await flushAllShared(this.phys);
    await this.opts.root.sync?.();
    if (this.opts.commit === undefined) return;
    try {
      await this.opts.commit();
    } catch (e) {
      throw new SyscallError(e instanceof StorageError && e.type === 'quota' ? ENOSPC : EIO);
    }
  }

  /** fork(): a copy of `t` with copy-on-write memory and shared open files; returns 0 in the child. */
  forkTask(t: Task, shareVm = false): Task {
    // CLONE_VM without CLONE_THREAD (vfork, posix_spawn): a new process on the same memory.
    if (shareVm) this.vmSharers.set(t.as, (this.vmSharers.get(t.as) ?? 0) + 1);
    const child = new Task(this.nextPid++, t.tgid, shareVm ? t.as : t.as.fork(), t.root, t.cwd);
    child.regs.set(this.regsOf(t));
    child.regs[R_EAX] = 0;
    child.cwdPath = t.cwdPath;
    child.exePath = t.exePath;
    child.cmdline = t.cmdline;
    child.environ = t.environ;
    child.startMs = this.monotonic();
    child.umask = t.umask;
    child.uid = t.uid;
    child.gid = t.gid;
    child.euid = t.euid;
    child.egid = t.egid;
    child.suid = t.suid;
    child.sgid = t.sgid;
    child.groups = t.groups.slice();
    child.pgid = t.pgid;
    child.sid = t.sid;
    child.ctty = t.ctty;
    child.sigmask = [t.sigmask[0], t.sigmask[1]];
    for (const [sig, a] of t.sigactions) child.sigactions.set(sig, { ...a, mask: [a.mask[0], a.mask[1]] });
    for (const [r, v] of t.rlimits) child.rlimits.set(r, [v[0], v[1]]);
    t.fds.forEach((e, fd) => {
      if (e) child.installFd(fd, e.file, e.cloexec);
    });
    child.comm = t.comm;
    child.altStack = t.altStack;
    this.tasks.set(child.pid, child);
    return child;
  }

  /** Processes beyond the first using an address space (CLONE_VM children before their exec or exit). */
  private readonly vmSharers = new Map<AddressSpace, number>();

  /** A process stops using `as` (exec, exit): its frames go when no other process uses it. */
  private releaseVm(as: AddressSpace): void {
    const n = this.vmSharers.get(as) ?? 0;
    if (n === 0) as.destroy();
    else if (n === 1) this.vmSharers.delete(as);
    else this.vmSharers.set(as, n - 1);
  }

  /** clone(CLONE_THREAD…): a new thread of `t`'s process, sharing everything but registers, mask and pending signals. */
  newThread(t: Task): Task {
    const th = new Task(this.nextPid++, t.ppid, t.as, t.root, t.cwd, t.proc);
    th.regs.set(this.regsOf(t));
    th.regs[R_EAX] = 0;
    th.sigmask = [t.sigmask[0], t.sigmask[1]];
    th.comm = t.comm;
    this.tasks.set(th.pid, th);
    return th;
  }

  /** execve from a thread: end its siblings; a non-leader becomes the leader, with the process's pid. */
  private deThread(t: Task): void {
    const p = t.proc;
    for (const th of [...p.threads]) {
      if (th === t) continue;
      p.threads.delete(th);
      p.deadThreadsCpuMs += th.cpuMs;
      th.state = TASK_ZOMBIE;
      th.interrupt = null;
      th.sigWait = null;
      if (this.loaded === th) this.loaded = null;
      if (!th.isLeader) this.tasks.delete(th.pid);
    }
    if (t.isLeader) return;
    const leaderPid = t.tgid;
    this.tasks.delete(leaderPid);
    this.tasks.delete(t.pid);
    t.pid = leaderPid;
    this.tasks.set(leaderPid, t);
  }

  /** The live thread group leader with this pid (a process), or undefined. */
  processOf(pid: number): Task | undefined {
    const t = this.tasks.get(pid);
    return t && t.isLeader ? t : undefined;
  }

  /** Remove a zombie once its parent has collected its status. */
  reap(t: Task): void {
    if (t.state !== TASK_ZOMBIE) return;
    this.tasks.delete(t.pid);
    const parent = this.tasks.get(t.ppid);
    if (parent) {
      // RUSAGE_CHILDREN: the reaped child's time, and that of the children it reaped.
      parent.proc.childrenCpuMs += t.proc.cpuMs() + t.proc.childrenCpuMs;
      parent.proc.childrenMaxRssKb = Math.max(parent.proc.childrenMaxRssKb, t.proc.maxRssKb, t.proc.childrenMaxRssKb);
    }
  }

  /** After exit: orphans go to pid 1, and a parent waiting in wait4 wakes up. */
  private onExit(t: Task): void {
    for (const c of [...this.tasks.values()]) {
      if (c.ppid !== t.tgid || !c.isLeader) continue;
      c.ppid = 1;
      if (c.state === TASK_ZOMBIE && t.pid === 1) this.reap(c);
      // prctl(PR_SET_PDEATHSIG): the child asked to hear of its parent's death.
      else if (c.proc.pdeathSig !== 0 && c.state !== TASK_ZOMBIE) signalProcess(this, c, c.proc.pdeathSig, { code: 0, a: t.tgid });
    }
    const parent = this.tasks.get(t.ppid);
    if (parent) {
      signalProcess(this, parent, SIGCHLD, { code: t.termSignal ? (t.coreDumped ? CLD_DUMPED : CLD_KILLED) : CLD_EXITED, a: t.pid, b: t.uid, c: t.termSignal || t.exitCode });
      const w = parent.childWaiters;
      parent.childWaiters = [];
      for (const f of w) f();
    }
  }

  /** exit_group(), or a fatal signal: end every thread of `t`'s process with an exit code or a signal. */
  exitTask(t: Task, code: number, signal: number, core = false): void {
    const p = t.proc;
    if (p.exited) return;
    if (!p.groupExiting) {
      p.groupExiting = true;
      p.exitCode = code & 0xff;
      p.termSignal = signal;
      p.coreDumped = core;
      p.waitStatus = signal ? signal | (core ? 0x80 : 0) : (code & 0xff) << 8;
    }
    for (const th of [...p.threads]) if (th !== t) this.exitThread(th, code);
    if (p.threads.has(t)) this.exitThread(t, code);
  }

  /**
   * exit(): end one thread. Its CLONE_CHILD_CLEARTID word is zeroed and woken
   * (set_tid_address(2)), its robust futexes are released; the last thread
   * out ends the process: files, memory and timers go, the leader becomes
   * the zombie the parent waits for. A leader leaving first stays, parked,
   * as the process's pid until then (Linux's delay_group_leader).
   */
  exitThread(t: Task, code: number): void {
    const p = t.proc;
    if (!p.threads.has(t)) return;
    if (t.robustList !== 0) releaseRobustList(t);
    if (t.clearChildTid !== 0) {
      try {
        t.as.write32(t.clearChildTid, 0);
        futexWake(t.as, t.clearChildTid, 1);
      } catch {
        // The word is gone with the memory: nothing to wake.
      }
    }
    p.threads.delete(t);
    p.deadThreadsCpuMs += t.cpuMs;
    t.cpuMs = 0;
    t.interrupt = null;
    t.sigWait = null;
    if (this.current === t) this.cpu.stop = STOP_YIELD;
    if (this.loaded === t) this.loaded = null;
    if (p.threads.size !== 0) {
      if (t.isLeader) {
        // The leader's pid names the process until its last thread is gone.
        t.threadExited = true;
        t.state = TASK_BLOCKED;
        t.blockedOn = null;
      } else {
        t.state = TASK_ZOMBIE;
        this.tasks.delete(t.pid);
      }
      return;
    }
    // The last thread: the process ends, with its exit code (synchronize_group_exit, kernel/exit.c).
    if (!p.groupExiting) {
      p.exitCode = code & 0xff;
      p.waitStatus = (code & 0xff) << 8;
    }
    t.state = TASK_ZOMBIE;
    const leader = t.isLeader ? t : this.tasks.get(t.tgid);
    if (!t.isLeader) this.tasks.delete(t.pid);
    if (leader) leader.state = TASK_ZOMBIE;
    p.exited = true;
    if (p.realTimer) this.clearTimer(p.realTimer.handle);
    p.realTimer = null;
    for (const x of p.posixTimers.values()) x.dispose();
    p.posixTimers.clear();
    p.sharedPending.clear();
    p.maxRssKb = Math.max(p.maxRssKb, rssKb(p.as));
    t.closeAllFds();
    jobControlExit(this, leader ?? t);
    if (leader) this.onExit(leader);
    this.releaseVm(p.as);
    p.vforkDone?.();
  }
  /** Default action for a fault's signal: terminate (with "core" for the core-dumping ones). */
  private handleFault(t: Task, f: CpuFault): void {
    // Page-in on fault (DESIGN.md decision 4): a file-backed page not read yet is no error;
    // park the task until it is read, then re-execute the instruction (exec.ts parkForPage).
    if (f.kind === FaultKind.NeedsPage) return parkForPage(this, t, f);
    let sig: number;
    switch (f.vector) {
      case Vector.DE:
      case Vector.MF:
      case Vector.XM:
        sig = SIGFPE;
        break;
      case Vector.DB:
      case Vector.BP:
        sig = SIGTRAP;
        break;
      case Vector.UD:
      case Vector.NM:
        sig = SIGILL;
        break;
      case Vector.PF:
        if (f.kind === FaultKind.OutOfMemory) return this.outOfMemory(t);
        sig = SIGSEGV;
        break;
      default:
        sig = SIGSEGV;
    }
    // A handler the program installed (and did not block) gets the fault; otherwise the default kills.
    if (sig !== SIGKILL) {
      const act = t.sigactions.get(sig);
      if (act && act.handler > 1 && !isBlocked(t, sig)) {
        const code = f.vector === Vector.PF ? (f.kind === FaultKind.Protection ? SEGV_ACCERR : SEGV_MAPERR) : 0;
        postSignal(this, t, sig, { code, a: f.vector === Vector.PF ? f.addr : this.cpu.s[S_EIP] });
        return;
      }
    }
    if (this.opts.trace) {
      const eip = this.cpu.s[S_EIP] >>> 0;
      let bytes = '';
      try {
        bytes = [...t.as.read(eip, 8)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
      } catch {
        bytes = '(unreadable)';
      }
      this.trace(`web-vm: pid ${t.pid}: fault vector ${f.vector} addr 0x${(f.addr >>> 0).toString(16)} at eip 0x${eip.toString(16)} [${bytes}] → signal ${sig}`);
    }
    this.exitTask(t, 0, sig, sig !== SIGKILL);
  }

  /**
   * No frame for a page fault of `t`: kill the task holding the most memory
   * (Linux's OOM killer, mm/oom_kill.c, by resident pages) with one line on the
   * console, and let `t` retry its instruction — unless `t` was the victim.
   */
  private outOfMemory(t: Task): void {
    let victim = t;
    let most = -1;
    for (const x of this.tasks.values()) {
      if (x.state === TASK_ZOMBIE) continue;
      const n = residentPages(x);
      if (n > most) {
        most = n;
        victim = x;
      }
    }
    const line = `web-vm: out of memory: killed process ${victim.tgid} (${victim.comm}) holding ${most * 4} kB; raise memory-mb for more\n`;
    this.console.write(2, new TextEncoder().encode(line));
    this.exitTask(victim, 0, SIGKILL);
  }

  stop(): void {
    this.stopped = true;
  }
}

export function errnoOf(e: unknown): number {
  if (e instanceof SyscallError || e instanceof FsError) return e.errno;
  // A file page not read yet is not EFAULT: rethrown out of interrupt(), it becomes a fault of the
  // `int 0x80` itself, so the page is read and the whole system call re-executed (handleFault).
  if (e instanceof CpuFault) {
    if (e.kind === FaultKind.NeedsPage) throw e;
    return EFAULT;
  }
  if (e instanceof VmError) return e.type === 'exec-format' ? 8 : e.type === 'not-found' ? 2 : EINTR;
  throw e;
}

export function errText(e: unknown): string {
  if (e instanceof FsError) {
    const names: Record<number, string> = { 2: 'No such file or directory', 20: 'Not a directory', 40: 'Too many levels of symbolic links', 36: 'File name too long', 13: 'Permission denied', 5: 'Input/output error', 17: 'File exists', 21: 'Is a directory', 28: 'No space left on device', 30: 'Read-only file system' };
    return names[e.errno] ?? e.message;
  }
  return e instanceof Error ? e.message : String(e);
}

export function absolutePath(cwd: string, p: string): string {
  const parts = (p.startsWith('/') ? p : `${cwd}/${p}`).split('/');
  const out: string[] = [];
  for (const x of parts) {
    if (x === '' || x === '.') continue;
    if (x === '..') out.pop();
    else out.push(x);
  }
  return '/' + out.join('/');
}
