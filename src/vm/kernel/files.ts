import { EBADF, EINVAL, EISDIR, ENOTDIR, EROFS, ESPIPE } from './abi/errno.js';
import { O_ACCMODE, O_APPEND, O_RDONLY } from './abi/structs.js';
import { S_IFCHR, S_IFDIR, S_IFIFO, S_IFMT, S_IFREG, type DirEntry, type Inode, type Stat } from '../fs/types.js';
import type { Console } from './console.js';
import { SyscallError } from './errors.js';
import { flushInode, noteWrite } from './page-cache.js';

/**
 * An open file description (what fds point at; dup shares it, with its
 * offset and status flags).
 */
export abstract class OpenFile {
  pos = 0;
  /** File descriptors (in all processes) that refer to this description. */
  refs = 0;
  constructor(public flags: number, readonly path: string) {}
  /** The last descriptor referring to this description was closed. */
  release(): void {}
  get readable(): boolean {
    return (this.flags & O_ACCMODE) !== 1;
  }
  get writable(): boolean {
    return (this.flags & O_ACCMODE) !== O_RDONLY;
  }
  abstract stat(): Stat;
  /** Read up to `len` bytes at `pos` (or the file offset when pos is null, advancing it). */
  abstract read(len: number, pos: number | null): Promise<Uint8Array> | Uint8Array;
  abstract write(data: Uint8Array, pos: number | null): Promise<number> | number;
  /** New offset for lseek, or throws ESPIPE. */
  seek(off: number, whence: number): number {
    let base: number;
    if (whence === 0) base = 0;
    else if (whence === 1) base = this.pos;
    else if (whence === 2) base = this.stat().size;
    else throw new SyscallError(EINVAL);
    const p = base + off;
    if (p < 0) throw new SyscallError(EINVAL);
    this.pos = p;
    return p;
  }
  isTerminal(): boolean {
    return false;
  }
  /** For getdents64. */
  inode(): Inode | null {
    return null;
  }
  /** poll(2) readiness: POLLIN (1) | POLLOUT (4) | POLLERR (8) | POLLHUP (16) as they hold now. */
  pollState(): number {
    return POLLIN | POLLOUT;
  }
  /** Resolves when pollState() may have changed (never, for always-ready files). */
  pollChange(): Promise<void> {
    return new Promise(() => {});
  }
  /**
   * Files whose read/write never wait themselves but throw EAGAIN when not
   * ready (eventfd, timerfd): the system call then waits on pollChange(),
   * interruptibly, and tries again unless O_NONBLOCK (retryWhenReady).
   */
  get waitsByPoll(): boolean {
    return false;
  }
  /** epoll_ctl refuses files that cannot report readiness (regular files, directories): EPERM. */
  get pollable(): boolean {
    return true;
  }
}

/** The waiters of one readiness queue (a file's pollChange()). */
export class WaitQueue {
  private waiters: (() => void)[] = [];
  wait(): Promise<void> {
    return new Promise((r) => this.waiters.push(r));
  }
  wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}

/** Stat of an anonymous-inode file (eventfd, timerfd, epoll: anon_inode_inode, mode 0600, no type bits). */
export function anonStat(ino: number): Stat {
  return {
    dev: 0xd, ino, mode: 0o600, nlink: 1, uid: 0, gid: 0, rdev: 0, size: 0, blksize: 4096, blocks: 0,
    atimeSec: 0, atimeNsec: 0, mtimeSec: 0, mtimeNsec: 0, ctimeSec: 0, ctimeNsec: 0,
  };
}

export const POLLIN = 1;
export const POLLOUT = 4;
export const POLLERR = 8;
export const POLLHUP = 16;
/** The peer shut down writing (sockets; epoll's EPOLLRDHUP, poll's POLLRDHUP). */
export const POLLRDHUP = 0x2000;

