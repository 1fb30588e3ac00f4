import { EINVAL, EPERM } from '../abi/errno.js';
import * as N from '../abi/syscalls.js';
import { SyscallError } from '../errors.js';
import type { Kernel } from '../kernel.js';
import type { Task } from '../task.js';
import { bytesToString, type SyscallTable } from './types.js';

/**
 * Credentials (credentials(7)): real, effective and saved user and group
 * ids and the supplementary groups, with the permission rules of
 * setuid(2), setreuid(2), setresuid(2) and setgroups(2) (kernel/sys.c);
 * the effective uid 0 stands for CAP_SETUID/CAP_SETGID. Also the host and
 * domain names (sethostname(2)), which uname(2) and /proc report.
 */

/** Both the 32-bit calls and the old 16-bit ones (where -1 is 0xffff). */
type Width = 16 | 32;
const arg = (v: number, w: Width): number => (w === 16 ? ((v & 0xffff) === 0xffff ? -1 : v & 0xffff) : v === -1 ? -1 : v >>> 0);
const out = (v: number, w: Width): number => (w === 16 ? (v > 0xffff ? 65534 : v) : v);

interface Ids {
  r: 'uid' | 'gid';
  e: 'euid' | 'egid';
  s: 'suid' | 'sgid';
}
const UID: Ids = { r: 'uid', e: 'euid', s: 'suid' };
const GID: Ids = { r: 'gid', e: 'egid', s: 'sgid' };

const privileged = (t: Task): boolean => t.euid === 0;

function setId(t: Task, ids: Ids, v: number): number {
  if (v < 0) throw new SyscallError(EINVAL);
  if (privileged(t)) {
    t[ids.r] = v;
    t[ids.s] = v;
  } else if (v !== t[ids.r] && v !== t[ids.s]) throw new SyscallError(EPERM);
  t[ids.e] = v;
  return 0;
}

function setreId(t: Task, ids: Ids, r: number, e: number): number {
  const oldR = t[ids.r];
  const oldE = t[ids.e];
  if (!privileged(t)) {
    if (r !== -1 && r !== oldR && r !== oldE) throw new SyscallError(EPERM);
    if (e !== -1 && e !== oldR && e !== oldE && e !== t[ids.s]) throw new SyscallError(EPERM);
  }
  if (r !== -1) t[ids.r] = r;
  if (e !== -1) t[ids.e] = e;
  // The saved id follows the effective one when the real id is set or the effective one leaves the old real id.
  if (r !== -1 || (e !== -1 && e !== oldR)) t[ids.s] = t[ids.e];
  return 0;
}

function setresId(t: Task, ids: Ids, r: number, e: number, s: number): number {
  if (!privileged(t)) {
    const ok = (v: number): boolean => v === -1 || v === t[ids.r] || v === t[ids.e] || v === t[ids.s];
    if (!ok(r) || !ok(e) || !ok(s)) throw new SyscallError(EPERM);
  }
  if (r !== -1) t[ids.r] = r;
  if (e !== -1) t[ids.e] = e;
  if (s !== -1) t[ids.s] = s;
  return 0;
}

function getresId(t: Task, ids: Ids, rp: number, ep: number, sp: number, w: Width): number {
  const put = (p: number, v: number): void => {
    if (w === 16) t.as.write(p, new Uint8Array([out(v, w) & 0xff, out(v, w) >> 8]));
    else t.as.write32(p, v);
  };
  put(rp, t[ids.r]);
  put(ep, t[ids.e]);
  put(sp, t[ids.s]);
  return 0;
}

/** NGROUPS_MAX (linux/limits.h). */
const NGROUPS_MAX = 65536;

function getgroups(t: Task, size: number, list: number, w: Width): number {
  if (size < 0) throw new SyscallError(EINVAL);
  if (size === 0) return t.groups.length;
  if (size < t.groups.length) throw new SyscallError(EINVAL);
  t.groups.forEach((g, i) => {
    if (w === 16) t.as.write(list + i * 2, new Uint8Array([out(g, w) & 0xff, out(g, w) >> 8]));
    else t.as.write32(list + i * 4, g);
  });
  return t.groups.length;
}

