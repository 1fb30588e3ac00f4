import { EAGAIN, EBADF, EPIPE, ESPIPE } from './abi/errno.js';
import { O_NONBLOCK, O_RDONLY, O_WRONLY, SIGPIPE } from './abi/structs.js';
import { S_IFIFO, type Stat } from '../fs/types.js';
import { SyscallError } from './errors.js';
import { OpenFile, POLLERR, POLLHUP, POLLIN, POLLOUT } from './files.js';

/** PIPE_BUF (linux/limits.h): writes up to this size are atomic. */
export const PIPE_BUF = 4096;
/** Default pipe capacity (pipe(7)). */
export const PIPE_CAPACITY = 65536;

let nextPipeIno = 1;

/**
 * A pipe (pipe(7)): a bounded byte queue with read and write ends. A read
 * with nothing buffered waits (a Promise: the task parks) until data arrives
 * or every writer has closed (EOF); a write waits for room; writing with no
 * reader left is EPIPE and SIGPIPE.
 */
export class Pipe {
  private chunks: Uint8Array[] = [];
  private size = 0;
  readers = 0;
  writers = 0;
  readonly ino = nextPipeIno++;
  /** Bytes it holds before writers wait (F_SETPIPE_SZ changes it). */
  capacity = PIPE_CAPACITY;
  private waiters: (() => void)[] = [];
  /** Called with SIGPIPE for the writer when no reader is left (set by the kernel). */
  onBrokenPipe: ((sig: number) => void) | null = null;

  get buffered(): number {
    return this.size;
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Resolves at the next change (data, room, an end closing). */
  changed(): Promise<void> {
    return this.wait();
  }

  private wait(): Promise<void> {
    return new Promise((r) => this.waiters.push(r));
  }

  async read(len: number, nonblock: boolean): Promise<Uint8Array> {
    while (this.size === 0) {
      if (this.writers === 0) return new Uint8Array(0);
      if (nonblock) throw new SyscallError(EAGAIN);
      await this.wait();
    }
    const n = Math.min(len, this.size);
    const out = new Uint8Array(n);
    let o = 0;
    while (o < n) {
      const c = this.chunks[0];
      const take = Math.min(c.length, n - o);
      out.set(c.subarray(0, take), o);
      o += take;
      if (take === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(take);
    }
    this.size -= n;
    this.wake();
    return out;
  }

  async write(data: Uint8Array, nonblock: boolean, signal: () => void): Promise<number> {
    let done = 0;
    while (done < data.length) {
      if (this.readers === 0) {
        signal();
        if (done > 0) return done;
        throw new SyscallError(EPIPE);
      }
      const room = this.capacity - this.size;
      // Writes of at most PIPE_BUF bytes go in whole or not at all.
      const need = data.length - done <= PIPE_BUF ? data.length - done : 1;
      if (room < need) {
        if (nonblock) {
          if (done > 0) return done;
          throw new SyscallError(EAGAIN);
        }
        await this.wait();
        continue;
      }
      const n = Math.min(room, data.length - done);
      this.chunks.push(data.slice(done, done + n));
      this.size += n;
      done += n;
      this.wake();
    }
    return done;
  }

  /** An end opened (a FIFO's opener): wakes opens waiting for a partner, and pollers. */
  openEnd(write: boolean): void {
    if (write) this.writers++;
    else this.readers++;
    this.wake();
  }

  closeEnd(write: boolean): void {
    if (write) this.writers--;
    else this.readers--;
    this.wake();
  }
}

function pipeStat(p: Pipe): Stat {
  return {
    dev: 0xc, ino: p.ino, mode: S_IFIFO | 0o600, nlink: 1, uid: 0, gid: 0, rdev: 0, size: 0, blksize: 4096, blocks: 0,
    atimeSec: 0, atimeNsec: 0, mtimeSec: 0, mtimeNsec: 0, ctimeSec: 0, ctimeNsec: 0,
  };
}

export class PipeReadEnd extends OpenFile {
  override pollState(): number {
    return (this.pipe.buffered > 0 ? POLLIN : 0) | (this.pipe.writers === 0 ? POLLHUP | (this.pipe.buffered === 0 ? 0 : 0) : 0);
  }
  override pollChange(): Promise<void> {
    return this.pipe.changed();
  }
  constructor(readonly pipe: Pipe, flags: number) {
    super((flags & ~3) | O_RDONLY, 'pipe:[' + pipe.ino + ']');
    pipe.readers++;
  }
  stat(): Stat {
    return pipeStat(this.pipe);
  }
  read(len: number, _pos: number | null): Promise<Uint8Array> {
    return this.pipe.read(len, (this.flags & O_NONBLOCK) !== 0);
  }
  write(): number {
    throw new SyscallError(EBADF);
  }
  override seek(): number {
    throw new SyscallError(ESPIPE);
  }
  override release(): void {
    this.pipe.closeEnd(false);
  }
}

export class PipeWriteEnd extends OpenFile {
  override pollState(): number {
    if (this.pipe.readers === 0) return POLLERR;
    return this.pipe.capacity - this.pipe.buffered >= Math.min(PIPE_BUF, this.pipe.capacity) ? POLLOUT : 0;
  }
  override pollChange(): Promise<void> {
    return this.pipe.changed();
  }
  /** Raises SIGPIPE in the writing task (set per write by the syscall layer). */
  sigpipe: () => void = () => {};
  constructor(readonly pipe: Pipe, flags: number) {
    super((flags & ~3) | O_WRONLY, 'pipe:[' + pipe.ino + ']');
    pipe.writers++;
  }
  stat(): Stat {
    return pipeStat(this.pipe);
  }
  read(): Uint8Array {
    throw new SyscallError(EBADF);
  }
  write(data: Uint8Array, _pos: number | null): Promise<number> {
    return this.pipe.write(data, (this.flags & O_NONBLOCK) !== 0, this.sigpipe);
  }
  override seek(): number {
    throw new SyscallError(ESPIPE);
  }
  override release(): void {
    this.pipe.closeEnd(true);
  }
}

export { SIGPIPE };
