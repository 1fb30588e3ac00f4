import { EEXIST, EINVAL, EISDIR, ENOENT, ENOSPC, ENOTDIR, ENOTEMPTY, EPERM, EFBIG } from '../kernel/abi/errno.js';
import {
  DT_DIR, FsError, modeToDirentType, S_IFDIR, S_IFLNK, S_IFMT, S_IFREG, type DirEntry, type FileSystem,
  type FsStats, type Inode, type SetAttr, type Stat,
} from './types.js';

/**
 * tmpfs (Documentation/filesystems/tmpfs.rst): a filesystem held in memory
 * — regular files, directories, symbolic links, hard links, device nodes,
 * FIFOs and sockets — bounded by `sizeBytes` (ENOSPC past it, counted in
 * 4 KiB pages like shmem). Mounted on /tmp and /dev/shm.
 */

/** TMPFS_MAGIC (linux/magic.h), what statfs(2) reports as f_type. */
export const TMPFS_MAGIC = 0x01021994;
const PAGE = 4096;
const pages = (n: number): number => Math.ceil(n / PAGE);
/** MAX_LFS_FILESIZE on 32-bit: files stop growing there (EFBIG). */
const MAX_FILE = 2 ** 43;

class TmpInode implements Inode {
  nlink: number;
  uid: number;
  gid: number;
  rdev = 0;
  data = new Uint8Array(0);
  size = 0;
  target = '';
  entries: Map<string, TmpInode> | null = null;
  parent: TmpInode | null = null;
  /** Open references (retain/release): an unlinked open file keeps its pages. */
  opens = 0;
  private freed = false;
  atime: number;
  mtime: number;
  ctime: number;

  constructor(readonly fs: TmpFs, readonly ino: number, public mode: number, uid: number, gid: number, now: number) {
    this.uid = uid;
    this.gid = gid;
    this.nlink = (mode & S_IFMT) === S_IFDIR ? 2 : 1;
    this.atime = this.mtime = this.ctime = now;
    if ((mode & S_IFMT) === S_IFDIR) this.entries = new Map();
  }

  isFreed(): boolean {
    return this.freed;
  }
  markFreed(): void {
    this.freed = true;
  }

  stat(): Stat {
    const ms = (t: number): [number, number] => [Math.floor(t / 1000), Math.floor((t % 1000) * 1e6)];
    const [as, an] = ms(this.atime);
    const [ms2, mn] = ms(this.mtime);
    const [cs, cn] = ms(this.ctime);
    const isDir = this.entries !== null;
    const size = isDir ? (this.entries!.size + 2) * 20 : (this.mode & S_IFMT) === S_IFLNK ? this.target.length : this.size;
    return {
      dev: this.fs.dev, ino: this.ino, mode: this.mode, nlink: this.nlink, uid: this.uid, gid: this.gid, rdev: this.rdev,
      size, blksize: PAGE, blocks: (this.mode & S_IFMT) === S_IFREG ? pages(this.size) * 8 : 0,
      atimeSec: as, atimeNsec: an, mtimeSec: ms2, mtimeNsec: mn, ctimeSec: cs, ctimeNsec: cn,
    };
  }
}

export class TmpFs implements FileSystem {
  readonly readOnly = false;
  readonly magic = TMPFS_MAGIC;
  private nextIno = 2;
  private readonly rootDir: TmpInode;
  /** Pages held by file data. */
  private usedPages = 0;
  private inodes = 1;

  constructor(
    readonly dev: number,
    readonly sizeBytes: number,
    private readonly now: () => number = () => Date.now(),
    rootMode = 0o1777,
  ) {
    this.rootDir = new TmpInode(this, 1, S_IFDIR | rootMode, 0, 0, now());
    this.rootDir.parent = this.rootDir;
  }

  async root(): Promise<Inode> {
    return this.rootDir;
  }

  private dir(i: Inode): TmpInode {
    const d = i as TmpInode;
    if (d.entries === null) throw new FsError(ENOTDIR, 'tmpfs: not a directory');
    return d;
  }

  async lookup(dir: Inode, name: string): Promise<Inode> {
    const d = this.dir(dir);
    if (name === '.') return d;
    if (name === '..') return d.parent!;
    const c = d.entries!.get(name);
    if (c === undefined) throw new FsError(ENOENT, `tmpfs: no ${JSON.stringify(name)}`);
    return c;
  }

  async read(file: Inode, offset: number, length: number): Promise<Uint8Array> {
    return this.readSync(file, offset, length);
  }

  /** The bytes now, without waiting (the data is in memory; mmap of /dev/shm files uses it). */
  readSync(file: Inode, offset: number, length: number): Uint8Array {
    const f = file as TmpInode;
    if (f.entries !== null) throw new FsError(EISDIR, 'tmpfs: is a directory');
    f.atime = this.now();
    if (offset >= f.size) return new Uint8Array(0);
    return f.data.slice(offset, Math.min(f.size, offset + length));
  }

