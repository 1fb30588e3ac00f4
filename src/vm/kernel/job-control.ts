import { STOP_YIELD } from '../cpu/cpu.js';
import * as S from './abi/structs.js';
import { CLD_CONTINUED, CLD_STOPPED } from './abi/tty.js';
import type { Kernel } from './kernel.js';
import { signalProcess } from './signals.js';
import { TASK_ZOMBIE, type Task } from './task.js';

/**
 * Job control (POSIX "Job Control", Linux kernel/signal.c do_signal_stop and
 * kernel/exit.c kill_orphaned_pgrp): stopping and continuing processes,
 * telling their parents (SIGCHLD with CLD_STOPPED/CLD_CONTINUED, and the
 * reports wait4/waitid collect), orphaned process groups, and the session
 * leader's exit hanging up its terminal.
 */

/** Live processes (thread group leaders; a process's threads share its ids). */
function live(k: Kernel): Task[] {
  return [...k.tasks.values()].filter((x) => x.state !== TASK_ZOMBIE && x.isLeader);
}

/**
 * A process group is orphaned when no member has a parent in another group
 * of the same session (POSIX; Linux will_become_orphaned_pgrp). `leaving` is
 * a process about to exit, not counted.
 */
export function isOrphanedPgrp(k: Kernel, pgid: number, leaving: Task | null = null): boolean {
  for (const x of k.tasks.values()) {
    if (x.pgid !== pgid || x === leaving || x.state === TASK_ZOMBIE) continue;
    const p = k.tasks.get(x.ppid);
    if (p && p !== leaving && p.state !== TASK_ZOMBIE && p.pgid !== pgid && p.sid === x.sid) return false;
  }
  return true;
}

/** kill_pgrp: `sig` to every live process of the group. */
export function signalGroup(k: Kernel, pgid: number, sig: number, from = 0): boolean {
  let any = false;
  for (const x of live(k)) {
    if (x.pgid !== pgid) continue;
    any = true;
    signalProcess(k, x, sig, { code: from === 0 ? S.SI_KERNEL : S.SI_USER, a: from, b: 0 });
  }
  return any;
}

function notifyParent(k: Kernel, t: Task, code: number, status: number): void {
  const parent = k.tasks.get(t.ppid);
  if (!parent || parent.state === TASK_ZOMBIE) return;
  const act = parent.sigactions.get(S.SIGCHLD);
  if (!act || (act.flags & S.SA_NOCLDSTOP) === 0) signalProcess(k, parent, S.SIGCHLD, { code, a: t.tgid, b: t.uid, c: status });
  const w = parent.childWaiters;
  parent.childWaiters = [];
  for (const f of w) f();
}

/** The default action of SIGSTOP/SIGTSTP/SIGTTIN/SIGTTOU. */
export function stopTask(k: Kernel, t: Task, sig: number): void {
  if (t.stopped || t.state === TASK_ZOMBIE) return;
  t.stopped = true;
  t.jobReport = sig;
  // Every thread of the process stops (t.stopped is the process's); the running one yields now.
  if (k.current !== null && k.current.proc === t.proc) k.cpu.stop = STOP_YIELD;
  notifyParent(k, t, CLD_STOPPED, sig);
}

/** SIGCONT: resume a stopped process (whatever its disposition of SIGCONT). */
export function continueTask(k: Kernel, t: Task): void {
  if (!t.stopped) return;
  t.stopped = false;
  t.jobReport = -1;
  notifyParent(k, t, CLD_CONTINUED, S.SIGCONT);
  k.wakeScheduler();
}

/**
 * Before `t` exits: a session leader's exit hangs up its controlling
 * terminal (SIGHUP to the foreground group, tty_io.c disassociate_ctty),
 * and process groups its exit orphans get SIGHUP then SIGCONT when they
 * hold stopped members (kill_orphaned_pgrp).
 */
export function jobControlExit(k: Kernel, t: Task): void {
  const tty = t.ctty;
  if (tty !== null && t.tgid === t.sid && tty.session === t.sid) {
    const fg = tty.pgrp;
    tty.session = 0;
    tty.pgrp = 0;
    for (const x of k.tasks.values()) if (x.sid === t.sid) x.ctty = null;
    if (fg > 0 && fg !== t.pgid) {
      signalGroup(k, fg, S.SIGHUP);
      signalGroup(k, fg, S.SIGCONT);
    }
  }
  // Its own group, and its children's groups (their parent link leaves with it). Called once `t`
  // is a zombie, so it no longer counts as anyone's parent.
  const groups = new Set<number>([t.pgid]);
  for (const c of k.tasks.values()) if (c.ppid === t.tgid && c.isLeader && c.state !== TASK_ZOMBIE && c.sid === t.sid) groups.add(c.pgid);
  for (const g of groups) {
    if (!isOrphanedPgrp(k, g, t)) continue;
    if (!live(k).some((x) => x.pgid === g && x.stopped)) continue;
    signalGroup(k, g, S.SIGHUP);
    signalGroup(k, g, S.SIGCONT);
  }
}
