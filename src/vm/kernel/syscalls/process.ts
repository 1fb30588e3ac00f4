import { E2BIG, EACCES, ECHILD, EFAULT, EINVAL, ENOEXEC, ENOSYS, EPERM, ESRCH } from '../abi/errno.js';
import { checkPermission, MAY_EXEC, searchCheck } from '../perm.js';
import { S_IFMT, S_IFREG } from '../../fs/types.js';
import * as S from '../abi/structs.js';
import * as N from '../abi/syscalls.js';
import { resolve } from '../../fs/path.js';
import { SyscallError } from '../errors.js';
import type { Kernel } from '../kernel.js';
import { Pipe, PipeReadEnd, PipeWriteEnd } from '../pipe.js';
import { TASK_ZOMBIE, type Task } from '../task.js';
import type { SyscallTable } from './types.js';
import * as T from '../abi/tty.js';
import { interruptible } from '../signals.js';

/** Processes: fork/vfork/clone (processes), execve, wait4/waitpid, pipes, process groups and sessions. */

const WNOHANG = 1;
const CLONE_VM = 0x100;
const CLONE_THREAD = 0x10000;
const CLONE_VFORK = 0x4000;
/** execve argument + environment size limit (MAX_ARG_STRLEN-ish: 32 pages per string, 2 MiB total). */
const ARG_MAX = 2 * 1024 * 1024;

function fork(k: Kernel, t: Task): number {
  return k.forkTask(t).pid;
}

const CLONE_SETTLS = 0x80000;
const CLONE_PARENT_SETTID = 0x100000;
const CLONE_CHILD_CLEARTID = 0x200000;
const CLONE_CHILD_SETTID = 0x1000000;

/** clone(flags, newsp, parent_tidptr, tls, child_tidptr) — i386 argument order (kernel/fork.c). */
function clone(k: Kernel, t: Task, flags: number, stack: number, ptid: number, tls: number, ctid: number): number {
  if (flags & CLONE_THREAD) throw new SyscallError(ENOSYS, 'threads arrive with the Linux-personality issue');
  // CLONE_VM|CLONE_VFORK (posix_spawn) runs as a fork: the child gets its own
  // copy-on-write memory, which is indistinguishable unless the child writes
  // to the parent's memory before exec.
  void CLONE_VM;
  void CLONE_VFORK;
  if (flags & CLONE_SETTLS) throw new SyscallError(ENOSYS, 'CLONE_SETTLS without threads');
  const child = k.forkTask(t);
  if (stack !== 0) child.regs[4] = stack;
  if (flags & CLONE_PARENT_SETTID) {
    t.as.write32(ptid, child.pid);
    child.as.write32(ptid, child.pid);
  }
  // glibc's fork() passes &THREAD_SELF->tid here: the child must see its own tid.
  if (flags & CLONE_CHILD_SETTID) child.as.write32(ctid, child.pid);
  if (flags & CLONE_CHILD_CLEARTID) child.clearChildTid = ctid;
  void tls;
  return child.pid;
}

function readStringArray(t: Task, addr: number, budget: { left: number }): string[] {
  const out: string[] = [];
  if (addr === 0) return out;
  for (let k = 0; ; k++) {
    const p = t.as.read32(addr + k * 4);
    if (p === 0) break;
    const s = t.as.readCString(p, 131072);
    if (s === null) throw new SyscallError(E2BIG);
    budget.left -= s.length + 1;
    if (budget.left < 0 || k > 65536) throw new SyscallError(E2BIG);
    out.push(s);
  }
  return out;
}

/** execve: ELF binaries and `#!` scripts (binfmt_script, up to 4 levels). */
async function execve(k: Kernel, t: Task, pathAddr: number, argvAddr: number, envAddr: number): Promise<number> {
  if (pathAddr === 0) throw new SyscallError(EFAULT);
  let path = t.as.readCString(pathAddr, 4096);
  if (path === null) throw new SyscallError(36 /* ENAMETOOLONG */);
  const budget = { left: ARG_MAX };
  let argv = readStringArray(t, argvAddr, budget);
  const envp = readStringArray(t, envAddr, budget);
  // comm names the file execve was given, a script rather than its interpreter (fs/exec.c __set_task_comm).
  const comm = (path.split('/').pop() ?? '').slice(0, 15);
  for (let depth = 0; depth < 5; depth++) {
    const ino = await resolve(t.root, t.cwd, path, { followLast: true, mounts: k.mounts, caller: t.pid, checkSearch: searchCheck(t) });
    // The file itself must be executable before its first bytes matter (do_open_execat: MAY_EXEC).
    if ((ino.mode & S_IFMT) !== S_IFREG) throw new SyscallError(EACCES);
    checkPermission(t, ino, MAY_EXEC);
    const head = await ino.fs.read(ino, 0, 256);
    if (head.length < 2 || head[0] !== 0x23 || head[1] !== 0x21) {
      await k.exec(t, path, argv.length ? argv : [path], envp, false);
      t.comm = comm;
      return 0;
    }
    if (depth === 4) throw new SyscallError(40 /* ELOOP */);
    // "#!interpreter [one optional argument]" (fs/binfmt_script.c).
    let end = head.indexOf(0x0a);
    if (end < 0) end = head.length;
    const line = String.fromCharCode(...head.subarray(2, end)).replace(/[ \t]+$/, '').replace(/^[ \t]+/, '');
    if (line === '') throw new SyscallError(ENOEXEC);
    const m = /^(\S+)(?:[ \t]+(.*))?$/.exec(line)!;
    const interp = m[1];
    const arg = m[2];
    argv = [interp, ...(arg ? [arg] : []), path, ...argv.slice(1)];
    path = interp;
  }
  throw new SyscallError(40);
}

