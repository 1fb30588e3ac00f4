import { Cpu, RUN_FAULT, STOP_YIELD, type InterruptHost } from '../cpu/cpu.js';
import { AddressSpace } from '../mem/address-space.js';
import { CpuFault, FaultKind, Vector } from '../mem/fault.js';
import { R_EAX, S_EIP, S_FLAGS, S_SEG_SEL, SEG_CS, STATE_BYTES, USER_CS, USER_DS } from '../mem/layout.js';
import { resetSseState } from '../cpu/sse-state.js';
import { PhysicalMemory } from '../mem/phys.js';
import { Tlb } from '../mem/tlb.js';
import { FsError, S_IFDIR, S_IFMT, S_IFREG, type FileSystem, type Inode } from '../fs/types.js';
import { resolve } from '../fs/path.js';
import { EACCES, EFAULT, EINTR, ENOSYS } from './abi/errno.js';
import { SYSCALL_NAMES } from './abi/syscalls.js';
import { SIGBUS, SIGFPE, SIGILL, SIGKILL, SIGSEGV, SIGTRAP } from './abi/structs.js';
import type { Console } from './console.js';
import { buildStack, loadElf, parseElf } from './elf.js';
import { SyscallError, VmError } from './errors.js';
import { ConsoleFile } from './files.js';
import { SYSCALLS } from './syscalls/table.js';
import { Task, TASK_BLOCKED, TASK_RUNNABLE, TASK_ZOMBIE } from './task.js';

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
}

export interface ExitInfo {
  /** Exit code when exited normally. */
  code: number;
  /** Terminating signal, 0 if exited normally. */
  signal: number;
  /** Shell-style status: code, or 128 + signal. */
  status: number;
}

