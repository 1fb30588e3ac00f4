import { EINVAL, ENOENT, ENOTDIR } from './abi/errno.js';
import { DT_DIR, DT_LNK, DT_REG, FsError, S_IFDIR, S_IFLNK, S_IFREG, type DirEntry, type FileSystem, type Inode, type Stat } from '../fs/types.js';
import { TASK_ZOMBIE } from './task.js';
import type { Kernel } from './kernel.js';
import { CPUID_ECX, CPUID_EDX } from '../cpu/ops-control.js';

/**
 * A small /proc (proc(5)): self, <pid>/{exe,cwd,fd/N,maps,cmdline,status,stat},
 * cpuinfo, meminfo, mounts, uptime, version, loadavg. Contents are made
 * when a file is opened; nothing is cached.
 */
type Node =
  | { kind: 'dir'; list: () => DirEntry[]; child: (name: string) => ProcInode | null }
  | { kind: 'file'; text: () => string }
  | { kind: 'link'; target: () => string };

class ProcInode implements Inode {
  constructor(readonly fs: ProcFs, readonly ino: number, readonly mode: number, readonly node: Node) {}
  stat(): Stat {
    const t = this.fs.bootSec;
    return {
      dev: this.fs.dev, ino: this.ino, mode: this.mode, nlink: this.node.kind === 'dir' ? 2 : 1, uid: 0, gid: 0, rdev: 0,
      size: 0, blksize: 1024, blocks: 0, atimeSec: t, atimeNsec: 0, mtimeSec: t, mtimeNsec: 0, ctimeSec: t, ctimeNsec: 0,
    };
  }
}

const enc = (s: string): Uint8Array => {
  const b = new Uint8Array(s.length);
  for (let k = 0; k < s.length; k++) b[k] = s.charCodeAt(k) & 0xff;
  return b;
};
const hex8 = (n: number): string => (n >>> 0).toString(16).padStart(8, '0');

export class ProcFs implements FileSystem {
  readonly dev = 0x04;
  readonly readOnly = true;
  readonly bootSec: number;
  private readonly rootNode: ProcInode;
  /** The pid asking (the kernel sets it before path resolution); "self" points there. */
  currentPid = 1;

  constructor(private readonly k: Kernel) {
    this.bootSec = Math.floor(k.now() / 1000);
    const files: Record<string, () => string> = {
      cpuinfo: () => this.cpuinfo(),
      meminfo: () => this.meminfo(),
      mounts: () => 'web-vm-root / ext2 rw 0 0\nproc /proc proc rw 0 0\ndevfs /dev devtmpfs rw 0 0\n',
      uptime: () => {
        const up = (k.monotonic() - k.bootMs) / 1000;
        return `${up.toFixed(2)} ${up.toFixed(2)}\n`;
      },
      version: () => 'Linux version 6.1.0-web-vm (web-vm) #1 SMP PREEMPT_DYNAMIC Debian 6.1\n',
      loadavg: () => `0.00 0.00 0.00 1/${k.tasks.size} ${k.tasks.size}\n`,
      filesystems: () => 'nodev\tproc\nnodev\tdevtmpfs\n\text2\n',
    };
    this.rootNode = new ProcInode(this, 1, S_IFDIR | 0o555, {
      kind: 'dir',
      list: () => [
        { name: '.', ino: 1, type: DT_DIR },
        { name: '..', ino: 1, type: DT_DIR },
        { name: 'self', ino: 2, type: DT_LNK },
        ...Object.keys(files).map((name, i) => ({ name, ino: 10 + i, type: DT_REG })),
        ...[...k.tasks.values()].filter((t) => t.state !== TASK_ZOMBIE && t.isLeader).map((t) => ({ name: String(t.pid), ino: this.pidIno(t.pid, 0), type: DT_DIR })),
      ],
      child: (name) => {
        if (name === 'self') return new ProcInode(this, 2, S_IFLNK | 0o777, { kind: 'link', target: () => String(this.currentPid) });
        const f = files[name];
        if (f) return new ProcInode(this, 10 + Object.keys(files).indexOf(name), S_IFREG | 0o444, { kind: 'file', text: f });
        if (/^[1-9][0-9]*$/.test(name)) return this.pidDir(Number(name));
        return null;
      },
    });
  }

  private pidIno(pid: number, n: number): number {
    return 0x10000 + pid * 64 + n;
  }

