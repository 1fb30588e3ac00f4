import { EINVAL, ENOENT, ENOTDIR } from './abi/errno.js';
import { DT_DIR, DT_LNK, DT_REG, FsError, S_IFDIR, S_IFLNK, S_IFREG, type DirEntry, type FileSystem, type Inode, type Stat } from '../fs/types.js';
import { loadavgLine, meminfoText, statLine, statmLine, statusText, systemStat } from './procfs-text.js';
import type { Kernel } from './kernel.js';
import { TASK_ZOMBIE, type Task } from './task.js';
import { skipPermissionChecks } from './perm.js';
import { CPUID_ECX, CPUID_EDX } from '../cpu/ops-control.js';

/**
 * A small /proc (proc(5)): self, <pid>/{exe,cwd,fd/N,maps,cmdline,status,stat},
 * cpuinfo, meminfo, mounts, uptime, version, loadavg. Contents are made
 * when a file is opened; nothing is cached.
 */
type Node =
  | { kind: 'dir'; list: () => DirEntry[]; child: (name: string, caller: number) => ProcInode | null }
  | { kind: 'file'; text: () => string }
  | { kind: 'link'; target: () => string };

class ProcInode implements Inode {
  /** Owner: a process's directory and files belong to its effective ids (ps reads the user from them). */
  owner: Task | null = null;
  constructor(readonly fs: ProcFs, readonly ino: number, readonly mode: number, readonly node: Node) {}
  stat(): Stat {
    const t = this.fs.bootSec;
    return {
      dev: this.fs.dev, ino: this.ino, mode: this.mode, nlink: this.node.kind === 'dir' ? 2 : 1,
      uid: this.owner?.euid ?? 0, gid: this.owner?.egid ?? 0, rdev: 0,
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
  readonly magic = 0x9fa0;
  readonly bootSec: number;
  private readonly rootNode: ProcInode;
  /** The pid asking (the kernel sets it before path resolution); "self" points there. */
  currentPid = 1;

  constructor(private readonly k: Kernel) {
    skipPermissionChecks(this);
    this.bootSec = Math.floor(k.now() / 1000);
    const files: Record<string, () => string> = {
      cpuinfo: () => this.cpuinfo(),
      meminfo: () => meminfoText(k),
      mounts: () => this.mountsText(),
      uptime: () => {
        const up = (k.monotonic() - k.bootMs) / 1000;
        return `${up.toFixed(2)} ${up.toFixed(2)}\n`;
      },
      version: () => 'Linux version 6.1.0-web-vm (web-vm) #1 SMP PREEMPT_DYNAMIC Debian 6.1\n',
      loadavg: () => loadavgLine(k),
      stat: () => systemStat(k, this.bootSec),
      filesystems: () => 'nodev\tsysfs\nnodev\ttmpfs\nnodev\tproc\nnodev\tdevtmpfs\nnodev\tsockfs\nnodev\tpipefs\nnodev\tdevpts\n\text2\n',
    };
    this.rootNode = new ProcInode(this, 1, S_IFDIR | 0o555, {
      kind: 'dir',
      list: () => [
        { name: '.', ino: 1, type: DT_DIR },
        { name: '..', ino: 1, type: DT_DIR },
        { name: 'self', ino: 2, type: DT_LNK },
        ...Object.keys(files).map((name, i) => ({ name, ino: 10 + i, type: DT_REG })),
        { name: 'sys', ino: 3, type: DT_DIR },
        // Processes (their leaders), zombies included as ps expects; threads only under task/.
        ...[...k.tasks.values()].filter((t) => t.isLeader).map((t) => ({ name: String(t.pid), ino: this.pidIno(t.pid, 0), type: DT_DIR })),
      ],
      child: (name, caller) => {
        // The pid is taken at lookup: the walk that follows may await, and other tasks run meanwhile.
        if (name === 'self') return new ProcInode(this, 2, S_IFLNK | 0o777, { kind: 'link', target: () => String(caller) });
        const f = files[name];
        if (f) return new ProcInode(this, 10 + Object.keys(files).indexOf(name), S_IFREG | 0o444, { kind: 'file', text: f });
        if (name === 'sys') return this.sysDir();
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
    if (!task) return null;
    const file = (n: number, text: () => string, mode = 0o444): ProcInode => new ProcInode(this, this.pidIno(pid, n), S_IFREG | mode, { kind: 'file', text });
    const entries: Record<string, ProcInode> = {
      exe: new ProcInode(this, this.pidIno(pid, 1), S_IFLNK | 0o777, { kind: 'link', target: () => task.exePath }),
      cwd: new ProcInode(this, this.pidIno(pid, 2), S_IFLNK | 0o777, { kind: 'link', target: () => task.cwdPath }),
      root: new ProcInode(this, this.pidIno(pid, 3), S_IFLNK | 0o777, { kind: 'link', target: () => '/' }),
      maps: new ProcInode(this, this.pidIno(pid, 4), S_IFREG | 0o444, { kind: 'file', text: () => this.maps(pid) }),
      cmdline: new ProcInode(this, this.pidIno(pid, 5), S_IFREG | 0o444, { kind: 'file', text: () => task.cmdline.map((a) => a + '\0').join('') }),
      status: file(6, () => statusText(task)),
      stat: file(7, () => statLine(this.k, task)),
      statm: file(10, () => statmLine(task)),
      environ: file(11, () => task.environ.map((a) => a + '\0').join(''), 0o400),
      comm: file(12, () => task.comm + '\n', 0o644),
      mounts: file(13, () => this.mountsText()),
      mountinfo: file(15, () => this.mountinfoText()),
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
    // task/: the threads of the process, each a directory like the process's own.
    entries.task = new ProcInode(this, this.pidIno(pid, 14), S_IFDIR | 0o555, {
      kind: 'dir',
      list: () => [
        { name: '.', ino: this.pidIno(pid, 14), type: DT_DIR },
        { name: '..', ino: dirIno, type: DT_DIR },
        ...[...task.proc.threads].map((th) => ({ name: String(th.pid), ino: this.pidIno(th.pid, 0), type: DT_DIR })),
      ],
      child: (name) => ([...task.proc.threads].some((th) => String(th.pid) === name) ? this.pidDir(Number(name)) : null),
    });
    for (const e of Object.values(entries)) e.owner = task;
    const dir = new ProcInode(this, dirIno, S_IFDIR | 0o555, {
      kind: 'dir',
      list: () => [
        { name: '.', ino: dirIno, type: DT_DIR },
        { name: '..', ino: 1, type: DT_DIR },
        ...Object.entries(entries).map(([name, n]) => ({ name, ino: n.ino, type: n.node.kind === 'dir' ? DT_DIR : n.node.kind === 'link' ? DT_LNK : DT_REG })),
      ],
      child: (name) => entries[name] ?? null,
    });
    dir.owner = task;
    return dir;
  }

  private mountList(): { source: string; target: string; type: string; opts: string; dev: number }[] {
    return [
      { source: 'web-vm-root', target: '/', type: 'ext2', opts: 'rw', dev: this.k.opts.root.dev },
      { source: 'proc', target: '/proc', type: 'proc', opts: 'rw', dev: this.dev },
      { source: 'devfs', target: '/dev', type: 'devtmpfs', opts: 'rw', dev: 0x05 },
      ...this.k.mountLines,
    ];
  }

  private mountsText(): string {
    return this.mountList().map((m) => `${m.source} ${m.target} ${m.type} ${m.opts} 0 0\n`).join('');
  }

  /** /proc/<pid>/mountinfo (proc(5)): id, parent, major:minor, root, mount point, options, "-", type, source, super options. */
  private mountinfoText(): string {
    return this.mountList().map((m, i) => {
      const [vfs, ...sup] = m.opts.split(',');
      return `${21 + i} ${i === 0 ? 1 : 21} ${m.dev >> 8}:${m.dev & 0xff} / ${m.target} ${vfs},relatime shared:${i + 1} - ${m.type} ${m.source} ${['rw', ...sup].join(',')}\n`;
    }).join('');
  }

  /** /proc/sys/kernel (and the few other sysctls programs read). */
  private sysDir(): ProcInode {
    const k = this.k;
    const tree: Record<string, Record<string, () => string>> = {
      kernel: {
        osrelease: () => '6.1.0-web-vm\n', ostype: () => 'Linux\n', version: () => '#1 SMP PREEMPT_DYNAMIC Debian 6.1\n',
        hostname: () => k.uts.nodename + '\n', domainname: () => k.uts.domainname + '\n', pid_max: () => '32768\n',
        'threads-max': () => `${k.maxTasks}\n`, ngroups_max: () => '65536\n',
      },
      fs: { 'pipe-max-size': () => '1048576\n', 'file-max': () => '9223372036854775807\n', nr_open: () => '1048576\n' },
      vm: { overcommit_memory: () => '0\n', max_map_count: () => '65530\n' },
    };
    const base = 0x8000;
    const dirs = Object.keys(tree);
    const sub = (d: string, i: number): ProcInode => {
      const names = Object.keys(tree[d]);
      const ino = base + i * 64;
      return new ProcInode(this, ino, S_IFDIR | 0o555, {
        kind: 'dir',
        list: () => [{ name: '.', ino, type: DT_DIR }, { name: '..', ino: base - 1, type: DT_DIR },
          ...names.map((n, j) => ({ name: n, ino: ino + 1 + j, type: DT_REG }))],
        child: (n) => (tree[d][n] ? new ProcInode(this, ino + 1 + names.indexOf(n), S_IFREG | 0o444, { kind: 'file', text: tree[d][n] }) : null),
      });
    };
    return new ProcInode(this, base - 1, S_IFDIR | 0o555, {
      kind: 'dir',
      list: () => [{ name: '.', ino: base - 1, type: DT_DIR }, { name: '..', ino: 1, type: DT_DIR }, ...dirs.map((d, i) => ({ name: d, ino: base + i * 64, type: DT_DIR }))],
      child: (n) => (dirs.includes(n) ? sub(n, dirs.indexOf(n)) : null),
    });
  }

  private maps(pid: number): string {
    const task = this.k.tasks.get(pid);
    // A zombie has no memory left (Linux shows an empty maps).
    if (!task || task.state === TASK_ZOMBIE) return '';
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

  async root(): Promise<Inode> {
    return this.rootNode;
  }
  async lookup(dir: Inode, name: string, caller?: number): Promise<Inode> {
    const d = dir as ProcInode;
    if (d.node.kind !== 'dir') throw new FsError(ENOTDIR, 'not a directory');
    if (name === '.') return d;
    if (name === '..') return this.rootNode;
    const c = d.node.child(name, caller ?? this.currentPid);
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
