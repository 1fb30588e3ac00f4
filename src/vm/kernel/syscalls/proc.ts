import { TLS_ENTRIES, TLS_ENTRY_MIN, S_TLS_BASE, S_TLS_LIMIT, S_TLS_USED, S_SEG_SEL, S_SEG_BASE } from '../../mem/layout.js';
import { EINVAL, ESRCH, EPERM } from '../abi/errno.js';
import * as S from '../abi/structs.js';
import * as N from '../abi/syscalls.js';
import { SyscallError } from '../errors.js';
import type { Kernel } from '../kernel.js';
import { TASK_ZOMBIE, type Task } from '../task.js';
import { encodeString, type SyscallTable } from './types.js';

/** Process identity, exit, TLS, limits, uname, randomness. */

function uname(k: Kernel, t: Task, buf: number): number {
  const b = new Uint8Array(S.UTSNAME_SIZE);
  const put = (off: number, s: string): void => b.set(encodeString(s).subarray(0, S.__NEW_UTS_LEN), off);
  put(S.UTS_SYSNAME, 'Linux');
  put(S.UTS_NODENAME, k.uts.nodename);
  put(S.UTS_RELEASE, '6.1.0-web-vm');
  put(S.UTS_VERSION, '#1 SMP PREEMPT_DYNAMIC Debian 6.1');
  put(S.UTS_MACHINE, 'i686');
  put(S.UTS_DOMAINNAME, k.uts.domainname);
  t.as.write(buf, b);
  return 0;
}

/**
 * set_thread_area(struct user_desc *): install a TLS descriptor in GDT
 * entries 6–8 (entry_number -1 picks a free one and reports it back).
 * arch/x86/kernel/tls.c.
 */
export function setThreadArea(t: Task, regs: Int32Array, uinfo: number): number {
  let entry = t.as.read32(uinfo + S.UD_ENTRY);
  const base = t.as.read32(uinfo + S.UD_BASE);
  const limit = t.as.read32(uinfo + S.UD_LIMIT);
  const flags = t.as.read32(uinfo + S.UD_FLAGS);
  if (entry === -1) {
    let free = -1;
    for (let e = 0; e < TLS_ENTRIES; e++) if (regs[S_TLS_USED + e] === 0) { free = e; break; }
    if (free < 0) throw new SyscallError(ESRCH);
    entry = TLS_ENTRY_MIN + free;
    t.as.write32(uinfo + S.UD_ENTRY, entry);
  }
  if (entry < TLS_ENTRY_MIN || entry >= TLS_ENTRY_MIN + TLS_ENTRIES) throw new SyscallError(EINVAL);
  const slot = entry - TLS_ENTRY_MIN;
  // LDT_empty: read_exec_only (bit 3) and seg_not_present (bit 5) both set, base and limit 0 → clear.
  const empty = base === 0 && limit === 0 && (flags & 0x28) === 0x28;
  regs[S_TLS_USED + slot] = empty ? 0 : 1;
  regs[S_TLS_BASE + slot] = empty ? 0 : base;
  regs[S_TLS_LIMIT + slot] = limit;
  // A segment register already holding this selector picks up the new base.
  for (let r = 0; r < 6; r++) if ((regs[S_SEG_SEL + r] >> 3) === entry) regs[S_SEG_BASE + r] = base;
  return 0;
}

function getThreadArea(k: Kernel, t: Task, uinfo: number): number {
  const regs = k.regsOf(t);
  const entry = t.as.read32(uinfo + S.UD_ENTRY);
  if (entry < TLS_ENTRY_MIN || entry >= TLS_ENTRY_MIN + TLS_ENTRIES) throw new SyscallError(EINVAL);
  const slot = entry - TLS_ENTRY_MIN;
  t.as.write32(uinfo + S.UD_BASE, regs[S_TLS_BASE + slot]);
  t.as.write32(uinfo + S.UD_LIMIT, regs[S_TLS_LIMIT + slot]);
  t.as.write32(uinfo + S.UD_FLAGS, regs[S_TLS_USED + slot] ? 0x51 : 0x28);
  return 0;
}

const RLIM_INFINITY = 0xffffffff;
function defaultLimit(res: number): [number, number] {
  switch (res) {
    case S.RLIMIT_STACK: return [8 * 1024 * 1024, RLIM_INFINITY];
    case S.RLIMIT_NOFILE: return [1024, 1024 * 1024];
    case S.RLIMIT_CORE: return [0, RLIM_INFINITY];
    case S.RLIMIT_NPROC: return [4096, 4096];
    default: return [RLIM_INFINITY, RLIM_INFINITY];
  }
}

export function getLimit(t: Task, res: number): [number, number] {
  if (res < 0 || res >= S.RLIM_NLIMITS) throw new SyscallError(EINVAL);
  return t.rlimits.get(res) ?? defaultLimit(res);
}

