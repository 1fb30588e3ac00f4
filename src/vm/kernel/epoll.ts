import * as E from './abi/events.js';
import { SyscallError } from './errors.js';
import { OpenFile, POLLERR, POLLHUP, POLLIN, WaitQueue, anonStat } from './files.js';
import type { Stat } from '../fs/types.js';

/**
 * An epoll instance (epoll(7)): an interest list of (fd, open file) pairs
 * over the readiness every file reports (OpenFile.pollState / pollChange),
 * so pipes, eventfds, timerfds, terminals, sockets and nested epolls all
 * work alike.
 *
 * Level-triggered items are ready while their file is. Edge-triggered ones
 * are reported once, then again only after the file signalled a change
 * (pollChange resolved): a change that left the interesting bits set — a
 * partial read — can report again where Linux, which filters wakeups by
 * their event key, would not; programs written for ET read until EAGAIN
 * and do not notice. EPOLLONESHOT disables an item after one report until
 * EPOLL_CTL_MOD. Items whose open file was closed everywhere disappear, as
 * in Linux (the key is the open file description, not the fd number).
 */
export interface EpollItem {
  fd: number;
  file: OpenFile;
  events: number;
  data: bigint;
  /** ET: a change happened since the last report. */
  armed: boolean;
  /** ONESHOT: reported, waiting for EPOLL_CTL_MOD. */
  disabled: boolean;
}

let nextEpollIno = 1;

export class EpollFile extends OpenFile {
  /** In ready-list order: a reported level-triggered item moves to the back, as Linux re-queues it. */
  private items: EpollItem[] = [];
  private readonly queue = new WaitQueue();
  private readonly ino = nextEpollIno++;

  constructor(flags: number) {
    super(flags | 2, 'anon_inode:[eventpoll]');
  }

  stat(): Stat {
    return anonStat(this.ino);
  }
  read(): Uint8Array {
    throw new SyscallError(22 /* EINVAL */);
  }
  write(): number {
    throw new SyscallError(22 /* EINVAL */);
  }
  override seek(): number {
    throw new SyscallError(29 /* ESPIPE */);
  }

  private find(fd: number, file: OpenFile): EpollItem | undefined {
    return this.items.find((i) => i.fd === fd && i.file === file);
  }

  add(fd: number, file: OpenFile, events: number, data: bigint): void {
    if (this.find(fd, file)) throw new SyscallError(17 /* EEXIST */);
    this.items.push({ fd, file, events, data, armed: true, disabled: false });
    this.queue.wake();
  }

  modify(fd: number, file: OpenFile, events: number, data: bigint): void {
    const i = this.find(fd, file);
    if (!i) throw new SyscallError(2 /* ENOENT */);
    i.events = events;
    i.data = data;
    i.armed = true;
    i.disabled = false;
    this.queue.wake();
  }

  remove(fd: number, file: OpenFile): void {
    const i = this.find(fd, file);
    if (!i) throw new SyscallError(2 /* ENOENT */);
    this.items.splice(this.items.indexOf(i), 1);
    this.queue.wake();
  }

  /** Whether `file` is this instance or an epoll nested in it (epoll_ctl's ELOOP). */
  contains(file: OpenFile): boolean {
    if (file === this) return true;
    return this.items.some((i) => i.file instanceof EpollFile && i.file.contains(file));
  }

  private readyBits(i: EpollItem): number {
    if (i.disabled) return 0;
    // EPOLLERR and EPOLLHUP are always reported (epoll_ctl(2)).
    return i.file.pollState() & (i.events | POLLERR | POLLHUP) & ~(E.EPOLLET | E.EPOLLONESHOT | E.EPOLLEXCLUSIVE | E.EPOLLWAKEUP);
  }

  private prune(): void {
    this.items = this.items.filter((i) => i.file.refs > 0);
  }

  /** Take up to `max` ready events: [events, data] pairs, updating ET and ONESHOT state. */
  collect(max: number): [number, bigint][] {
    this.prune();
    const out: [number, bigint][] = [];
    const requeue: EpollItem[] = [];
    for (const i of [...this.items]) {
      if (out.length >= max) break;
      const bits = this.readyBits(i);
      if (bits === 0) continue;
      if (i.events & E.EPOLLET) {
        if (!i.armed) continue;
        i.armed = false;
        i.file.pollChange().then(() => {
          i.armed = true;
          this.queue.wake();
        });
      }
      out.push([bits, i.data]);
      if (i.events & E.EPOLLONESHOT) i.disabled = true;
      else if (!(i.events & E.EPOLLET)) requeue.push(i);
    }
    if (requeue.length) this.items = [...this.items.filter((i) => !requeue.includes(i)), ...requeue];
    return out;
  }

  override pollState(): number {
    this.prune();
    for (const i of this.items) if (this.readyBits(i) !== 0 && (!(i.events & E.EPOLLET) || i.armed)) return POLLIN;
    return 0;
  }

  /** Any watched file changing, or the interest list changing. */
  override pollChange(): Promise<void> {
    const changes = [this.queue.wait()];
    for (const i of this.items) if (!i.disabled && (!(i.events & E.EPOLLET) || i.armed)) changes.push(i.file.pollChange());
    return Promise.race(changes);
  }
}
