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

class DevInode implements Inode {
  constructor(readonly fs: DevFs, readonly ino: number, readonly mode: number, readonly rdev: number, readonly name: string, readonly target = '') {}
  stat(): Stat {
    return {
      dev: this.fs.dev, ino: this.ino, mode: this.mode, nlink: (this.mode & S_IFDIR) ? 2 : 1, uid: 0, gid: this.name === 'tty' ? 5 : 0,
      rdev: this.rdev, size: 0, blksize: 4096, blocks: 0,
      atimeSec: this.fs.time, atimeNsec: 0, mtimeSec: this.fs.time, mtimeNsec: 0, ctimeSec: this.fs.time, ctimeNsec: 0,
    };
  }
}

export class DevFs implements FileSystem {
  readonly dev = 0x05;
  readonly readOnly = true;
  /** devtmpfs reports TMPFS_MAGIC. */
  readonly magic = 0x01021994;
  private readonly rootDir: DevInode;
  private readonly nodes = new Map<string, DevInode>();

  constructor(readonly time = 0) {
    this.rootDir = new DevInode(this, 1, S_IFDIR | 0o755, 0, '');
    DEVICES.forEach((d, k) => this.nodes.set(d.name, new DevInode(this, k + 2, S_IFCHR | (d.name === 'tty' ? 0o666 : 0o666), (d.major << 8) | d.minor, d.name)));
    let ino = 100;
    for (const [name, target] of Object.entries(DEV_LINKS)) this.nodes.set(name, new DevInode(this, ino++, S_IFLNK | 0o777, 0, name, target));
    for (const name of DEV_DIRS) this.nodes.set(name, new DevInode(this, ino++, S_IFDIR | 0o1777, 0, name));
  }

  async root(): Promise<Inode> {
    return this.rootDir;
  }
  async lookup(dir: Inode, name: string): Promise<Inode> {
    if (dir instanceof DevInode && (dir.mode & S_IFMT) === S_IFDIR && dir !== this.rootDir) {
      if (name === '.') return dir;
      if (name === '..') return this.rootDir;
      throw new FsError(ENOENT, `/dev/${dir.name}/${name}: no such file`);
    }
    if (dir !== this.rootDir) throw new FsError(ENOTDIR, 'not a directory');
    if (name === '.' || name === '..') return this.rootDir;
    const n = this.nodes.get(name);
    if (!n) throw new FsError(ENOENT, `/dev/${name}: no such device`);
    return n;
  }
  async read(): Promise<Uint8Array> {
    throw new FsError(EINVAL, 'device nodes are read through the kernel');
  }
  async readdir(dir: Inode): Promise<DirEntry[]> {
    if (dir instanceof DevInode && (dir.mode & S_IFMT) === S_IFDIR && dir !== this.rootDir) {
      return [{ name: '.', ino: dir.ino, type: DT_DIR }, { name: '..', ino: 1, type: DT_DIR }];
    }
    if (dir !== this.rootDir) throw new FsError(ENOTDIR, 'not a directory');
    const type = (n: DevInode): number => ((n.mode & S_IFMT) === S_IFDIR ? DT_DIR : (n.mode & S_IFMT) === S_IFLNK ? DT_LNK : DT_CHR);
    return [{ name: '.', ino: 1, type: DT_DIR }, { name: '..', ino: 1, type: DT_DIR }, ...[...this.nodes.values()].map((n) => ({ name: n.name, ino: n.ino, type: type(n) }))];
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
