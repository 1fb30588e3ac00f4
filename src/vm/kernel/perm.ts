import { EACCES, EPERM } from './abi/errno.js';
import { S_IFDIR, S_IFMT, type Inode } from '../fs/types.js';
import { SyscallError } from './errors.js';
import type { Task } from './task.js';

/**
 * File permission checks (path_resolution(7) "Permissions",
 * fs/namei.c generic_permission): owner, group (primary or supplementary)
 * or other bits against the effective ids — the real ids for access(2).
 * Effective uid 0 stands for CAP_DAC_OVERRIDE: everything is allowed except
 * executing a non-directory with no execute bit at all.
 */
export const MAY_EXEC = 1;
export const MAY_WRITE = 2;
export const MAY_READ = 4;

/** Filesystems that decide for themselves (procfs reports uid 0 for everything): no checks. */
const unchecked = new WeakSet<object>();
export function skipPermissionChecks(fs: object): void {
  unchecked.add(fs);
}

export function permits(t: Task, ino: Inode, mask: number, real = false): boolean {
  if (unchecked.has(ino.fs)) return true;
  const uid = real ? t.uid : t.euid;
  const gid = real ? t.gid : t.egid;
  const st = ino.stat();
  if (uid === 0) return !(mask & MAY_EXEC) || (st.mode & S_IFMT) === S_IFDIR || (st.mode & 0o111) !== 0;
  const bits = st.uid === uid ? st.mode >> 6 : st.gid === gid || t.groups.includes(st.gid) ? st.mode >> 3 : st.mode;
  return (bits & mask & 7) === (mask & 7);
}

export function checkPermission(t: Task, ino: Inode, mask: number, real = false): void {
  if (!permits(t, ino, mask, real)) throw new SyscallError(EACCES);
}

/** The walk's directory-search check for `t` (none for root, who may search anything). */
export function searchCheck(t: Task): ((dir: Inode) => void) | undefined {
  if (t.euid === 0) return undefined;
  return (dir) => checkPermission(t, dir, MAY_EXEC);
}

/**
 * Removing or renaming `victim` out of `dir`: write and search on the
 * directory, and in a sticky directory (/tmp) only the owner of the file or
 * of the directory may (EPERM otherwise; unlink(2)).
 */
export function checkRemove(t: Task, dir: Inode, victim: Inode | null): void {
  checkPermission(t, dir, MAY_WRITE | MAY_EXEC);
  if (victim === null || t.euid === 0 || unchecked.has(dir.fs)) return;
  const d = dir.stat();
  if (d.mode & 0o1000 && victim.stat().uid !== t.euid && d.uid !== t.euid) throw new SyscallError(EPERM);
}
