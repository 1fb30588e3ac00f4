import { EINVAL, ENOENT, ENOTDIR } from '../kernel/abi/errno.js';
import { DT_CHR, DT_DIR, DT_LNK, FsError, S_IFCHR, S_IFDIR, S_IFLNK, S_IFMT, type DirEntry, type FileSystem, type Inode, type Stat } from './types.js';

/**
 * A minimal devfs mounted on /dev: the character devices every program
 * expects (null, zero, full, random, urandom, tty). Their behaviour lives in
 * the kernel (kernel/devices.ts); this filesystem only names them.
 * Device numbers: Documentation/admin-guide/devices.txt.
 */
export interface DeviceNode {
  name: string;
  major: number;
  minor: number;
}

export const DEVICES: DeviceNode[] = [
  { name: 'null', major: 1, minor: 3 },
  { name: 'zero', major: 1, minor: 5 },
  { name: 'full', major: 1, minor: 7 },
  { name: 'random', major: 1, minor: 8 },
  { name: 'urandom', major: 1, minor: 9 },
  { name: 'tty', major: 5, minor: 0 },
  { name: 'console', major: 5, minor: 1 },
  { name: 'ptmx', major: 5, minor: 2 },
];

/** Symbolic links every Linux /dev has (udev makes them): the standard streams through /proc/self/fd. */
export const DEV_LINKS: Record<string, string> = {
  fd: '/proc/self/fd',
  stdin: '/proc/self/fd/0',
  stdout: '/proc/self/fd/1',
  stderr: '/proc/self/fd/2',
};

/** Empty directories of /dev where other filesystems are mounted (tmpfs on /dev/shm). */
export const DEV_DIRS = ['shm'];

/** The kernel's pseudo-terminals, listed in /dev/pts (devpts). */
export interface PtsProvider {
  indices(): number[];
  get(n: number): { uid: number; createdSec: number } | undefined;
}

/** Inode numbers: devices from 2, /dev/pts 100, /dev/pts/ptmx 101, links and mount directories 200+, /dev/pts/N 1000+N. */
const PTS_DIR_INO = 100;
const PTS_BASE_INO = 1000;
export const DEVFS_DEV = 0x05;
export const devIno = (name: string): number => DEVICES.findIndex((d) => d.name === name) + 2;
export const ptsIno = (n: number): number => PTS_BASE_INO + n;
/** makedev(136, n) in the kernel's encoding. */
export const ptsRdev = (n: number): number => (136 << 8) | (n & 0xff) | ((n & ~0xff) << 12);

class DevInode implements Inode {
  constructor(
    readonly fs: DevFs, readonly ino: number, readonly mode: number, readonly rdev: number, readonly name: string,
    readonly uid = 0, readonly gid = name === 'tty' || name === 'ptmx' ? 5 : 0, readonly time = fs.time,
  ) {}
  /** A symbolic link's target (DEV_LINKS). */
  target = '';
  stat(): Stat {
    return {
      dev: this.fs.dev, ino: this.ino, mode: this.mode, nlink: (this.mode & S_IFDIR) ? 2 : 1, uid: this.uid, gid: this.gid,
      rdev: this.rdev, size: 0, blksize: 4096, blocks: 0,
      atimeSec: this.time, atimeNsec: 0, mtimeSec: this.time, mtimeNsec: 0, ctimeSec: this.time, ctimeNsec: 0,
    };
  }
}

export class DevFs implements FileSystem {
  readonly dev = DEVFS_DEV;
  readonly readOnly = true;
  /** devtmpfs reports TMPFS_MAGIC. */
  readonly magic = 0x01021994;
  private readonly rootDir: DevInode;
  private readonly nodes = new Map<string, DevInode>();
  private readonly ptsDir: DevInode;
  private readonly ptsPtmx: DevInode;
  /** Set by the kernel: the pseudo-terminals /dev/pts lists. */
  ptys: PtsProvider | null = null;

