import { E2BIG, EACCES, EAGAIN, ECHILD, EFAULT, EINVAL, ENOEXEC, ENOSYS, EPERM, ESRCH } from '../abi/errno.js';
import { checkPermission, MAY_EXEC, searchCheck } from '../perm.js';
import { S_IFMT, S_IFREG } from '../../fs/types.js';
import * as E from '../abi/events.js';
import { getLimit, setThreadArea } from './proc.js';
import { writeChildRusage } from './rusage.js';
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
/** execve argument + environment size limit (MAX_ARG_STRLEN-ish: 32 pages per string, 2 MiB total). */
const ARG_MAX = 2 * 1024 * 1024;

/**
 * fork/clone's limits (kernel/fork.c copy_process): the VM-wide task count
 * (like threads-max), and RLIMIT_NPROC for the caller's user unless root.
 */
function checkTaskLimit(k: Kernel, t: Task): void {
  // Most tasks alive at once (Kernel.maxTasks, scaled with guest memory): a fork or thread bomb gets EAGAIN.
  if (k.tasks.size >= k.maxTasks) throw new SyscallError(EAGAIN, 'too many tasks');
  // Root (real or effective: INIT_USER or CAP_SYS_RESOURCE) is exempt from RLIMIT_NPROC.
  if (t.uid === 0 || t.euid === 0) return;
  const [soft] = getLimit(t, S.RLIMIT_NPROC);
  let n = 0;
  for (const x of k.tasks.values()) if (x.uid === t.uid && x.state !== TASK_ZOMBIE && !x.threadExited) n++;
  if (n >= soft) throw new SyscallError(EAGAIN);
}

function fork(k: Kernel, t: Task): number {
  checkTaskLimit(k, t);
  return k.forkTask(t).pid;
}

/**
 * clone(flags, newsp, parent_tidptr, tls, child_tidptr) — the i386 argument
 * order (kernel/fork.c); `tls` is a struct user_desc * there.
 * With CLONE_THREAD the child is a thread sharing the whole process (glibc's
 * pthread_create passes VM|FS|FILES|SIGHAND|THREAD|SYSVSEM together).
 * Without it the child is a new process: on the parent's memory with
 * CLONE_VM (posix_spawn's CLONE_VM|CLONE_VFORK: the child reports an exec
 * failure by writing there), on a copy-on-write copy otherwise.
 * CLONE_FILES/CLONE_FS without CLONE_THREAD copy instead of sharing.
 */
function clone(k: Kernel, t: Task, flags: number, stack: number, ptid: number, tls: number, ctid: number): number | Promise<number> {
  const thread = (flags & E.CLONE_THREAD) !== 0;
  // The combinations clone(2) refuses.
  if (thread && !(flags & E.CLONE_SIGHAND)) throw new SyscallError(EINVAL);
  if (flags & E.CLONE_SIGHAND && !(flags & E.CLONE_VM)) throw new SyscallError(EINVAL);
  if (thread && !(flags & E.CLONE_VM)) throw new SyscallError(EINVAL);
  if (flags & E.CLONE_PIDFD) throw new SyscallError(EINVAL, 'CLONE_PIDFD is not supported');
  checkTaskLimit(k, t);
  const shareVm = !thread && (flags & E.CLONE_VM) !== 0;
  const child = thread ? k.newThread(t) : k.forkTask(t, shareVm);
  if (stack !== 0) child.regs[4] = stack;
  if (flags & E.CLONE_SETTLS) {
    try {
      setThreadArea(t, child.regs, tls);
    } catch (e) {
      k.exitThread(child, 0);
      throw e;
    }
  }
  if (flags & E.CLONE_PARENT_SETTID) {
    t.as.write32(ptid, child.pid);
    if (child.as !== t.as) child.as.write32(ptid, child.pid);
  }
  // glibc's fork() passes &THREAD_SELF->tid here: the child must see its own tid.
  if (flags & E.CLONE_CHILD_SETTID) child.as.write32(ctid, child.pid);
  if (flags & E.CLONE_CHILD_CLEARTID) child.clearChildTid = ctid;
  // CLONE_PARENT: the child is a sibling of the caller.
  if (!thread && flags & E.CLONE_PARENT) child.ppid = t.ppid;
  // CLONE_VFORK: the parent sleeps until the child execs or exits (not interruptible, as in Linux).
  if (flags & E.CLONE_VFORK) {
    const pid = child.pid;
    return new Promise<number>((resolve) => {
      child.proc.vforkDone = () => {
        child.proc.vforkDone = null;
        resolve(pid);
      };
    });
  }
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
    const ino = await resolve(t.root, t.cwd, path, { followLast: true, mounts: k.mounts, caller: t.tgid, checkSearch: searchCheck(t) });
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
  // Children are processes (their leaders); any thread of the parent may wait for them.
  if (!c.isLeader || c.ppid !== t.tgid) return false;
  if (pid > 0) return c.pid === pid;
  if (pid === -1) return true;
  if (pid === 0) return c.pgid === t.pgid;
  return c.pgid === -pid;
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
      // Children are processes (their leaders); any thread of the parent may wait for them.
      if (!c.isLeader || c.ppid !== t.tgid || !which(c)) continue;
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
    writeChildRusage(t, e.child, rusage);
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
    writeChildRusage(t, e.child, rusage);
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
  if (pid === 0 || pid === t.tgid) return t;
  const x = k.processOf(pid);
  if (!x || x.state === TASK_ZOMBIE) throw new SyscallError(ESRCH);
  return x;
}

function setpgid(k: Kernel, t: Task, pid: number, pgid: number): number {
  if (pgid < 0) throw new SyscallError(EINVAL);
  const x = target(k, t, pid);
  if (x !== t && x.ppid !== t.tgid) throw new SyscallError(ESRCH);
  if (x.sid !== t.sid || x.pid === x.sid) throw new SyscallError(EPERM);
  // Joining another group: it must exist in the caller's session (setpgid(2) EPERM).
  if (pgid !== 0 && pgid !== x.tgid && ![...k.tasks.values()].some((y) => y.pgid === pgid && y.sid === t.sid && y.state !== TASK_ZOMBIE)) throw new SyscallError(EPERM);
  x.pgid = pgid === 0 ? x.tgid : pgid;
  return 0;
}

function setsid(k: Kernel, t: Task): number {
  // Not when some process (itself included) already uses its pid as a group id.
  for (const x of k.tasks.values()) if (x.isLeader && x.pgid === t.tgid && x.state !== TASK_ZOMBIE) throw new SyscallError(EPERM);
  t.sid = t.tgid;
  t.ctty = null;
  t.pgid = t.tgid;
  return t.tgid;
}

export const processSyscalls: SyscallTable = {
  [N.NR_fork]: (k, t) => fork(k, t),
  // vfork(2): the child runs on the parent's memory (and stack) while the parent waits for its exec or exit.
  [N.NR_vfork]: (k, t) => clone(k, t, E.CLONE_VM | E.CLONE_VFORK | S.SIGCHLD, 0, 0, 0, 0),
  [N.NR_clone]: (k, t, flags, stack, ptid, tls, ctid) => clone(k, t, flags, stack, ptid, tls, ctid),
  // glibc tries clone3 first and falls back to clone on ENOSYS (sysdeps/unix/sysv/linux/clone-internal.c).
  [N.NR_clone3]: () => {
    throw new SyscallError(ENOSYS);
  },
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