function matches(t: Task, c: Task, pid: number): boolean {
  if (c.ppid !== t.pid) return false;
  if (pid > 0) return c.pid === pid;
  if (pid === -1) return true;
  if (pid === 0) return c.pgid === t.pgid;
  return c.pgid === -pid;
}

function writeRusage(t: Task, addr: number): void {
  if (addr !== 0) t.as.write(addr, new Uint8Array(72));
}

/** A child state change a wait call can report. */
interface ChildEvent {
  child: Task;
  /** CLD_EXITED / CLD_KILLED / CLD_DUMPED / CLD_STOPPED / CLD_CONTINUED. */
  code: number;
  /** siginfo's si_status: exit code or signal. */
  status: number;
  /** wait4's status word (wait(2) macros). */
  word: number;
}

function eventOf(c: Task, options: number): ChildEvent | null {
  if (c.state === TASK_ZOMBIE) {
    if (!(options & T.WEXITED)) return null;
    const code = c.termSignal ? (c.coreDumped ? T.CLD_DUMPED : T.CLD_KILLED) : T.CLD_EXITED;
    return { child: c, code, status: c.termSignal || c.exitCode, word: c.waitStatus };
  }
  if (c.jobReport > 0 && c.stopped && options & T.WSTOPPED) return { child: c, code: T.CLD_STOPPED, status: c.jobReport, word: (c.jobReport << 8) | 0x7f };
  if (c.jobReport === -1 && options & T.WCONTINUED) return { child: c, code: T.CLD_CONTINUED, status: S.SIGCONT, word: 0xffff };
  return null;
}

/**
 * The wait family's core (kernel/exit.c do_wait): find a child `which`
 * accepts with a state change `options` asks for; consume it (reap a zombie,
 * clear a stop/continue report) unless WNOWAIT. Null when there is none yet;
 * ECHILD when no child matches at all.
 */
function waitCore(k: Kernel, t: Task, which: (c: Task) => boolean, options: number, report: (e: ChildEvent) => void): number | Promise<number> {
  const attempt = (): number | null => {
    let any = false;
    for (const c of k.tasks.values()) {
      if (c.ppid !== t.pid || !which(c)) continue;
      any = true;
      const e = eventOf(c, options);
      if (e === null) continue;
      report(e);
      if (!(options & T.WNOWAIT)) {
        if (e.code === T.CLD_STOPPED || e.code === T.CLD_CONTINUED) c.jobReport = 0;
        else k.reap(c);
      }
      return c.pid;
    }
    if (!any) throw new SyscallError(ECHILD);
    return null;
  };
  const r = attempt();
  if (r !== null) return r;
  if (options & WNOHANG) return 0;
  return (async () => {
    for (;;) {
      await interruptible(t, new Promise<void>((res) => t.childWaiters.push(res)));
      const again = attempt();
      if (again !== null) return again;
    }
  })();
}

/** wait4(pid, wstatus, options, rusage): reap a zombie child (or report a stop/continue), waiting if needed. */
function wait4(k: Kernel, t: Task, pid: number, status: number, options: number, rusage: number): number | Promise<number> {
  if (options & ~(WNOHANG | T.WUNTRACED | T.WCONTINUED | T.__WNOTHREAD | T.__WALL | T.__WCLONE)) throw new SyscallError(EINVAL);
  return waitCore(k, t, (c) => matches(t, c, pid), options | T.WEXITED, (e) => {
    if (status !== 0) t.as.write32(status, e.word);
    writeRusage(t, rusage);
  });
}