  constructor(readonly time = 0) {
    this.rootDir = new DevInode(this, 1, S_IFDIR | 0o755, 0, '');
    DEVICES.forEach((d, k) => this.nodes.set(d.name, new DevInode(this, k + 2, S_IFCHR | (d.name === 'console' ? 0o600 : 0o666), (d.major << 8) | d.minor, d.name)));
    this.ptsDir = new DevInode(this, PTS_DIR_INO, S_IFDIR | 0o755, 0, 'pts');
    this.ptsPtmx = new DevInode(this, PTS_DIR_INO + 1, S_IFCHR, (5 << 8) | 2, 'pts/ptmx');
    let ino = 200;
    for (const [name, target] of Object.entries(DEV_LINKS)) {
      const l = new DevInode(this, ino++, S_IFLNK | 0o777, 0, name);
      l.target = target;
      this.nodes.set(name, l);
    }
    for (const name of DEV_DIRS) this.nodes.set(name, new DevInode(this, ino++, S_IFDIR | 0o1777, 0, name));
  }

  private ptsNode(n: number): DevInode | null {
    const p = this.ptys?.get(n);
    // A slave is owned by whoever opened the master, group tty, mode 620 (devpts defaults as Debian mounts it).
    return p ? new DevInode(this, ptsIno(n), S_IFCHR | 0o620, ptsRdev(n), `pts/${n}`, p.uid, 5, p.createdSec) : null;
  }

  async root(): Promise<Inode> {
    return this.rootDir;
  }
  async lookup(dir: Inode, name: string): Promise<Inode> {
    if (dir === this.ptsDir) {
      if (name === '.') return this.ptsDir;
      if (name === '..') return this.rootDir;
      if (name === 'ptmx') return this.ptsPtmx;
      const n = /^(0|[1-9]\d*)$/.test(name) ? this.ptsNode(Number(name)) : null;
      if (!n) throw new FsError(ENOENT, `/dev/pts/${name}: no such terminal`);
      return n;
    }
    if (dir instanceof DevInode && (dir.mode & S_IFMT) === S_IFDIR && dir !== this.rootDir) {
      if (name === '.') return dir;
      if (name === '..') return this.rootDir;
      throw new FsError(ENOENT, `/dev/${dir.name}/${name}: no such file`);
    }
    if (dir !== this.rootDir) throw new FsError(ENOTDIR, 'not a directory');
    if (name === '.' || name === '..') return this.rootDir;
    if (name === 'pts') return this.ptsDir;
    const n = this.nodes.get(name);
    if (!n) throw new FsError(ENOENT, `/dev/${name}: no such device`);
    return n;
  }
  async read(): Promise<Uint8Array> {
    throw new FsError(EINVAL, 'device nodes are read through the kernel');
  }
  async readdir(dir: Inode): Promise<DirEntry[]> {
    if (dir === this.ptsDir) {
      const ptys = (this.ptys?.indices() ?? []).map((n) => ({ name: String(n), ino: PTS_BASE_INO + n, type: DT_CHR }));
      return [{ name: '.', ino: PTS_DIR_INO, type: DT_DIR }, { name: '..', ino: 1, type: DT_DIR }, { name: 'ptmx', ino: PTS_DIR_INO + 1, type: DT_CHR }, ...ptys];
    }
    if (dir instanceof DevInode && (dir.mode & S_IFMT) === S_IFDIR && dir !== this.rootDir) {
      return [{ name: '.', ino: dir.ino, type: DT_DIR }, { name: '..', ino: 1, type: DT_DIR }];
    }
    if (dir !== this.rootDir) throw new FsError(ENOTDIR, 'not a directory');
    const type = (n: DevInode): number => ((n.mode & S_IFMT) === S_IFDIR ? DT_DIR : (n.mode & S_IFMT) === S_IFLNK ? DT_LNK : DT_CHR);
    return [{ name: '.', ino: 1, type: DT_DIR }, { name: '..', ino: 1, type: DT_DIR }, ...[...this.nodes.values()].map((n) => ({ name: n.name, ino: n.ino, type: type(n) })), { name: 'pts', ino: PTS_DIR_INO, type: DT_DIR }];
  }
  async readlink(link: Inode): Promise<string> {
    if (link instanceof DevInode && (link.mode & S_IFMT) === S_IFLNK) return link.target;
    throw new FsError(EINVAL, 'not a symbolic link');
  }
  /** The device name of a devfs inode, or null. */
  deviceName(ino: Inode): string | null {
    return ino instanceof DevInode && ino.fs === this && (ino.mode & S_IFMT) === S_IFCHR ? ino.name : null;
  }
}
