import { PAGE_SIZE } from '../mem/layout.js';
import { PTE_PRESENT } from '../mem/address-space.js';
import type { Kernel } from './kernel.js';
import { ptsRdev } from '../fs/devfs.js';
import { TASK_BLOCKED, TASK_ZOMBIE, type Task } from './task.js';

/**
 * The text of /proc files about processes and the system, in the formats
 * proc(5) documents and procps (ps, free, uptime, pgrep) parses. CPU time
 * is not accounted: utime/stime and the idle counters stay 0.
 */

/** USER_HZ: the unit of /proc times (AT_CLKTCK is 100). */
const HZ = 100;

export function stateLetter(t: Task): string {
  if (t.state === TASK_ZOMBIE) return 'Z';
  if (t.stopped) return 'T';
  return t.state === TASK_BLOCKED ? 'S' : 'R';
}

const stateName: Record<string, string> = { R: 'R (running)', S: 'S (sleeping)', T: 'T (stopped)', Z: 'Z (zombie)' };

/** tty_nr of the controlling terminal (the kernel's dev_t encoding), and its foreground group (tpgid). */
function ttyNr(t: Task): [number, number] {
  const tty = t.ctty;
  if (tty === null) return [0, -1];
  const m = /^pts\/(\d+)$/.exec(tty.name);
  const rdev = m ? ptsRdev(Number(m[1])) : (5 << 8) | 1;
  return [rdev, tty.pgrp > 0 ? tty.pgrp : -1];
}

/** Pages of `t` that have a frame now (resident set). */
export function residentPages(t: Task): number {
  if (t.state === TASK_ZOMBIE) return 0;
  let n = 0;
  for (const m of t.as.mappings()) {
    for (let vpn = m.start / PAGE_SIZE; vpn < m.end / PAGE_SIZE; vpn++) if (t.as.pte(vpn) & PTE_PRESENT) n++;
  }
  return n;
}

function virtualBytes(t: Task): number {
  if (t.state === TASK_ZOMBIE) return 0;
  let n = 0;
  for (const m of t.as.mappings()) n += m.end - m.start;
  return n;
}

function sigmaskDec(m: [number, number]): string {
  return String((BigInt(m[1] >>> 0) << 32n) | BigInt(m[0] >>> 0));
}

function sigmaskHex(m: [number, number]): string {
  return (m[1] >>> 0).toString(16).padStart(8, '0') + (m[0] >>> 0).toString(16).padStart(8, '0');
}

function handlerMasks(t: Task): { ignored: [number, number]; caught: [number, number] } {
  const ignored: [number, number] = [0, 0];
  const caught: [number, number] = [0, 0];
  for (const [sig, a] of t.sigactions) {
    const w = sig <= 32 ? 0 : 1;
    const bit = 1 << ((sig - 1) & 31);
    if (a.handler === 1) ignored[w] |= bit;
    else if (a.handler > 1) caught[w] |= bit;
  }
  return { ignored, caught };
}

/** /proc/<pid>/stat: the 52 fields of proc(5). */
export function statLine(k: Kernel, t: Task): string {
  const start = Math.floor(((t.startMs - k.bootMs) * HZ) / 1000);
  const { ignored, caught } = handlerMasks(t);
  const [tty, tpgid] = ttyNr(t);
  const f: (string | number)[] = [
    t.pid, `(${t.comm})`, stateLetter(t), t.ppid, t.pgid, t.sid, tty, tpgid, 0x400000,
    0, 0, 0, 0, 0, 0, 0, 0, 20, 0, t.proc.threads.size || 1, 0, start, virtualBytes(t), residentPages(t), 4294967295,
    0, 0, 0, 0, 0, sigmaskDec([0, 0]), sigmaskDec(t.sigmask), sigmaskDec(ignored), sigmaskDec(caught), 0, 0, 0, 17, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, t.state === TASK_ZOMBIE ? t.waitStatus : 0,
  ];
  return f.join(' ') + '\n';
}

/** /proc/<pid>/statm: sizes in pages. */
export function statmLine(t: Task): string {
  const size = virtualBytes(t) / PAGE_SIZE;
  return `${size} ${residentPages(t)} 0 0 0 ${size} 0\n`;
}

