import { F_RDLCK, F_UNLCK, F_WRLCK } from './abi/net.js';
import type { FileSystem, Inode } from '../fs/types.js';
import type { OpenFile } from './files.js';
import type { Process, Task } from './task.js';

/**
 * Advisory file locks, as Linux keeps them (fs/locks.c):
 * - POSIX record locks (fcntl F_SETLK…): owned by a process (all its threads), byte ranges,
 *   merged and split per owner, all dropped when the process closes ANY
 *   descriptor of the file or exits;
 * - open file description locks (F_OFD_SETLK…): the same ranges, owned by
 *   the open file, dropped when its last descriptor closes; they conflict
 *   with POSIX locks;
 * - flock(2) locks: whole-file, owned by the open file, a separate space
 *   that never conflicts with the other two.
 * Tables are per filesystem (hence per VM) and inode number.
 */

export type LockType = typeof F_RDLCK | typeof F_WRLCK;

export interface Lock {
  owner: Process | OpenFile;
  /** Record locks (POSIX and OFD) versus flock(2). */
  space: 'record' | 'flock';
  type: LockType;
  start: number;
  /** Exclusive end; Infinity for "to the end of the file, however long". */
  end: number;
}

interface InodeLocks {
  locks: Lock[];
  waiters: (() => void)[];
}

const tables = new WeakMap<FileSystem, Map<number, InodeLocks>>();

function locksOf(ino: Inode, create: boolean): InodeLocks | null {
  let m = tables.get(ino.fs);
  if (m === undefined) {
    if (!create) return null;
    tables.set(ino.fs, (m = new Map()));
  }
  let l = m.get(ino.ino);
  if (l === undefined && create) m.set(ino.ino, (l = { locks: [], waiters: [] }));
  return l ?? null;
}

function isProcess(o: Process | OpenFile): o is Process {
  return 'tgid' in o;
}

function changed(l: InodeLocks): void {
  const w = l.waiters;
  l.waiters = [];
  for (const f of w) f();
}

/** Resolves at the next change of the locks of `ino` (for F_SETLKW and blocking flock). */
export function locksChanged(ino: Inode): Promise<void> {
  const l = locksOf(ino, true)!;
  return new Promise((r) => l.waiters.push(r));
}

/** The first lock of another owner that `want` conflicts with, or null. */
export function conflicting(ino: Inode, want: Lock): Lock | null {
  const l = locksOf(ino, false);
  if (l === null) return null;
  // A process that exited without closing (it always closes: belt and braces) holds nothing.
  l.locks = l.locks.filter((x) => !isProcess(x.owner) || !x.owner.exited);
  for (const x of l.locks) {
    if (x.space !== want.space || x.owner === want.owner) continue;
    if (x.start >= want.end || want.start >= x.end) continue;
    if (x.type === F_WRLCK || want.type === F_WRLCK) return x;
  }
  return null;
}

/** Remove `owner`'s locks over [start, end) in `space`, splitting those that stick out. */
function carve(l: InodeLocks, owner: Process | OpenFile, space: Lock['space'], start: number, end: number): void {
  const out: Lock[] = [];
  for (const x of l.locks) {
    if (x.owner !== owner || x.space !== space || x.start >= end || start >= x.end) {
      out.push(x);
      continue;
    }
    if (x.start < start) out.push({ ...x, end: start });
    if (x.end > end) out.push({ ...x, start: end });
  }
  l.locks = out;
}

/**
 * Apply `want` (type F_UNLCK removes). Returns the conflicting lock when
 * another owner's lock is in the way, null when done.
 */
export function applyLock(ino: Inode, want: Omit<Lock, 'type'> & { type: number }): Lock | null {
  const l = locksOf(ino, true)!;
  if (want.type === F_UNLCK) {
    carve(l, want.owner, want.space, want.start, want.end);
    changed(l);
    return null;
  }
  const lock = want as Lock;
  const c = conflicting(ino, lock);
  if (c !== null) return c;
  carve(l, lock.owner, lock.space, lock.start, lock.end);
  // Merge with this owner's touching locks of the same type (posix_lock_inode).
  let merged: Lock = { ...lock };
  l.locks = l.locks.filter((x) => {
    if (x.owner !== lock.owner || x.space !== lock.space || x.type !== lock.type) return true;
    if (x.end < merged.start || merged.end < x.start) return true;
    merged = { ...merged, start: Math.min(x.start, merged.start), end: Math.max(x.end, merged.end) };
    return false;
  });
  l.locks.push(merged);
  changed(l);
  return null;
}

/** close(2) of any descriptor of `ino` by `t` drops all of t's POSIX locks on it. */
export function releasePosixLocks(t: Task, ino: Inode | null): void {
  if (ino === null) return;
  const l = locksOf(ino, false);
  if (l === null || !l.locks.some((x) => x.owner === t.proc)) return;
  l.locks = l.locks.filter((x) => x.owner !== t.proc);
  changed(l);
}

/** The last descriptor of an open file closed: its OFD and flock locks go. */
export function releaseFileLocks(f: OpenFile): void {
  const ino = f.inode();
  if (ino === null) return;
  const l = locksOf(ino, false);
  if (l === null || !l.locks.some((x) => x.owner === f)) return;
  l.locks = l.locks.filter((x) => x.owner !== f);
  changed(l);
}

/** POSIX lock owners blocked in F_SETLKW, and the owner they wait for (deadlock detection). */
const waitingFor = new Map<Process, Process>();

/**
 * Whether `t` waiting for `holder` closes a cycle of processes waiting for
 * each other's POSIX locks (posix_locks_deadlock: F_SETLKW fails with EDEADLK).
 */
export function wouldDeadlock(t: Task, holder: Lock['owner']): boolean {
  let x: Process | OpenFile | undefined = holder;
  for (let depth = 0; depth < 10 && x !== undefined && isProcess(x); depth++) {
    if (x === t.proc) return true;
    x = waitingFor.get(x);
  }
  return false;
}

/** Record (or with null clear) that `t` waits for a lock `holder` has. */
export function setWaiting(t: Task, holder: Process | null): void {
  if (holder === null) waitingFor.delete(t.proc);
  else waitingFor.set(t.proc, holder);
}

export function isProcessOwner(o: Lock['owner']): o is Process {
  return isProcess(o);
}

/** l_pid of a lock F_GETLK reports: the owning process, or -1 for an open-file lock. */
export function lockPid(x: Lock): number {
  return isProcess(x.owner) ? x.owner.tgid : -1;
}