/** A file or directory of a filesystem. */
export class InodeFile extends OpenFile {
  /** Directory listing snapshot for getdents64, taken at the first call. */
  entries: DirEntry[] | null = null;
  constructor(readonly ino: Inode, flags: number, path: string) {
    super(flags, path);
    // Keep an unlinked-but-open file alive until its last close.
    ino.fs.retain?.(ino);
  }
  stat(): Stat {
    return this.ino.stat();
  }
  override inode(): Inode {
    return this.ino;
  }
  override get pollable(): boolean {
    const type = this.ino.mode & S_IFMT;
    return type !== S_IFREG && type !== S_IFDIR;
  }
  async read(len: number, pos: number | null): Promise<Uint8Array> {
    if (!this.readable) throw new SyscallError(EBADF);
    const type = this.ino.mode & S_IFMT;
    if (type === S_IFDIR) throw new SyscallError(EISDIR);
    const at = pos ?? this.pos;
    const flushing = flushInode(this.ino);
    if (flushing !== undefined) await flushing;
    const data = await this.ino.fs.read(this.ino, at, len);
    if (pos === null) this.pos = at + data.length;
    return data;
  }
  async write(data: Uint8Array, pos: number | null): Promise<number> {
    if (!this.writable) throw new SyscallError(EBADF);
    if ((this.ino.mode & S_IFMT) === S_IFDIR) throw new SyscallError(EISDIR);
    const fs = this.ino.fs;
    if (fs.readOnly || fs.write === undefined) throw new SyscallError(EROFS, 'the filesystem is read-only');
    let at = pos ?? this.pos;
    // O_APPEND: every write goes to the end, whatever the offset (open(2)).
    if (pos === null && (this.flags & O_APPEND) !== 0) at = this.ino.stat().size;
    if (data.length === 0) return 0;
    noteWrite(this.ino, at, data);
    const n = await fs.write(this.ino, at, data);
    if (pos === null) this.pos = at + n;
    return n;
  }
  override release(): void {
    void this.ino.fs.release?.(this.ino);
  }
  override seek(off: number, whence: number): number {
    if ((this.ino.mode & S_IFMT) === S_IFDIR && whence === 0 && off === 0) {
      this.entries = null;
    }
    return super.seek(off, whence);
  }
  async listing(): Promise<DirEntry[]> {
    if ((this.ino.mode & S_IFMT) !== S_IFDIR) throw new SyscallError(ENOTDIR);
    if (this.entries === null) this.entries = await this.ino.fs.readdir(this.ino);
    return this.entries;
  }
}

/** fd 0/1/2 wired to the VM's console. */
export class ConsoleFile extends OpenFile {
  constructor(private readonly console: Console, private readonly fd: 0 | 1 | 2, flags: number) {
    super(flags, fd === 0 ? '/dev/stdin' : fd === 1 ? '/dev/stdout' : '/dev/stderr');
  }
  override isTerminal(): boolean {
    return this.console.isTerminal(this.fd);
  }
  stat(): Stat {
    const tty = this.isTerminal();
    return {
      dev: 0x16, ino: 3 + this.fd, mode: tty ? S_IFCHR | 0o620 : S_IFIFO | 0o600, nlink: 1, uid: 0, gid: tty ? 5 : 0,
      rdev: tty ? (136 << 8) : 0, size: 0, blksize: tty ? 1024 : 4096, blocks: 0,
      atimeSec: 0, atimeNsec: 0, mtimeSec: 0, mtimeNsec: 0, ctimeSec: 0, ctimeNsec: 0,
    };
  }
  /** Input bytes received but not yet read (a read asked for fewer, or poll fetched them). */
  private pending: Uint8Array | null = null;
  private eof = false;
  /** A console read started by poll(), whose bytes land in `pending`. */
  private fetching: Promise<void> | null = null;

  override pollState(): number {
    if (this.fd !== 0 && !this.isTerminal()) return POLLOUT;
    return (this.pending !== null || this.eof ? POLLIN : 0) | POLLOUT;
  }

  override pollChange(): Promise<void> {
    if (this.fetching === null) {
      this.fetching = this.console.read().then((d) => {
        this.fetching = null;
        if (d === null || d.length === 0) this.eof = true;
        else this.pending = this.pending ? concat(this.pending, d) : d;
      });
    }
    return this.fetching;
  }

  async read(len: number, _pos: number | null): Promise<Uint8Array> {
    if (this.fd !== 0 && !this.isTerminal()) throw new SyscallError(EBADF);
    if (this.pending === null && this.fetching !== null) await this.fetching;
    let data = this.pending;
    this.pending = null;
    if (data === null && this.eof) {
      this.eof = false;
      return new Uint8Array(0);
    }
    if (data === null) data = await this.console.read();
    if (data === null) return new Uint8Array(0);
    if (data.length > len) {
      this.pending = data.subarray(len);
      return data.subarray(0, len);
    }
    return data;
  }
  write(data: Uint8Array, _pos: number | null): number {
    if (this.fd === 0 && !this.isTerminal()) throw new SyscallError(EBADF);
    this.console.write(this.fd === 2 ? 2 : 1, data.slice());
    return data.length;
  }
  override seek(): number {
    throw new SyscallError(ESPIPE);
  }
}


function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