/** /proc/<pid>/status, the fields procps and shells read. */
export function statusText(t: Task): string {
  const { ignored, caught } = handlerMasks(t);
  const kb = (pages: number): string => `${String(pages * 4).padStart(8)} kB`;
  const vm = virtualBytes(t) / PAGE_SIZE;
  const rss = residentPages(t);
  const lines = [
    `Name:\t${t.comm}`, `Umask:\t${t.umask.toString(8).padStart(4, '0')}`, `State:\t${stateName[stateLetter(t)]}`,
    `Tgid:\t${t.tgid}`, 'Ngid:\t0', `Pid:\t${t.pid}`, `PPid:\t${t.ppid}`, 'TracerPid:\t0',
    `Uid:\t${t.uid}\t${t.euid}\t${t.suid}\t${t.euid}`, `Gid:\t${t.gid}\t${t.egid}\t${t.sgid}\t${t.egid}`,
    `FDSize:\t${Math.max(64, t.fds.length)}`, `Groups:\t${t.groups.join(' ')}${t.groups.length ? ' ' : ''}`,
  ];
  if (t.state !== TASK_ZOMBIE) {
    lines.push(`VmPeak:\t${kb(vm)}`, `VmSize:\t${kb(vm)}`, 'VmLck:\t       0 kB', `VmHWM:\t${kb(rss)}`, `VmRSS:\t${kb(rss)}`,
      `RssAnon:\t${kb(rss)}`, 'RssFile:\t       0 kB', 'RssShmem:\t       0 kB', `VmData:\t${kb(vm)}`, 'VmStk:\t     132 kB', 'VmExe:\t       0 kB',
      'VmLib:\t       0 kB', 'VmPTE:\t       0 kB', 'VmSwap:\t       0 kB');
  }
  lines.push(`Threads:\t${t.proc.threads.size || 1}`, 'SigQ:\t0/31760', `SigPnd:\t${sigmaskHex([0, 0])}`, `ShdPnd:\t${sigmaskHex(pendingMask(t))}`,
    `SigBlk:\t${sigmaskHex(t.sigmask)}`, `SigIgn:\t${sigmaskHex(ignored)}`, `SigCgt:\t${sigmaskHex(caught)}`,
    'CapInh:\t0000000000000000', `CapPrm:\t${t.euid === 0 ? '000001ffffffffff' : '0000000000000000'}`,
    `CapEff:\t${t.euid === 0 ? '000001ffffffffff' : '0000000000000000'}`, 'CapBnd:\t000001ffffffffff', 'CapAmb:\t0000000000000000',
    'NoNewPrivs:\t0', 'Seccomp:\t0', 'Cpus_allowed:\t1', 'Cpus_allowed_list:\t0', 'voluntary_ctxt_switches:\t0', 'nonvoluntary_ctxt_switches:\t0');
  return lines.join('\n') + '\n';
}

function pendingMask(t: Task): [number, number] {
  const m: [number, number] = [0, 0];
  for (const sig of t.pending.keys()) m[sig <= 32 ? 0 : 1] |= 1 << ((sig - 1) & 31);
  return m;
}

/** /proc/stat: no CPU accounting, but the boot time and process counts ps and uptime use. */
export function systemStat(k: Kernel, bootSec: number): string {
  const upTicks = Math.floor(((k.monotonic() - k.bootMs) * HZ) / 1000);
  let running = 0;
  let blocked = 0;
  for (const t of k.tasks.values()) {
    if (t.state === TASK_ZOMBIE) continue;
    if (t.state === TASK_BLOCKED) blocked++;
    else running++;
  }
  const cpu = `0 0 0 ${upTicks} 0 0 0 0 0 0`;
  return `cpu  ${cpu}\ncpu0 ${cpu}\nintr 0\nctxt 0\nbtime ${bootSec}\nprocesses ${k.tasks.size}\nprocs_running ${Math.max(1, running)}\nprocs_blocked ${blocked}\nsoftirq 0 0 0 0 0 0 0 0 0 0 0\n`;
}

export function loadavgLine(k: Kernel): string {
  let running = 0;
  let total = 0;
  let last = 0;
  for (const t of k.tasks.values()) {
    if (t.state === TASK_ZOMBIE) continue;
    total++;
    if (t.state !== TASK_BLOCKED) running++;
    last = Math.max(last, t.pid);
  }
  return `0.00 0.00 0.00 ${Math.max(1, running)}/${total} ${last}\n`;
}

/** /proc/meminfo: guest RAM is the frame pool; there is no swap and no page cache to speak of. */
export function meminfoText(k: Kernel): string {
  const total = k.phys.frameCount * 4;
  const free = (k.phys.frameCount - k.phys.framesInUse) * 4;
  const kb = (n: number): string => `${String(n).padStart(8)} kB`;
  const rows: [string, number][] = [
    ['MemTotal', total], ['MemFree', free], ['MemAvailable', free], ['Buffers', 0], ['Cached', 0], ['SwapCached', 0],
    ['Active', total - free], ['Inactive', 0], ['Shmem', 0], ['SReclaimable', 0], ['SUnreclaim', 0],
    ['SwapTotal', 0], ['SwapFree', 0], ['Dirty', 0], ['Writeback', 0], ['AnonPages', total - free], ['Mapped', 0],
    ['CommitLimit', total], ['Committed_AS', total - free], ['VmallocTotal', 0], ['HugePages_Total', 0],
  ];
  return rows.map(([n, v]) => `${(n + ':').padEnd(16)}${n.startsWith('HugePages') ? String(v).padStart(8) : kb(v)}`).join('\n') + '\n';
}