/** waitid(idtype, id, infop, options, rusage): like wait4, reporting a siginfo_t. */
function waitid(k: Kernel, t: Task, idtype: number, id: number, infop: number, options: number, rusage: number): number | Promise<number> {
  if (options & ~(WNOHANG | T.WSTOPPED | T.WEXITED | T.WCONTINUED | T.WNOWAIT | T.__WNOTHREAD | T.__WALL | T.__WCLONE)) throw new SyscallError(EINVAL);
  if (!(options & (T.WEXITED | T.WSTOPPED | T.WCONTINUED))) throw new SyscallError(EINVAL);
  let which: (c: Task) => boolean;
  if (idtype === T.P_ALL) which = () => true;
  else if (idtype === T.P_PID) {
    if (id <= 0) throw new SyscallError(EINVAL);
    which = (c) => c.pid === id;
  } else if (idtype === T.P_PGID) {
    if (id < 0) throw new SyscallError(EINVAL);
    const g = id === 0 ? t.pgid : id;
    which = (c) => c.pgid === g;
  } else throw new SyscallError(EINVAL);
  const fill = (e: ChildEvent | null): void => {
    if (infop === 0) return;
    const b = new Uint8Array(S.SIGINFO_SIZE);
    const dv = new DataView(b.buffer);
    if (e !== null) {
      dv.setInt32(T.SI_SIGNO, S.SIGCHLD, true);
      dv.setInt32(T.SI_CODE, e.code, true);
      dv.setInt32(T.SI_PID, e.child.pid, true);
      dv.setInt32(T.SI_UID, e.child.uid, true);
      dv.setInt32(T.SI_STATUS, e.status, true);
    }
    t.as.write(infop, b);
  };
  const r = waitCore(k, t, which, options, (e) => {
    fill(e);
    writeRusage(t, rusage);
  });
  // waitid returns 0, not a pid; WNOHANG with nothing to report zeroes the siginfo (si_pid 0).
  const done = (v: number): number => {
    if (v === 0) fill(null);
    return 0;
  };
  return typeof r === 'number' ? done(r) : r.then(done);
}

function pipe2(t: Task, fdsAddr: number, flags: number): number {
  if (flags & ~(S.O_CLOEXEC | S.O_NONBLOCK | 0o40000 /* O_DIRECT */)) throw new SyscallError(EINVAL);
  const p = new Pipe();
  const r = new PipeReadEnd(p, flags & S.O_NONBLOCK);
  const w = new PipeWriteEnd(p, flags & S.O_NONBLOCK);
  const cloexec = (flags & S.O_CLOEXEC) !== 0;
  const rfd = t.allocFd(r, cloexec);
  const wfd = t.allocFd(w, cloexec);
  try {
    t.as.write32(fdsAddr, rfd);
    t.as.write32(fdsAddr + 4, wfd);
  } catch (e) {
    t.closeFd(rfd);
    t.closeFd(wfd);
    throw e;
  }
  return 0;
}

function target(k: Kernel, t: Task, pid: number): Task {
  if (pid === 0 || pid === t.pid) return t;
  const x = k.tasks.get(pid);
  if (!x || x.state === TASK_ZOMBIE) throw new SyscallError(ESRCH);
  return x;
}

function setpgid(k: Kernel, t: Task, pid: number, pgid: number): number {
  if (pgid < 0) throw new SyscallError(EINVAL);
  const x = target(k, t, pid);
  if (x !== t && x.ppid !== t.pid) throw new SyscallError(ESRCH);
  if (x.sid !== t.sid || x.pid === x.sid) throw new SyscallError(EPERM);
  // Joining another group: it must exist in the caller's session (setpgid(2) EPERM).
  if (pgid !== 0 && pgid !== x.pid && ![...k.tasks.values()].some((y) => y.pgid === pgid && y.sid === t.sid && y.state !== TASK_ZOMBIE)) throw new SyscallError(EPERM);
  x.pgid = pgid === 0 ? x.pid : pgid;
  return 0;
}

function setsid(k: Kernel, t: Task): number {
  // Not when some process (itself included) already uses its pid as a group id.
  for (const x of k.tasks.values()) if (x.pgid === t.pid && x.state !== TASK_ZOMBIE) throw new SyscallError(EPERM);
  t.sid = t.pid;
  t.ctty = null;
  t.pgid = t.pid;
  return t.pid;
}

export const processSyscalls: SyscallTable = {
  [N.NR_fork]: (k, t) => fork(k, t),
  [N.NR_vfork]: (k, t) => fork(k, t),
  [N.NR_clone]: (k, t, flags, stack, ptid, tls, ctid) => clone(k, t, flags, stack, ptid, tls, ctid),
  [N.NR_execve]: (k, t, path, argv, envp) => execve(k, t, path, argv, envp),
  [N.NR_wait4]: (k, t, pid, status, options, rusage) => wait4(k, t, pid, status, options, rusage),
  [N.NR_waitpid]: (k, t, pid, status, options) => wait4(k, t, pid, status, options, 0),
  [N.NR_pipe]: (_k, t, fds) => pipe2(t, fds, 0),
  [N.NR_pipe2]: (_k, t, fds, flags) => pipe2(t, fds, flags),
  [N.NR_getpgrp]: (_k, t) => t.pgid,
  [N.NR_getpgid]: (k, t, pid) => target(k, t, pid).pgid,
  [N.NR_getsid]: (k, t, pid) => target(k, t, pid).sid,
  [N.NR_setpgid]: (k, t, pid, pgid) => setpgid(k, t, pid, pgid),
  [N.NR_setsid]: (k, t) => setsid(k, t),
  [N.NR_waitid]: (k, t, idtype, id, infop, options, rusage) => waitid(k, t, idtype, id, infop, options, rusage),
};
