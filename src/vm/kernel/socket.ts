import {
  EAGAIN, ECONNREFUSED, ECONNRESET, EINVAL, EISCONN, EMSGSIZE, ENOTCONN, EPIPE, ESPIPE,
} from './abi/errno.js';
import * as NET from './abi/net.js';
import { O_NONBLOCK, O_RDWR } from './abi/structs.js';
import { S_IFSOCK, type FileSystem, type Stat } from '../fs/types.js';
import { SyscallError } from './errors.js';
import { OpenFile, POLLERR, POLLHUP, POLLIN, POLLOUT } from './files.js';

/**
 * AF_UNIX sockets (unix(7)), modelled on Linux's net/unix/af_unix.c:
 * stream, datagram and seqpacket sockets, connected pairs, listening
 * sockets with a backlog of not-yet-accepted connections, names in the
 * filesystem (a socket inode, found again by its (fs, ino)) or in the
 * abstract namespace, and messages that carry open files (SCM_RIGHTS) and
 * credentials (SCM_CREDENTIALS).
 *
 * Blocking is a Promise (the task parks): `changed()` resolves at the next
 * state change of a socket, which poll() also waits on.
 */

/** sk_shutdown bits. */
export const RCV_SHUTDOWN = 1;
export const SEND_SHUTDOWN = 2;
const SHUTDOWN_MASK = 3;
/** net.core.wmem_default / rmem_default. */
const DEFAULT_BUF = 212992;
/** net.unix.max_dgram_qlen: datagrams queued on a socket that is not the sender's peer. */
const MAX_DGRAM_QLEN = 10;

export interface Cred {
  pid: number;
  uid: number;
  gid: number;
}

/** A socket address: a path (as bound), an abstract name (without its leading NUL), or none. */
export type UnixAddress = { kind: 'path'; path: string } | { kind: 'abstract'; name: string } | null;

export interface Message {
  data: Uint8Array;
  /** Files in flight (SCM_RIGHTS); each holds a reference until received or dropped. */
  fds: OpenFile[];
  cred: Cred;
  from: UnixAddress;
}

/** Drop a reference a message in flight held on an open file. */
export function dropRef(f: OpenFile): void {
  if (--f.refs === 0) f.release();
}

let nextSockIno = 1;

export class UnixSocket {
  state: 'unconnected' | 'listening' | 'connected' = 'unconnected';
  peer: UnixSocket | null = null;
  readonly queue: Message[] = [];
  queuedBytes = 0;
  backlog: UnixSocket[] = [];
  backlogMax = 0;
  address: UnixAddress = null;
  /** Where a path-bound socket's inode lives (to unregister on close). */
  boundInode: { fs: FileSystem; ino: number } | null = null;
  shutdown = 0;
  /** Pending SO_ERROR. */
  error = 0;
  sndbuf = DEFAULT_BUF;
  rcvbuf = DEFAULT_BUF;
  passcred = false;
  reuseaddr = false;
  /** SO_RCVTIMEO / SO_SNDTIMEO in ms (0: wait forever). */
  rcvTimeoMs = 0;
  sndTimeoMs = 0;
  /** Credentials of the creator (socketpair) or of the connecting/listening process (SO_PEERCRED). */
  peerCred: Cred | null = null;
  closed = false;
  /** Made by connect() for a listener and not accepted yet (an "embryo"). */
  embryo = false;
  readonly ino = nextSockIno++;
  private waiters: (() => void)[] = [];

  constructor(readonly registry: SocketRegistry, readonly type: number, public cred: Cred) {}

  /** Resolves at the next change of this socket (data, room, a peer closing, a connection). */
  changed(): Promise<void> {
    return new Promise((r) => this.waiters.push(r));
  }

  wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  get isStream(): boolean {
    return this.type === NET.SOCK_STREAM;
  }

  /** Connection-oriented (stream or seqpacket). */
  get connOriented(): boolean {
    return this.type !== NET.SOCK_DGRAM;
  }

  pollState(): number {
    let m = 0;
    if (this.error !== 0) m |= POLLERR;
    if (this.shutdown === SHUTDOWN_MASK) m |= POLLHUP;
    if (this.shutdown & RCV_SHUTDOWN) m |= POLLIN;
    if (this.queue.length > 0 || this.backlog.length > 0) m |= POLLIN;
    if (this.connOriented && this.state === 'unconnected') m |= POLLHUP;
    if (this.state === 'listening') return m;
    if (this.writable()) m |= POLLOUT;
    return m;
  }

