import { EBADF, ENXIO, ESPIPE } from './abi/errno.js';
import { O_ACCMODE, O_NONBLOCK, O_RDONLY, O_WRONLY } from './abi/structs.js';
import type { FileSystem, Inode, Stat } from '../fs/types.js';
import { SyscallError } from './errors.js';
import { OpenFile, POLLERR, POLLHUP, POLLIN, POLLOUT } from './files.js';
import { Pipe, PIPE_BUF } from './pipe.js';
import { interruptible } from './signals.js';
import type { Task } from './task.js';

/**
 * A FIFO inode's pipe while any end of it is open, and how many times each
 * end has been opened: an open waiting for its partner waits for the other
 * count to move (fs/pipe.c wait_for_partner), so a writer that comes and goes
 * before the reader runs still releases it.
 */
class Fifo {
  readonly pipe = new Pipe();
  readOpens = 0;
  writeOpens = 0;
}

/**
 * Named pipes (fifo(7)) by filesystem and inode number: every opener of one
 * FIFO inode gets an end of the same pipe; the pipe (and anything still
 * buffered in it) goes away when its last end closes.
 */
export class FifoTable {
  private readonly byFs = new Map<FileSystem, Map<number, Fifo>>();

  /**
   * open(2) of a FIFO: O_RDONLY waits for a writer, O_WRONLY for a reader
   * (both interruptibly); O_RDONLY|O_NONBLOCK returns at once,
   * O_WRONLY|O_NONBLOCK with no reader is ENXIO; O_RDWR is both ends at once.
   */
  async open(t: Task, ino: Inode, flags: number, path: string): Promise<FifoFile> {
    let inFs = this.byFs.get(ino.fs);
    if (inFs === undefined) this.byFs.set(ino.fs, (inFs = new Map()));
    let fifo = inFs.get(ino.ino);
    if (fifo === undefined) inFs.set(ino.ino, (fifo = new Fifo()));
    const acc = flags & O_ACCMODE;
    const nonblock = (flags & O_NONBLOCK) !== 0;
    if (acc === O_WRONLY && nonblock && fifo.pipe.readers === 0) {
      this.dropIfUnused(ino, fifo);
      throw new SyscallError(ENXIO);
    }
    const f = fifo;
    const file = new FifoFile(f, ino, flags, path, () => this.dropIfUnused(ino, f));
    if (nonblock || acc !== O_RDONLY && acc !== O_WRONLY) return file;
    const partner = acc === O_RDONLY ? () => f.writeOpens : () => f.readOpens;
    const present = acc === O_RDONLY ? f.pipe.writers : f.pipe.readers;
    if (present > 0) return file;
    const seen = partner();
    try {
      while (partner() === seen) await interruptible(t, f.pipe.changed());
    } catch (e) {
      file.release();
      throw e;
    }
    return file;
  }

  private dropIfUnused(ino: Inode, fifo: Fifo): void {
    if (fifo.pipe.readers > 0 || fifo.pipe.writers > 0) return;
    const inFs = this.byFs.get(ino.fs);
    if (inFs?.get(ino.ino) !== fifo) return;
    inFs.delete(ino.ino);
    if (inFs.size === 0) this.byFs.delete(ino.fs);
  }
}

/** An open FIFO: its read end, write end or (O_RDWR) both, of the inode's shared pipe. */
export class FifoFile extends OpenFile {
  /** Raises SIGPIPE in the writing task (set per write by the syscall layer). */
  sigpipe: () => void = () => {};
  /**
   * The write-open count when this reader opened with no writer present: it
   * sees no POLLHUP until a writer has come since (fs/pipe.c pipe_poll).
   */
  private readonly seenWriters: number;

  constructor(private readonly fifo: Fifo, readonly ino: Inode, flags: number, path: string, private readonly onClose: () => void) {
    super(flags, path);
    const p = fifo.pipe;
    this.seenWriters = p.writers === 0 ? fifo.writeOpens : -1;
    if (this.readable) {
      fifo.readOpens++;
      p.openEnd(false);
    }
    if (this.writable) {
      fifo.writeOpens++;
      p.openEnd(true);
    }
    ino.fs.retain?.(ino);
  }
  get pipe(): Pipe {
    return this.fifo.pipe;
  }
  stat(): Stat {
    return this.ino.stat();
  }
  override inode(): Inode {
    return this.ino;
  }
  read(len: number): Promise<Uint8Array> {
    if (!this.readable) throw new SyscallError(EBADF);
    return this.pipe.read(len, (this.flags & O_NONBLOCK) !== 0);
  }
  write(data: Uint8Array): Promise<number> {
    if (!this.writable) throw new SyscallError(EBADF);
    return this.pipe.write(data, (this.flags & O_NONBLOCK) !== 0, this.sigpipe);
  }
  override seek(): number {
    throw new SyscallError(ESPIPE);
  }
  override pollState(): number {
    const p = this.pipe;
    let s = 0;
    if (this.readable) {
      if (p.buffered > 0) s |= POLLIN;
      if (p.writers === 0 && this.fifo.writeOpens !== this.seenWriters) s |= POLLHUP;
    }
    if (this.writable) {
      if (p.capacity - p.buffered >= Math.min(PIPE_BUF, p.capacity)) s |= POLLOUT;
      if (p.readers === 0) s |= POLLERR;
    }
    return s;
  }
  override pollChange(): Promise<void> {
    return this.pipe.changed();
  }
  override release(): void {
    if (this.readable) this.pipe.closeEnd(false);
    if (this.writable) this.pipe.closeEnd(true);
    this.onClose();
    void this.ino.fs.release?.(this.ino);
  }
}

