import { EINVAL, ENOENT, ENOTDIR } from '../kernel/abi/errno.js';
import { DT_CHR, DT_DIR, FsError, S_IFCHR, S_IFDIR, type DirEntry, type FileSystem, type Inode, type Stat } from './types.js';

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

class DevInode implements Inode {
  constructor(readonly fs: DevFs, readonly ino: number, readonly mode: number, readonly rdev: number, readonly name: string) {}
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
  private readonly rootDir: DevInode;
  private readonly nodes = new Map<string, DevInode>();

  constructor(readonly time = 0) {
    this.rootDir = new DevInode(this, 1, S_IFDIR | 0o755, 0, '');
    DEVICES.forEach((d, k) => this.nodes.set(d.name, new DevInode(this, k + 2, S_IFCHR | (d.name === 'tty' ? 0o666 : 0o666), (d.major << 8) | d.minor, d.name)));
  }

  async root(): Promise<Inode> {
    return this.rootDir;
  }
  async lookup(dir: Inode, name: string): Promise<Inode> {
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
    if (dir !== this.rootDir) throw new FsError(ENOTDIR, 'not a directory');
    return [{ name: '.', ino: 1, type: DT_DIR }, { name: '..', ino: 1, type: DT_DIR }, ...[...this.nodes.values()].map((n) => ({ name: n.name, ino: n.ino, type: DT_CHR }))];
  }
  async readlink(): Promise<string> {
    throw new FsError(EINVAL, 'not a symbolic link');
  }
  /** The device name of a devfs inode, or null. */
  deviceName(ino: Inode): string | null {
    return ino instanceof DevInode && ino.fs === this && ino !== this.rootDir ? ino.name : null;
  }
}