  /** Room for a send now (unix_writable: the peer's queue below our send buffer). */
  private writable(): boolean {
    const p = this.peer;
    if (this.shutdown & SEND_SHUTDOWN) return true; // a send would fail at once: EPIPE
    if (p === null) return !this.connOriented;
    return p.queuedBytes < this.sndbuf;
  }

  enqueue(m: Message): void {
    this.queue.push(m);
    this.queuedBytes += m.data.length;
    this.wake();
  }

  /** Close: pending connections and queued files go, the peer sees EOF (and ECONNRESET if we had unread data). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const p = this.peer;
    if (p !== null) {
      if (this.connOriented) {
        p.shutdown = SHUTDOWN_MASK;
        if (this.queue.length > 0 || this.embryo) p.error = ECONNRESET;
      }
      p.wake();
    }
    // Datagram sockets connected to us keep pointing here: their sends see ECONNREFUSED.
    for (const m of this.queue) for (const f of m.fds) dropRef(f);
    this.queue.length = 0;
    this.queuedBytes = 0;
    for (const c of this.backlog) c.close();
    this.backlog = [];
    this.registry.unbind(this);
    this.peer = null;
    this.wake();
  }
}

/** The names sockets are bound to, per kernel. */
export class SocketRegistry {
  private readonly byInode = new Map<FileSystem, Map<number, UnixSocket>>();
  private readonly abstract = new Map<string, UnixSocket>();

  bindInode(s: UnixSocket, fs: FileSystem, ino: number): void {
    let m = this.byInode.get(fs);
    if (m === undefined) this.byInode.set(fs, (m = new Map()));
    m.set(ino, s);
    s.boundInode = { fs, ino };
  }

  /** Bind to an abstract name; false when it is taken (EADDRINUSE). */
  bindAbstract(s: UnixSocket, name: string): boolean {
    if (this.abstract.has(name)) return false;
    this.abstract.set(name, s);
    return true;
  }

  findInode(fs: FileSystem, ino: number): UnixSocket | undefined {
    return this.byInode.get(fs)?.get(ino);
  }

  findAbstract(name: string): UnixSocket | undefined {
    return this.abstract.get(name);
  }