  async readdir(dir: Inode): Promise<DirEntry[]> {
    const d = this.dir(dir);
    const out: DirEntry[] = [{ name: '.', ino: d.ino, type: DT_DIR }, { name: '..', ino: d.parent!.ino, type: DT_DIR }];
    for (const [name, c] of d.entries!) out.push({ name, ino: c.ino, type: modeToDirentType(c.mode) });
    return out;
  }

  async readlink(link: Inode): Promise<string> {
    const l = link as TmpInode;
    if ((l.mode & S_IFMT) !== S_IFLNK) throw new FsError(EINVAL, 'tmpfs: not a symbolic link');
    return l.target;
  }

  private add(dir: Inode, name: string, mode: number, uid: number, gid: number): TmpInode {
    const d = this.dir(dir);
    if (d.entries!.has(name) || name === '.' || name === '..') throw new FsError(EEXIST, `tmpfs: ${JSON.stringify(name)} exists`);
    if (d.nlink === 0) throw new FsError(ENOENT, 'tmpfs: the directory was removed');
    const c = new TmpInode(this, this.nextIno++, mode, uid, gid, this.now());
    // A directory with the set-group-id bit passes its group on (as on every Linux filesystem).
    if (d.mode & 0o2000) {
      c.gid = d.gid;
      if ((mode & S_IFMT) === S_IFDIR) c.mode |= 0o2000;
    }
    if (c.entries !== null) {
      c.parent = d;
      d.nlink++;
    }
    d.entries!.set(name, c);
    d.mtime = d.ctime = this.now();
    this.inodes++;
    return c;
  }

  async create(dir: Inode, name: string, mode: number, uid: number, gid: number): Promise<Inode> {
    return this.add(dir, name, S_IFREG | (mode & 0o7777), uid, gid);
  }
  async mkdir(dir: Inode, name: string, mode: number, uid: number, gid: number): Promise<Inode> {
    return this.add(dir, name, S_IFDIR | (mode & 0o7777), uid, gid);
  }
  async mknod(dir: Inode, name: string, mode: number, rdev: number, uid: number, gid: number): Promise<Inode> {
    const c = this.add(dir, name, mode, uid, gid);
    c.rdev = rdev;
    return c;
  }
  async symlink(dir: Inode, name: string, target: string, uid = 0, gid = 0): Promise<Inode> {
    const c = this.add(dir, name, S_IFLNK | 0o777, uid, gid);
    c.target = target;
    return c;
  }
  async link(dir: Inode, name: string, target: Inode): Promise<void> {
    const d = this.dir(dir);
    const t = target as TmpInode;
    if (t.entries !== null) throw new FsError(EPERM, 'tmpfs: hard links to directories are not allowed');
    if (d.entries!.has(name)) throw new FsError(EEXIST, `tmpfs: ${JSON.stringify(name)} exists`);
    if (t.nlink === 0) throw new FsError(ENOENT, 'tmpfs: the file was removed');
    d.entries!.set(name, t);
    t.nlink++;
    t.ctime = d.mtime = d.ctime = this.now();
  }

  /** Drop one name of `c`; its pages go when no name and no open file is left. */
  private dropLink(c: TmpInode): void {
    c.nlink = c.entries !== null ? 0 : c.nlink - 1;
    c.ctime = this.now();
    this.maybeFree(c);
  }

  private maybeFree(c: TmpInode): void {
    if (c.nlink === 0 && c.opens === 0 && !c.isFreed()) {
      c.markFreed();
      this.usedPages -= (c.mode & S_IFMT) === S_IFREG ? pages(c.size) : 0;
      c.data = new Uint8Array(0);
      c.size = 0;
      this.inodes--;
    }
  }

  async unlink(dir: Inode, name: string): Promise<void> {
    const d = this.dir(dir);
    const c = d.entries!.get(name);
    if (c === undefined) throw new FsError(ENOENT, `tmpfs: no ${JSON.stringify(name)}`);
    if (c.entries !== null) throw new FsError(EISDIR, `tmpfs: ${JSON.stringify(name)} is a directory`);
    d.entries!.delete(name);
    d.mtime = d.ctime = this.now();
    this.dropLink(c);
  }

  async rmdir(dir: Inode, name: string): Promise<void> {
    const d = this.dir(dir);
    if (name === '.') throw new FsError(EINVAL, 'tmpfs: cannot remove "."');
    if (name === '..') throw new FsError(ENOTEMPTY, 'tmpfs: cannot remove ".."');
    const c = d.entries!.get(name);
    if (c === undefined) throw new FsError(ENOENT, `tmpfs: no ${JSON.stringify(name)}`);
    if (c.entries === null) throw new FsError(ENOTDIR, `tmpfs: ${JSON.stringify(name)} is not a directory`);
    if (c.entries.size > 0) throw new FsError(ENOTEMPTY, `tmpfs: ${JSON.stringify(name)} is not empty`);
    d.entries!.delete(name);
    d.nlink--;
    d.mtime = d.ctime = this.now();
    this.dropLink(c);
  }