/** Instructions a task runs before the scheduler looks around. */
const SLICE = 200_000;
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

  constructor(readonly opts: KernelOptions) {
    this.phys = new PhysicalMemory(opts.memoryMb);
    this.tlb = new Tlb(this.phys);
    this.cpu = new Cpu(this.phys);
    this.cpu.host = this;
    this.now = opts.now ?? (() => Date.now());
    this.monotonic = opts.monotonic ?? (() => performance.now());
    this.random = opts.random ?? ((b) => crypto.getRandomValues(b));
    this.bootMs = this.monotonic();
  }

  get console(): Console {
    return this.opts.console;
  }

  trace(line: string): void {
    if (this.opts.trace) this.opts.trace(line);
  }

  /** Create the first process running `path` (resolved in the image). */
  async spawn(path: string, argv: string[], envp: string[], cwdPath = '/'): Promise<Task> {
    this.rootInode = await this.opts.root.root();
    let cwd: Inode;
    try {
      cwd = await resolve(this.rootInode, this.rootInode, cwdPath, { followLast: true });
    } catch (e) {
      throw new VmError('not-found', `web-vm: cannot change directory to ${cwdPath}: ${errText(e)}`, 125);
    }
    if ((cwd.mode & S_IFMT) !== S_IFDIR) throw new VmError('not-found', `web-vm: ${cwdPath}: Not a directory`, 125);
    const as = new AddressSpace(this.phys, this.tlb);
    const t = new Task(this.nextPid++, 0, as, this.rootInode, cwd);
    t.cwdPath = cwdPath;
    const con = this.opts.console;
    t.fds = [
      { file: new ConsoleFile(con, 0, 0), cloexec: false },
      { file: new ConsoleFile(con, 1, 1), cloexec: false },
      { file: new ConsoleFile(con, 2, 1), cloexec: false },
    ];
    await this.exec(t, path, argv, envp, true);
    this.tasks.set(t.pid, t);
    return t;
  }

  /**
   * Replace `t`'s program. First-process errors are VmErrors with a shell's
   * wording; from execve they become errnos.
   */
  async exec(t: Task, path: string, argv: string[], envp: string[], first: boolean): Promise<void> {
    let ino: Inode;
    try {
      ino = await resolve(t.root, t.cwd, path, { followLast: true });
    } catch (e) {
      if (first) throw new VmError('not-found', `web-vm: ${path}: ${errText(e)}`, 127);
      throw e;
    }
    if ((ino.mode & S_IFMT) !== S_IFREG) {
      if (first) throw new VmError('permission', `web-vm: ${path}: ${(ino.mode & S_IFMT) === S_IFDIR ? 'Is a directory' : 'Permission denied'}`, 126);
      throw new SyscallError(EACCES);
    }
    if ((ino.mode & 0o111) === 0) {
      if (first) throw new VmError('permission', `web-vm: ${path}: Permission denied`, 126);
      throw new SyscallError(EACCES);
    }
    const size = ino.stat().size;
    const data = await ino.fs.read(ino, 0, size);
    const elf = parseElf(data, path);
    if (elf.interp !== null) {
      throw new VmError('exec-format', `web-vm: ${path}: dynamically linked (interpreter ${elf.interp}); only static programs run yet`, 126);
    }
    const as = new AddressSpace(this.phys, this.tlb);
    const img = loadElf(as, elf, data, path);
    const random = new Uint8Array(16);
    this.random(random);
    const sp = buildStack(as, img, { argv, envp, execfn: path, uid: t.uid, gid: t.gid, random });
    if (this.loaded === t) this.loaded = null;
    const old = t.as;
    if (this.cpu.as === old) this.cpu.setAddressSpace(as);
    if (old !== as && !first) old.destroy();
    t.as = as;
    t.exePath = absolutePath(t.cwdPath, path);
    const r = t.regs;
    r.fill(0);
    r[4] = sp;
    r[S_EIP] = img.entry;
    r[S_FLAGS] = 0x202;
    resetSseState(r);
    for (let k = 0; k < 6; k++) r[S_SEG_SEL + k] = k === SEG_CS ? USER_CS : k === 4 || k === 5 ? 0 : USER_DS;
    for (const [n, e] of t.fds.entries()) if (e && e.cloexec) t.fds[n] = null;
  }

  /** Run the scheduler until `main` exits. */
  async run(main: Task): Promise<ExitInfo> {
    let sliceStart = this.monotonic();
    while (main.state !== TASK_ZOMBIE) {
      if (this.stopped) throw new VmError('internal', 'the VM was stopped');
      const t = this.pickRunnable();
      if (t === null) {
        const waits: Promise<void>[] = [];
        for (const x of this.tasks.values()) if (x.state === TASK_BLOCKED && x.blockedOn) waits.push(x.blockedOn);
        if (waits.length === 0) throw new VmError('internal', 'deadlock: every task is blocked with nothing to wait for');
        await Promise.race(waits);
        sliceStart = this.monotonic();
        continue;
      }
      this.switchTo(t);
      const r = this.cpu.run(SLICE);
      if (r === RUN_FAULT) this.handleFault(t, this.cpu.fault!);
      if (this.monotonic() - sliceStart > YIELD_MS) {
        await yieldToHost();
        sliceStart = this.monotonic();
      }
    }
    return { code: main.exitCode, signal: main.termSignal, status: main.termSignal ? 128 + main.termSignal : main.exitCode };
  }

  private rr = 0;
  private pickRunnable(): Task | null {
    // Round-robin over runnable tasks, starting after the last one picked.
    const list = [...this.tasks.values()];
    for (let k = 0; k < list.length; k++) {
      const t = list[(this.rr + k) % list.length];
      if (t.state === TASK_RUNNABLE) {
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
      return;
    }
    // Asynchronous: park the task; the result lands in EAX when it settles.
    t.state = TASK_BLOCKED;
    cpu.stop = STOP_YIELD;
    t.blockedOn = r.then(
      (v) => this.finishSyscall(t, v),
      (e) => this.finishSyscall(t, -errnoOf(e)),
    );
  }

  private finishSyscall(t: Task, v: number): void {
    t.blockedOn = null;
    if (t.state !== TASK_BLOCKED) return;
    this.regsOf(t)[R_EAX] = v;
    t.state = TASK_RUNNABLE;
  }

  /** End the thread group with an exit code or a signal. */
  exitTask(t: Task, code: number, signal: number, core = false): void {
    t.exitCode = code & 0xff;
    t.termSignal = signal;
    t.coreDumped = core;
    t.waitStatus = signal ? signal | (core ? 0x80 : 0) : (code & 0xff) << 8;
    t.state = TASK_ZOMBIE;
    for (const e of t.fds) void e;
    t.fds = [];
    if (this.current === t) this.cpu.stop = STOP_YIELD;
    if (this.loaded === t) {
      this.loaded = null;
    }
    t.as.destroy();
  }

  /** Default action for a fault's signal: terminate (with "core" for the core-dumping ones). */
  private handleFault(t: Task, f: CpuFault): void {
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
        sig = f.kind === FaultKind.OutOfMemory ? SIGKILL : SIGSEGV;
        if (f.kind === FaultKind.OutOfMemory) this.trace(`web-vm: out of memory: killed process ${t.pid} (raise memory-mb)`);
        break;
      default:
        sig = SIGSEGV;
    }
    void SIGBUS;
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

  stop(): void {
    this.stopped = true;
  }
}

export function errnoOf(e: unknown): number {
  if (e instanceof SyscallError || e instanceof FsError) return e.errno;
  if (e instanceof CpuFault) return EFAULT;
  if (e instanceof VmError) return e.type === 'exec-format' ? 8 : e.type === 'not-found' ? 2 : EINTR;
  throw e;
}

function errText(e: unknown): string {
  if (e instanceof FsError) {
    const names: Record<number, string> = { 2: 'No such file or directory', 20: 'Not a directory', 40: 'Too many levels of symbolic links', 36: 'File name too long', 13: 'Permission denied', 5: 'Input/output error' };
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