function setgroups(t: Task, size: number, list: number, w: Width): number {
  if (!privileged(t)) throw new SyscallError(EPERM);
  if (size < 0 || size > NGROUPS_MAX) throw new SyscallError(EINVAL);
  const g: number[] = [];
  for (let i = 0; i < size; i++) {
    if (w === 16) {
      const b = t.as.read(list + i * 2, 2);
      g.push(b[0] | (b[1] << 8));
    } else g.push(t.as.read32(list + i * 4) >>> 0);
  }
  // The kernel keeps them sorted (groups_sort); getgroups returns that order.
  t.groups = g.sort((a, b) => a - b);
  return 0;
}

/** __NEW_UTS_LEN: host and domain names of at most 64 bytes. */
const UTS_LEN = 64;

function setUtsName(k: Kernel, t: Task, which: 'nodename' | 'domainname', name: number, len: number): number {
  if (!privileged(t)) throw new SyscallError(EPERM);
  if (len < 0 || len > UTS_LEN) throw new SyscallError(EINVAL);
  k.uts[which] = bytesToString(t.as.read(name, len));
  return 0;
}

function ids(w: Width): SyscallTable {
  const a = (v: number): number => arg(v, w);
  const NR = w === 32
    ? { setuid: N.NR_setuid32, setgid: N.NR_setgid32, setreuid: N.NR_setreuid32, setregid: N.NR_setregid32, setresuid: N.NR_setresuid32,
        setresgid: N.NR_setresgid32, getresuid: N.NR_getresuid32, getresgid: N.NR_getresgid32, getgroups: N.NR_getgroups32,
        setgroups: N.NR_setgroups32, setfsuid: N.NR_setfsuid32, setfsgid: N.NR_setfsgid32 }
    : { setuid: N.NR_setuid, setgid: N.NR_setgid, setreuid: N.NR_setreuid, setregid: N.NR_setregid, setresuid: N.NR_setresuid,
        setresgid: N.NR_setresgid, getresuid: N.NR_getresuid, getresgid: N.NR_getresgid, getgroups: N.NR_getgroups,
        setgroups: N.NR_setgroups, setfsuid: N.NR_setfsuid, setfsgid: N.NR_setfsgid };
  return {
    [NR.setuid]: (_k, t, v) => setId(t, UID, a(v)),
    [NR.setgid]: (_k, t, v) => setId(t, GID, a(v)),
    [NR.setreuid]: (_k, t, r, e) => setreId(t, UID, a(r), a(e)),
    [NR.setregid]: (_k, t, r, e) => setreId(t, GID, a(r), a(e)),
    [NR.setresuid]: (_k, t, r, e, s) => setresId(t, UID, a(r), a(e), a(s)),
    [NR.setresgid]: (_k, t, r, e, s) => setresId(t, GID, a(r), a(e), a(s)),
    [NR.getresuid]: (_k, t, r, e, s) => getresId(t, UID, r, e, s, w),
    [NR.getresgid]: (_k, t, r, e, s) => getresId(t, GID, r, e, s, w),
    [NR.getgroups]: (_k, t, size, list) => getgroups(t, size, list, w),
    [NR.setgroups]: (_k, t, size, list) => setgroups(t, size, list, w),
    // The filesystem ids follow the effective ones here: setfsuid reports them and changes nothing else.
    [NR.setfsuid]: (_k, t) => out(t.euid, w),
    [NR.setfsgid]: (_k, t) => out(t.egid, w),
  };
}

export const credSyscalls: SyscallTable = {
  ...ids(16),
  ...ids(32),
  [N.NR_getuid]: (_k, t) => out(t.uid, 16),
  [N.NR_geteuid]: (_k, t) => out(t.euid, 16),
  [N.NR_getgid]: (_k, t) => out(t.gid, 16),
  [N.NR_getegid]: (_k, t) => out(t.egid, 16),
  [N.NR_getuid32]: (_k, t) => t.uid,
  [N.NR_geteuid32]: (_k, t) => t.euid,
  [N.NR_getgid32]: (_k, t) => t.gid,
  [N.NR_getegid32]: (_k, t) => t.egid,
  [N.NR_sethostname]: (k, t, name, len) => setUtsName(k, t, 'nodename', name, len),
  [N.NR_setdomainname]: (k, t, name, len) => setUtsName(k, t, 'domainname', name, len),
};
