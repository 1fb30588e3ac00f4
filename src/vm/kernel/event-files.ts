import { EAGAIN, EINVAL } from './abi/errno.js';
import { SyscallError } from './errors.js';
import { OpenFile, POLLIN, POLLOUT, WaitQueue, anonStat } from './files.js';
import type { Kernel } from './kernel.js';
import type { Stat } from '../fs/types.js';

/**
 * Files that are counters rather than data: eventfd(2) and timerfd_create(2),
 * and the interval timer under timerfd and the POSIX timers (timer_create).
 * Their reads and writes never wait themselves (waitsByPoll): they say
 * EAGAIN and the system call layer waits on pollChange().
 */

let nextAnonIno = 1;

/** The largest eventfd counter value (ULLONG_MAX - 1, eventfd(2)). */
const EVENTFD_MAX = 0xfffffffffffffffen;

function u64(b: bigint): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, b, true);
  return out;
}

export class EventFd extends OpenFile {
  private readonly queue = new WaitQueue();
  private readonly ino = nextAnonIno++;
  constructor(private count: bigint, private readonly semaphore: boolean, flags: number) {
    super(flags | 2 /* O_RDWR */, 'anon_inode:[eventfd]');
  }
  override get waitsByPoll(): boolean {
    return true;
  }
  stat(): Stat {
    return anonStat(this.ino);
  }
  read(len: number): Uint8Array {
    if (len < 8) throw new SyscallError(EINVAL);
    if (this.count === 0n) throw new SyscallError(EAGAIN);
    // EFD_SEMAPHORE: each read takes one; otherwise the whole count.
    const v = this.semaphore ? 1n : this.count;
    this.count -= v;
    this.queue.wake();
    return u64(v);
  }
  write(data: Uint8Array): number {
    if (data.length < 8) throw new SyscallError(EINVAL);
    const v = new DataView(data.buffer, data.byteOffset, 8).getBigUint64(0, true);
    if (v === 0xffffffffffffffffn) throw new SyscallError(EINVAL);
    if (v > EVENTFD_MAX - this.count) throw new SyscallError(EAGAIN);
    this.count += v;
    if (v !== 0n) this.queue.wake();
    return 8;
  }
  override seek(): number {
    throw new SyscallError(29 /* ESPIPE */);
  }
  override pollState(): number {
    return (this.count > 0n ? POLLIN : 0) | (this.count < EVENTFD_MAX ? POLLOUT : 0);
  }
  override pollChange(): Promise<void> {
    return this.queue.wait();
  }
  /** /proc/<pid>/fdinfo's eventfd-count. */
  get value(): bigint {
    return this.count;
  }
}

/**
 * A one-shot or periodic timer on one of the kernel's clocks: `onExpire(n)`
 * runs with the number of periods that passed (more than one when the host
 * ran late). Times are ms on the timer's clock.
 */
export class IntervalTimer {
  /** When it next expires (clock ms), or null when disarmed. */
  private due: number | null = null;
  private interval = 0;
  private handle: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly k: Kernel, private readonly now: () => number, private readonly onExpire: (n: number) => void) {}

  /** Arm to expire at `dueMs` (clock ms; 0 disarms), then every `intervalMs` (0: once). */
  arm(dueMs: number, intervalMs: number): void {
    this.disarm();
    if (dueMs === 0) return;
    this.due = dueMs;
    this.interval = intervalMs;
    this.schedule();
  }

  disarm(): void {
    if (this.handle !== null) this.k.clearTimer(this.handle);
    this.handle = null;
    this.due = null;
    this.interval = 0;
  }

  /** [time until the next expiry, interval] in ms; [0, 0] when disarmed. */
  remaining(): [number, number] {
    if (this.due === null) return [0, 0];
    // A due time just reached reads as a few ns left, not 0 (which would mean disarmed).
    return [Math.max(2e-6, this.due - this.now()), this.interval];
  }

  private schedule(): void {
    const wait = Math.max(0, this.due! - this.now());
    this.handle = this.k.setTimer(() => this.fire(), Math.ceil(wait));
  }

  private fire(): void {
    this.handle = null;
    if (this.due === null) return;
    const now = this.now();
    if (now < this.due) return this.schedule();
    let n = 1;
    if (this.interval > 0) {
      n += Math.floor((now - this.due) / this.interval);
      this.due += n * this.interval;
      this.schedule();
    } else this.due = null;
    this.onExpire(n);
  }
}

export class TimerFd extends OpenFile {
  private readonly queue = new WaitQueue();
  private readonly ino = nextAnonIno++;
  private expirations = 0n;
  readonly timer: IntervalTimer;
  constructor(k: Kernel, readonly clock: () => number, flags: number) {
    super(flags | 0 /* O_RDONLY */, 'anon_inode:[timerfd]');
    this.timer = new IntervalTimer(k, clock, (n) => {
      this.expirations += BigInt(n);
      this.queue.wake();
    });
  }
  override get waitsByPoll(): boolean {
    return true;
  }
  stat(): Stat {
    return anonStat(this.ino);
  }
  /** timerfd_settime: a new setting clears the expirations not read yet. */
  set(dueMs: number, intervalMs: number): void {
    this.expirations = 0n;
    this.timer.arm(dueMs, intervalMs);
    this.queue.wake();
  }
  read(len: number): Uint8Array {
    if (len < 8) throw new SyscallError(EINVAL);
    if (this.expirations === 0n) throw new SyscallError(EAGAIN);
    const v = this.expirations;
    this.expirations = 0n;
    return u64(v);
  }
  write(): number {
    throw new SyscallError(EINVAL);
  }
  override seek(): number {
    throw new SyscallError(29 /* ESPIPE */);
  }
  override pollState(): number {
    return this.expirations > 0n ? POLLIN : 0;
  }
  override pollChange(): Promise<void> {
    return this.queue.wait();
  }
  override release(): void {
    this.timer.disarm();
  }
}