  async rename(oldDir: Inode, oldName: string, newDir: Inode, newName: string): Promise<void> {
    const od = this.dir(oldDir);
    const nd = this.dir(newDir);
    const src = od.entries!.get(oldName);
    if (src === undefined) throw new FsError(ENOENT, `tmpfs: no ${JSON.stringify(oldName)}`);
    const dst = nd.entries!.get(newName);
    if (dst === src) return;
    if (src.entries !== null) {
      // A directory cannot move below itself.
      for (let p: TmpInode = nd; ; p = p.parent!) {
        if (p === src) throw new FsError(EINVAL, 'tmpfs: cannot move a directory into itself');
        if (p === p.parent) break;
      }
    }
    if (dst !== undefined) {
      if (src.entries !== null && dst.entries === null) throw new FsError(ENOTDIR, `tmpfs: ${JSON.stringify(newName)} is not a directory`);
      if (src.entries === null && dst.entries !== null) throw new FsError(EISDIR, `tmpfs: ${JSON.stringify(newName)} is a directory`);
      if (dst.entries !== null && dst.entries.size > 0) throw new FsError(ENOTEMPTY, `tmpfs: ${JSON.stringify(newName)} is not empty`);
      nd.entries!.delete(newName);
      if (dst.entries !== null) nd.nlink--;
      this.dropLink(dst);
    }
    od.entries!.delete(oldName);
    nd.entries!.set(newName, src);
    if (src.entries !== null && od !== nd) {
      od.nlink--;
      nd.nlink++;
      src.parent = nd;
    }
    const now = this.now();
    od.mtime = od.ctime = nd.mtime = nd.ctime = src.ctime = now;
  }

  /** Make room for `size` bytes in `f`, charging whole pages against the size limit. */
  private reserve(f: TmpInode, size: number): void {
    if (size > MAX_FILE) throw new FsError(EFBIG, 'tmpfs: file too large');
    const delta = pages(size) - pages(f.size);
    if (delta > 0 && (this.usedPages + delta) * PAGE > this.sizeBytes) throw new FsError(ENOSPC, 'tmpfs: no space left (the size limit of this tmpfs is reached)');
    this.usedPages += delta;
    if (size > f.data.length) {
      const grown = new Uint8Array(Math.max(size, Math.min(f.data.length * 2, size + (1 << 24))));
      grown.set(f.data.subarray(0, f.size));
      f.data = grown;
    }
  }

  async write(file: Inode, offset: number, data: Uint8Array): Promise<number> {
    const f = file as TmpInode;
    if (f.entries !== null) throw new FsError(EISDIR, 'tmpfs: is a directory');
    let n = data.length;
    const end = offset + n;
    if (end > f.size) {
      try {
        this.reserve(f, end);
      } catch (e) {
        // Fill what fits, as a short write; nothing fits: the error.
        const room = Math.max(0, (Math.floor(this.sizeBytes / PAGE) - this.usedPages) * PAGE + pages(f.size) * PAGE - offset);
        if (room <= 0 || !(e instanceof FsError) || e.errno !== ENOSPC) throw e;
        n = Math.min(n, room);
        this.reserve(f, offset + n);
      }
      f.size = Math.max(f.size, offset + n);
    }
    f.data.set(data.subarray(0, n), offset);
    f.mtime = f.ctime = this.now();
    return n;
  }

  async truncate(file: Inode, size: number): Promise<void> {
    const f = file as TmpInode;
    if (f.entries !== null) throw new FsError(EISDIR, 'tmpfs: is a directory');
    if (size > f.size) this.reserve(f, size);
    else {
      this.usedPages -= pages(f.size) - pages(size);
      f.data.fill(0, size, f.size);
    }
    f.size = size;
    f.mtime = f.ctime = this.now();
  }

  async setattr(inode: Inode, attrs: SetAttr): Promise<void> {
    const f = inode as TmpInode;
    if (attrs.size !== undefined) await this.truncate(f, attrs.size);
    if (attrs.mode !== undefined) f.mode = (f.mode & S_IFMT) | (attrs.mode & 0o7777);
    if (attrs.uid !== undefined) f.uid = attrs.uid;
    if (attrs.gid !== undefined) f.gid = attrs.gid;
    if (attrs.atime !== undefined) f.atime = attrs.atime * 1000;
    if (attrs.mtime !== undefined) f.mtime = attrs.mtime * 1000;
    f.ctime = attrs.ctime !== undefined ? attrs.ctime * 1000 : this.now();
  }

  retain(inode: Inode): void {
    (inode as TmpInode).opens++;
  }

  async release(inode: Inode): Promise<void> {
    const f = inode as TmpInode;
    if (f.opens > 0) f.opens--;
    this.maybeFree(f);
  }

  async sync(): Promise<void> {}

  statfs(): FsStats {
    const blocks = Math.floor(this.sizeBytes / PAGE);
    const maxInodes = Math.max(1024, Math.floor(this.sizeBytes / PAGE / 2));
    return {
      blockSize: PAGE, blocks, freeBlocks: blocks - this.usedPages, availBlocks: blocks - this.usedPages,
      inodes: maxInodes, freeInodes: Math.max(0, maxInodes - this.inodes), nameMax: 255,
    };
  }
}
