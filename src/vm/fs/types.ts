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

export interface FileSystem {
  /** Stable per-mount device number reported as st_dev. */
  readonly dev: number;
  readonly readOnly: boolean;
  root(): Promise<Inode>;
  /** Look `name` up in directory `dir`. Throws FsError ENOENT / ENOTDIR. */
  lookup(dir: Inode, name: string): Promise<Inode>;
  /** Read up to `length` bytes at `offset`; shorter (possibly empty) at end of file. */
  read(file: Inode, offset: number, length: number): Promise<Uint8Array>;
  /** All entries of a directory, including "." and "..". Throws ENOTDIR. */
  readdir(dir: Inode): Promise<DirEntry[]>;
  /** Target of a symbolic link. Throws EINVAL if not a link. */
  readlink(link: Inode): Promise<string>;
}