function prlimit64(k: Kernel, caller: Task, pid: number, res: number, newp: number, oldp: number): number {
  const t = pid === 0 || pid === caller.tgid ? caller : k.tasks.get(pid);
  if (t === undefined || t.state === TASK_ZOMBIE) throw new SyscallError(ESRCH);
  if (t.proc !== caller.proc && caller.euid !== 0 && caller.euid !== t.uid) throw new SyscallError(EPERM);
  const cur = getLimit(t, res);
  // The new limits are read from the caller before the old ones are stored (they may share a buffer).
  let next: [number, number] | null = null;
  if (newp !== 0) {
    const b = caller.as.read(newp, 16);
    const dv = new DataView(b.buffer);
    const dec = (v: bigint): number => (v >= 0xffffffffn ? RLIM_INFINITY : Number(v));
    next = [dec(dv.getBigUint64(0, true)), dec(dv.getBigUint64(8, true))];
    if (next[0] > next[1]) throw new SyscallError(EINVAL);
    if (next[1] > cur[1] && caller.euid !== 0) throw new SyscallError(EPERM);
  }
  if (oldp !== 0) {
    const b = new Uint8Array(16);
    const dv = new DataView(b.buffer);
    const enc = (v: number): bigint => (v === RLIM_INFINITY ? 0xffffffffffffffffn : BigInt(v));
    dv.setBigUint64(0, enc(cur[0]), true);
    dv.setBigUint64(8, enc(cur[1]), true);
    caller.as.write(oldp, b);
  }
  if (next !== null) t.rlimits.set(res, next);
  return 0;
}

function getrlimit(t: Task, res: number, p: number, old: boolean): number {
  const [soft, hard] = getLimit(t, res);
  // The old getrlimit reports infinity as 0x7fffffff.
  const clamp = (v: number): number => (old && v === RLIM_INFINITY ? 0x7fffffff : v);
  t.as.write32(p, clamp(soft));
  t.as.write32(p + 4, clamp(hard));
  return 0;
}

function getrandom(k: Kernel, t: Task, buf: number, len: number): number {
  len >>>= 0;
  const n = Math.min(len, 33554431);
  const b = new Uint8Array(n);
  for (let o = 0; o < n; o += 65536) k.random(b.subarray(o, Math.min(n, o + 65536)));
  t.as.write(buf, b);
  return n;
}

export const procSyscalls: SyscallTable = {
  [N.NR_exit]: (k, t, code) => {
    k.exitThread(t, code);
    return 0;
  },
  [N.NR_exit_group]: (k, t, code) => {
    k.exitTask(t, code, 0);
    return 0;
  },
  [N.NR_getpid]: (_k, t) => t.tgid,
  [N.NR_gettid]: (_k, t) => t.pid,
  [N.NR_getppid]: (_k, t) => t.ppid,
  [N.NR_umask]: (_k, t, mask) => {
    const old = t.umask;
    t.umask = mask & 0o777;
    return old;
  },
  [N.NR_uname]: (k, t, buf) => uname(k, t, buf),
  [N.NR_set_thread_area]: (k, t, u) => setThreadArea(t, k.regsOf(t), u),
  [N.NR_get_thread_area]: (k, t, u) => getThreadArea(k, t, u),
  [N.NR_set_tid_address]: (_k, t, p) => {
    t.clearChildTid = p;
    return t.pid;
  },
  [N.NR_prlimit64]: (k, t, pid, res, newp, oldp) => prlimit64(k, t, pid, res, newp, oldp),
  [N.NR_ugetrlimit]: (_k, t, res, p) => getrlimit(t, res, p, false),
  [N.NR_getrlimit]: (_k, t, res, p) => getrlimit(t, res, p, true),
  [N.NR_setrlimit]: (_k, t, res, p) => {
    const soft = t.as.read32(p) >>> 0;
    const hard = t.as.read32(p + 4) >>> 0;
    const cur = getLimit(t, res);
    if (soft > hard) throw new SyscallError(EINVAL);
    if (hard > cur[1] && t.euid !== 0) throw new SyscallError(EPERM);
    t.rlimits.set(res, [soft, hard]);
    return 0;
  },
  [N.NR_getrandom]: (k, t, buf, len) => getrandom(k, t, buf, len),
  [N.NR_personality]: () => 0,
  // sysinfo(2): uptime, RAM from memory-mb, process count.
  [N.NR_sysinfo]: (k, t, info) => {
    const b = new Uint8Array(S.SYSINFO_SIZE);
    const dv = new DataView(b.buffer);
    dv.setInt32(0, Math.floor((k.monotonic() - k.bootMs) / 1000), true);
    dv.setUint32(16, k.phys.frameCount * 4096, true);
    dv.setUint32(20, (k.phys.frameCount - k.phys.framesInUse) * 4096, true);
    dv.setUint16(40, k.tasks.size, true);
    dv.setUint32(52, 1, true); // mem_unit
    t.as.write(info, b);
    return 0;
  },
};