  unbind(s: UnixSocket): void {
    if (s.boundInode !== null) {
      const m = this.byInode.get(s.boundInode.fs);
      if (m?.get(s.boundInode.ino) === s) m.delete(s.boundInode.ino);
      s.boundInode = null;
    }
    if (s.address?.kind === 'abstract' && this.abstract.get(s.address.name) === s) this.abstract.delete(s.address.name);
  }
}

/** Connect two fresh sockets to each other (socketpair, or connect + the server's new socket). */
export function pair(a: UnixSocket, b: UnixSocket): void {
  a.peer = b;
  b.peer = a;
  a.state = 'connected';
  b.state = 'connected';
}

export interface RecvResult {
  data: Uint8Array;
  /** The whole datagram was longer than asked for (MSG_TRUNC). */
  fullLength: number;
  fds: OpenFile[];
  cred: Cred | null;
  from: UnixAddress;
}

/**
 * Take up to `len` bytes (stream: across messages, stopping at one that
 * carries files; datagram/seqpacket: one message, the rest discarded).
 * Returns null when nothing is queued.
 */
export function takeQueued(s: UnixSocket, len: number, peek: boolean): RecvResult | null {
  if (s.queue.length === 0) return null;
  if (!s.isStream) {
    const m = s.queue[0];
    if (!peek) {
      s.queue.shift();
      s.queuedBytes -= m.data.length;
      s.peer?.wake();
      s.wake();
    }
    return { data: m.data.subarray(0, len), fullLength: m.data.length, fds: peek ? [] : m.fds, cred: m.cred, from: m.from };
  }
  const parts: Uint8Array[] = [];
  let got = 0;
  const fds: OpenFile[] = [];
  let cred: Cred | null = null;
  let from: UnixAddress = null;
  let k = 0;
  while (k < s.queue.length && got < len) {
    const m = s.queue[k];
    // Files arrive with the first byte of the write that sent them, and end the read there (unix_stream_read_generic).
    if (got > 0 && m.fds.length > 0) break;
    if (cred === null) {
      cred = m.cred;
      from = m.from;
    } else if (cred.pid !== m.cred.pid || cred.uid !== m.cred.uid || cred.gid !== m.cred.gid) break;
    const take = Math.min(len - got, m.data.length);
    parts.push(m.data.subarray(0, take));
    got += take;
    const hadFds = m.fds.length > 0;
    if (!peek) {
      fds.push(...m.fds);
      m.fds = [];
    }
    if (take === m.data.length) {
      if (!peek) {
        s.queue.splice(k, 1);
        s.queuedBytes -= take;
      } else k++;
    } else if (!peek) {
      m.data = m.data.subarray(take);
      s.queuedBytes -= take;
    }
    if (hadFds) break;
    if (peek && take < m.data.length) break;
  }
  if (!peek) {
    s.peer?.wake();
    s.wake();
  }
  const data = new Uint8Array(got);
  let o = 0;
  for (const p of parts) {
    data.set(p, o);
    o += p.length;
  }
  return { data, fullLength: got, fds, cred, from };
}

/**
 * Deliver `data` from `s` to `to`, waiting for room (`wait`) unless
 * `nonblock`. Stream writes may be split; datagrams go whole or not at all.
 * Returns the bytes sent.
 */
export async function deliver(
  s: UnixSocket, to: UnixSocket, data: Uint8Array, fds: OpenFile[], nonblock: boolean, wait: (p: Promise<void>) => Promise<void>,
): Promise<number> {
  const cred = s.cred;
  if (!s.isStream) {
    if (data.length > s.sndbuf - 32) throw new SyscallError(EMSGSIZE);
    for (;;) {
      if (to.closed) throw new SyscallError(s.connOriented ? EPIPE : ECONNREFUSED);
      if (s.connOriented && (s.shutdown & SEND_SHUTDOWN || to.shutdown & RCV_SHUTDOWN)) throw new SyscallError(EPIPE);
      const full = to.queuedBytes + data.length > Math.max(s.sndbuf, data.length) || (to.peer !== s && to.queue.length > MAX_DGRAM_QLEN);
      if (!full) break;
      if (nonblock) throw new SyscallError(EAGAIN);
      await wait(to.changed());
    }
    for (const f of fds) f.refs++;
    to.enqueue({ data: data.slice(), fds, cred, from: s.address });
    return data.length;
  }
  // The shutdown check comes first; then nothing to send sends nothing, not even files (unix_stream_sendmsg).
  if (s.shutdown & SEND_SHUTDOWN || to.closed || to.shutdown & RCV_SHUTDOWN) throw new SyscallError(EPIPE);
  let done = 0;
  let first = true;
  while (done < data.length) {
    if (s.shutdown & SEND_SHUTDOWN || to.closed || to.shutdown & RCV_SHUTDOWN) {
      if (done > 0) return done;
      throw new SyscallError(EPIPE);
    }
    const room = s.sndbuf - to.queuedBytes;
    if (room <= 0) {
      if (nonblock) {
        if (done > 0) return done;
        throw new SyscallError(EAGAIN);
      }
      await wait(to.changed());
      continue;
    }
    const n = Math.min(room, data.length - done);
    const carry = first ? fds : [];
    for (const f of carry) f.refs++;
    to.enqueue({ data: data.slice(done, done + n), fds: carry, cred, from: s.address });
    done += n;
    first = false;
  }
  return done;
}

/** An open socket (what socket(2), socketpair(2) and accept(2) return). */
export class SocketFile extends OpenFile {
  constructor(readonly sock: UnixSocket, flags: number) {
    super((flags & O_NONBLOCK) | O_RDWR, `socket:[${sock.ino}]`);
  }
  get nonblocking(): boolean {
    return (this.flags & O_NONBLOCK) !== 0;
  }
  stat(): Stat {
    return {
      dev: 0x8, ino: this.sock.ino, mode: S_IFSOCK | 0o777, nlink: 1, uid: this.sock.cred.uid, gid: this.sock.cred.gid, rdev: 0,
      size: 0, blksize: 4096, blocks: 0, atimeSec: 0, atimeNsec: 0, mtimeSec: 0, mtimeNsec: 0, ctimeSec: 0, ctimeNsec: 0,
    };
  }
  /** Raises SIGPIPE in the writing task (set per write by the syscall layer, as for pipes). */
  sigpipe: () => void = () => {};
  /** Makes a wait interruptible by signals in the calling task (set per call by the syscall layer). */
  waitHook: (p: Promise<void>) => Promise<void> = (p) => p;
  /** read(2): recv with no flags; files sent along are closed (unix(7)). */
  async read(len: number): Promise<Uint8Array> {
    const r = await recvFrom(this.sock, len, 0, this.nonblocking, this.waitHook);
    for (const f of r.fds) dropRef(f);
    return r.data;
  }
  /** write(2): send with no flags; a stream whose peer is gone gives EPIPE and SIGPIPE. */
  write(data: Uint8Array): Promise<number> {
    return sendTo(this.sock, null, data, [], this.nonblocking, this.sigpipe, this.waitHook);
  }
  override seek(): number {
    throw new SyscallError(ESPIPE);
  }
  override pollState(): number {
    return this.sock.pollState();
  }
  override pollChange(): Promise<void> {
    return this.sock.changed();
  }
  override release(): void {
    this.sock.close();
  }
}

/**
 * Receive into up to `len` bytes, waiting (through `wait`, which makes the
 * wait interruptible) unless `nonblock`. End of stream is an empty result.
 */
export async function recvFrom(
  s: UnixSocket, len: number, flags: number, nonblock: boolean, untimedWait: (p: Promise<void>) => Promise<void>,
): Promise<RecvResult> {
  const wait = withTimeout(untimedWait, s.rcvTimeoMs);
  const peek = (flags & NET.MSG_PEEK) !== 0;
  // Not connected: a stream says EINVAL (unix_stream_read_generic), a seqpacket ENOTCONN.
  if (s.connOriented && s.state !== 'connected' && s.queue.length === 0) throw new SyscallError(s.isStream ? EINVAL : ENOTCONN);
  for (;;) {
    const r = takeQueued(s, len, peek);
    if (r !== null) {
      // MSG_WAITALL on a stream: keep reading until `len` bytes, EOF, a signal or an error.
      if ((flags & NET.MSG_WAITALL) && s.isStream && !peek && r.data.length < len && r.fds.length === 0 && !(s.shutdown & RCV_SHUTDOWN) && !nonblock) {
        const more = await recvFrom(s, len - r.data.length, flags, nonblock, wait).catch(() => null);
        if (more !== null && more.data.length > 0) {
          const d = new Uint8Array(r.data.length + more.data.length);
          d.set(r.data);
          d.set(more.data, r.data.length);
          return { ...r, data: d, fullLength: d.length, fds: [...r.fds, ...more.fds] };
        }
      }
      return r;
    }
    if (s.error !== 0) {
      const e = s.error;
      s.error = 0;
      throw new SyscallError(e);
    }
    if (s.shutdown & RCV_SHUTDOWN) return { data: new Uint8Array(0), fullLength: 0, fds: [], cred: null, from: null };
    if (nonblock || (flags & NET.MSG_DONTWAIT)) throw new SyscallError(EAGAIN);
    await wait(s.changed());
  }
}

/**
 * A wait that gives up with EAGAIN once `ms` have passed since this call
 * (SO_RCVTIMEO/SO_SNDTIMEO: socket(7)); `ms` 0 waits as long as it takes.
 */
function withTimeout(wait: (p: Promise<void>) => Promise<void>, ms: number): (p: Promise<void>) => Promise<void> {
  if (ms <= 0) return wait;
  const deadline = Date.now() + ms;
  return (p) => {
    const left = deadline - Date.now();
    if (left <= 0) return Promise.reject(new SyscallError(EAGAIN));
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new SyscallError(EAGAIN)), left);
      wait(p).then(
        () => (clearTimeout(timer), resolve()),
        (e: unknown) => (clearTimeout(timer), reject(e)),
      );
    });
  };
}

/** Send to `to` (a datagram's destination) or to the connected peer. */
export async function sendTo(
  s: UnixSocket, to: UnixSocket | null, data: Uint8Array, fds: OpenFile[], nonblock: boolean, sigpipe: () => void,
  wait: (p: Promise<void>) => Promise<void>,
): Promise<number> {
  if (s.connOriented) {
    if (to !== null && s.state === 'connected') throw new SyscallError(EISCONN);
    if (s.state !== 'connected') {
      if (s.shutdown & SEND_SHUTDOWN) {
        sigpipe();
        throw new SyscallError(EPIPE);
      }
      throw new SyscallError(ENOTCONN);
    }
  }
  const dest = to ?? s.peer;
  if (dest === null) {
    if (s.connOriented && s.shutdown & SEND_SHUTDOWN) {
      sigpipe();
      throw new SyscallError(EPIPE);
    }
    throw new SyscallError(ENOTCONN);
  }
  try {
    return await deliver(s, dest, data, fds, nonblock, withTimeout(wait, s.sndTimeoMs));
  } catch (e) {
    if (e instanceof SyscallError && e.errno === EPIPE) sigpipe();
    throw e;
  }
}