  private pidDir(pid: number): ProcInode | null {
    const task = this.k.tasks.get(pid);
    if (!task || task.state === TASK_ZOMBIE) return null;
    const entries: Record<string, ProcInode> = {
      exe: new ProcInode(this, this.pidIno(pid, 1), S_IFLNK | 0o777, { kind: 'link', target: () => task.exePath }),
      cwd: new ProcInode(this, this.pidIno(pid, 2), S_IFLNK | 0o777, { kind: 'link', target: () => task.cwdPath }),
      root: new ProcInode(this, this.pidIno(pid, 3), S_IFLNK | 0o777, { kind: 'link', target: () => '/' }),
      maps: new ProcInode(this, this.pidIno(pid, 4), S_IFREG | 0o444, { kind: 'file', text: () => this.maps(pid) }),
      cmdline: new ProcInode(this, this.pidIno(pid, 5), S_IFREG | 0o444, { kind: 'file', text: () => task.cmdline.map((a) => a + '\0').join('') }),
      status: new ProcInode(this, this.pidIno(pid, 6), S_IFREG | 0o444, {
        kind: 'file',
        text: () => `Name:\t${task.comm}\nState:\tR (running)\nTgid:\t${task.tgid}\nPid:\t${pid}\nPPid:\t${task.ppid}\nUid:\t${task.uid}\t${task.uid}\t${task.uid}\t${task.uid}\nGid:\t${task.gid}\t${task.gid}\t${task.gid}\t${task.gid}\nThreads:\t${task.proc.threads.size}\n`,
      }),
      comm: new ProcInode(this, this.pidIno(pid, 10), S_IFREG | 0o644, { kind: 'file', text: () => `${task.comm}\n` }),
      stat: new ProcInode(this, this.pidIno(pid, 7), S_IFREG | 0o444, {
        kind: 'file',
        text: () => `${pid} (${task.comm}) R ${task.ppid} ${task.pgid} ${task.sid} 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 0 0 0\n`,
      }),
      fd: new ProcInode(this, this.pidIno(pid, 8), S_IFDIR | 0o500, {
        kind: 'dir',
        list: () => [
          { name: '.', ino: this.pidIno(pid, 8), type: DT_DIR },
          { name: '..', ino: this.pidIno(pid, 0), type: DT_DIR },
          ...task.fds.flatMap((e, fd) => (e ? [{ name: String(fd), ino: this.pidIno(pid, 9) + fd * 0x100000, type: DT_LNK }] : [])),
        ],
        child: (name) => {
          const e = /^[0-9]+$/.test(name) ? task.getFd(Number(name)) : null;
          if (!e) return null;
          return new ProcInode(this, this.pidIno(pid, 9) + Number(name) * 0x100000, S_IFLNK | 0o700, { kind: 'link', target: () => e.file.path });
        },
      }),
    };
    const dirIno = this.pidIno(pid, 0);
    return new ProcInode(this, dirIno, S_IFDIR | 0o555, {
      kind: 'dir',
      list: () => [
        { name: '.', ino: dirIno, type: DT_DIR },
        { name: '..', ino: 1, type: DT_DIR },
        ...Object.entries(entries).map(([name, n]) => ({ name, ino: n.ino, type: n.node.kind === 'dir' ? DT_DIR : n.node.kind === 'link' ? DT_LNK : DT_REG })),
      ],
      child: (name) => entries[name] ?? null,
    });
  }

  private maps(pid: number): string {
    const task = this.k.tasks.get(pid);
    if (!task) return '';
    return task.as.mappings().map((m) => {
      const perms = (m.prot & 1 ? 'r' : '-') + (m.prot & 2 ? 'w' : '-') + (m.prot & 4 ? 'x' : '-') + (m.shared ? 's' : 'p');
      return `${hex8(m.start)}-${hex8(m.end)} ${perms} ${hex8(m.offset)} 00:00 0${m.name ? ' '.repeat(10) + m.name : ''}`;
    }).join('\n') + '\n';
  }

  private cpuinfo(): string {
    const flags: [number, string][] = [[0, 'fpu'], [4, 'tsc'], [8, 'cx8'], [15, 'cmov'], [23, 'mmx'], [24, 'fxsr'], [25, 'sse'], [26, 'sse2']];
    const ecx: [number, string][] = [[0, 'pni'], [9, 'ssse3']];
    const f = [...flags.filter(([b]) => CPUID_EDX & (1 << b)).map(([, n]) => n), ...ecx.filter(([b]) => CPUID_ECX & (1 << b)).map(([, n]) => n)];
    return `processor\t: 0\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 15\nmodel name\t: web-vm i686 (interpreter)\nstepping\t: 1\ncpu MHz\t\t: 1000.000\nflags\t\t: ${f.join(' ')}\nbogomips\t: 100.00\n\n`;
  }

  private meminfo(): string {
    const total = this.k.phys.frameCount * 4;
    const used = this.k.phys.framesInUse * 4;
    const kb = (n: number): string => `${String(n).padStart(8)} kB`;
    return `MemTotal:       ${kb(total)}\nMemFree:        ${kb(total - used)}\nMemAvailable:   ${kb(total - used)}\nBuffers:        ${kb(0)}\nCached:         ${kb(0)}\nSwapTotal:      ${kb(0)}\nSwapFree:       ${kb(0)}\n`;
  }

  async root(): Promise<Inode> {
    return this.rootNode;
  }
  async lookup(dir: Inode, name: string): Promise<Inode> {
    const d = dir as ProcInode;
    if (d.node.kind !== 'dir') throw new FsError(ENOTDIR, 'not a directory');
    if (name === '.') return d;
    if (name === '..') return this.rootNode;
    const c = d.node.child(name);
    if (!c) throw new FsError(ENOENT, `/proc: no ${name}`);
    return c;
  }
  async read(file: Inode, offset: number, length: number): Promise<Uint8Array> {
    const f = file as ProcInode;
    if (f.node.kind !== 'file') throw new FsError(EINVAL, 'not a file');
    return enc(f.node.text()).slice(offset, offset + length);
  }
  async readdir(dir: Inode): Promise<DirEntry[]> {
    const d = dir as ProcInode;
    if (d.node.kind !== 'dir') throw new FsError(ENOTDIR, 'not a directory');
    return d.node.list();
  }
  async readlink(link: Inode): Promise<string> {
    const l = link as ProcInode;
    if (l.node.kind !== 'link') throw new FsError(EINVAL, 'not a symbolic link');
    return l.node.target();
  }
}
