/**
 * The filesystem interfaces the kernel's VFS layer works against. Every
 * filesystem (ext2, later tmpfs/devfs/procfs) implements `FileSystem`.
 * Errors the guest can see are `FsError`s carrying a Linux errno.
 */

export class FsError extends Error {
  constructor(readonly errno: number, message: string) {
    super(message);
    this.name = 'FsError';
  }
}

/** File type bits of st_mode (Linux <sys/stat.h>). */
export const S_IFMT = 0o170000;
export const S_IFSOCK = 0o140000;
export const S_IFLNK = 0o120000;
export const S_IFREG = 0o100000;
export const S_IFBLK = 0o060000;
export const S_IFDIR = 0o040000;
export const S_IFCHR = 0o020000;
export const S_IFIFO = 0o010000;

/** d_type values of getdents64 (Linux <dirent.h>). */
export const DT_UNKNOWN = 0;
export const DT_FIFO = 1;
export const DT_CHR = 2;
export const DT_DIR = 4;
export const DT_BLK = 6;
export const DT_REG = 8;
export const DT_LNK = 10;
export const DT_SOCK = 12;

/** d_type for an inode's st_mode. */
export function modeToDirentType(mode: number): number {
  switch (mode & S_IFMT) {
    case S_IFREG: return DT_REG;
    case S_IFDIR: return DT_DIR;
    case S_IFLNK: return DT_LNK;
    case S_IFCHR: return DT_CHR;
    case S_IFBLK: return DT_BLK;
    case S_IFIFO: return DT_FIFO;
    case S_IFSOCK: return DT_SOCK;
    default: return DT_UNKNOWN;
  }
}

export interface Stat {
  dev: number;
  ino: number;
  mode: number;
  nlink: number;
  uid: number;
  gid: number;
  rdev: number;
  /** Bytes; may exceed 2^32 (use a double, exact up to 2^53). */
  size: number;
  blksize: number;
  /** 512-byte units. */
  blocks: number;
  atimeSec: number;
  atimeNsec: number;
  mtimeSec: number;
  mtimeNsec: number;
  ctimeSec: number;
  ctimeNsec: number;
}

export interface DirEntry {
  name: string;
  ino: number;
  /** One of the DT_* values. */
  type: number;
}

/** An inode of some filesystem. Identity: (fs, ino). */
export interface Inode {
  readonly fs: FileSystem;
  readonly ino: number;
  /** st_mode, including the S_IF* type bits. */
  readonly mode: number;
  stat(): Stat;
}

/** Attributes setattr() may change; times are seconds since the epoch. */
export interface SetAttr {
  /** Permission bits (07777); the file type is kept. */
  mode?: number;
  uid?: number;
  gid?: number;
  atime?: number;
  mtime?: number;
  /** Defaults to now whenever anything else changes (chmod(2), chown(2), utimensat(2)). */
  ctime?: number;
  /** Same as truncate(). */
  size?: number;
}

/** What statfs(2) reports about a filesystem, in blocks of `blockSize` bytes. */
export interface FsStats {
  blockSize: number;
  blocks: number;
  freeBlocks: number;
  /** Free blocks an unprivileged user may use (free minus reserved). */
  availBlocks: number;
  inodes: number;
  freeInodes: number;
  nameMax: number;
}

export interface FileSystem {
  /** Stable per-mount device number reported as st_dev. */
  readonly dev: number;
  readonly readOnly: boolean;
  /** f_type of statfs(2) (linux/magic.h); ext2's when absent. */
  readonly magic?: number;
  root(): Promise<Inode>;
  /**
   * Look `name` up in directory `dir`. Throws FsError ENOENT / ENOTDIR.
   * `caller` is the pid of the process resolving the path (procfs's "self").
   */
  lookup(dir: Inode, name: string, caller?: number): Promise<Inode>;
  /** Read up to `length` bytes at `offset`; shorter (possibly empty) at end of file. */
  read(file: Inode, offset: number, length: number): Promise<Uint8Array>;
  /** All entries of a directory, including "." and "..". Throws ENOTDIR. */
  readdir(dir: Inode): Promise<DirEntry[]>;
  /** Target of a symbolic link. Throws EINVAL if not a link. */
  readlink(link: Inode): Promise<string>;

  // Mutations: optional, present on filesystems that can be written. A
  // read-only mount of such a filesystem throws FsError EROFS. Each call
  // leaves the filesystem consistent when its Promise settles. Names are
  // byte strings (names.ts); errors are those of the matching syscall's
  // man page (EEXIST, ENOENT, ENOTDIR, EISDIR, ENOTEMPTY, EMLINK, ENOSPC,
  // EFBIG, ENAMETOOLONG, EIO).

  /** open(O_CREAT|O_EXCL): a new empty regular file with permission bits `mode`. */
  create?(dir: Inode, name: string, mode: number, uid: number, gid: number): Promise<Inode>;
  mkdir?(dir: Inode, name: string, mode: number, uid: number, gid: number): Promise<Inode>;
  /** FIFOs, sockets, character and block devices; `rdev` encoded like Stat.rdev. */
  mknod?(dir: Inode, name: string, mode: number, rdev: number, uid: number, gid: number): Promise<Inode>;
  symlink?(dir: Inode, name: string, target: string, uid?: number, gid?: number): Promise<Inode>;
  /** A new name for an existing non-directory inode. */
  link?(dir: Inode, name: string, target: Inode): Promise<void>;
  unlink?(dir: Inode, name: string): Promise<void>;
  rmdir?(dir: Inode, name: string): Promise<void>;
  /** rename(2), replacing an existing target of a compatible type. */
  rename?(oldDir: Inode, oldName: string, newDir: Inode, newName: string): Promise<void>;
  /** Write bytes at `offset` (extending the file); returns the count written (short only at ENOSPC/EFBIG). */
  write?(file: Inode, offset: number, data: Uint8Array): Promise<number>;
  truncate?(file: Inode, size: number): Promise<void>;
  setattr?(inode: Inode, attrs: SetAttr): Promise<void>;
  /**
   * The kernel holds `inode` open (retain) / stopped holding it (release).
   * A file unlinked while open keeps its data until its last release.
   */
  retain?(inode: Inode): void;
  release?(inode: Inode): Promise<void>;
  /** Resolves when every mutation started before has reached the device. */
  sync?(): Promise<void>;
  statfs?(): FsStats;
}
