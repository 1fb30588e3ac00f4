import {
  EADDRINUSE, EAFNOSUPPORT, EBADF, ECONNREFUSED, EEXIST, EFAULT, EINVAL, EISCONN, ENOPROTOOPT, ENOTCONN, ENOTSOCK,
  EOPNOTSUPP, EPROTONOSUPPORT, EPROTOTYPE, ESOCKTNOSUPPORT,
} from '../abi/errno.js';
import * as NET from '../abi/net.js';
import * as S from '../abi/structs.js';
import * as N from '../abi/syscalls.js';
import { resolve, resolveParent } from '../../fs/path.js';
import { FsError, S_IFMT, S_IFSOCK } from '../../fs/types.js';
import { SyscallError } from '../errors.js';
import type { OpenFile } from '../files.js';
import type { Kernel } from '../kernel.js';
import { interruptible } from '../signals.js';
import {
  dropRef, pair, recvFrom, RCV_SHUTDOWN, SEND_SHUTDOWN, sendTo, SocketFile, SocketRegistry, UnixSocket, type Cred, type UnixAddress,
} from '../socket.js';
import type { Task } from '../task.js';
import { checkPermission, MAY_EXEC, MAY_WRITE, searchCheck } from '../perm.js';
import { sendSignal } from './signal.js';
import { bytesToString, type SyscallTable } from './types.js';

/**
 * The socket system calls (socket(2) … recvmsg(2)) over AF_UNIX sockets
 * (socket.ts), both as i386's socketcall(2) multiplexer — which glibc 2.36
 * on i386 still uses for most of them — and as the direct calls 359–373.
 * Other address families answer EAFNOSUPPORT until networking exists.
 */

const registries = new WeakMap<Kernel, SocketRegistry>();
function registryOf(k: Kernel): SocketRegistry {
  let r = registries.get(k);
  if (r === undefined) registries.set(k, (r = new SocketRegistry()));
  return r;
}

function credOf(t: Task): Cred {
  return { pid: t.tgid, uid: t.euid, gid: t.egid };
}

function sockFile(t: Task, fd: number): SocketFile {
  const e = t.getFd(fd);
  if (e === null) throw new SyscallError(EBADF);
  if (!(e.file instanceof SocketFile)) throw new SyscallError(ENOTSOCK);
  return e.file;
}

const waitFor = (t: Task) => (p: Promise<void>): Promise<void> => interruptible(t, p);

function checkType(type: number): number {
  if (type & ~(0xf | NET.SOCK_NONBLOCK | NET.SOCK_CLOEXEC)) throw new SyscallError(EINVAL);
  const base = type & 0xf;
  if (base !== NET.SOCK_STREAM && base !== NET.SOCK_DGRAM && base !== NET.SOCK_SEQPACKET) throw new SyscallError(ESOCKTNOSUPPORT);
  return base;
}

function newSocketFd(k: Kernel, t: Task, base: number, type: number): [number, UnixSocket] {
  const s = new UnixSocket(registryOf(k), base, credOf(t));
  const fd = t.allocFd(new SocketFile(s, type & NET.SOCK_NONBLOCK ? S.O_NONBLOCK : 0), (type & NET.SOCK_CLOEXEC) !== 0);
  return [fd, s];
}

function socket(k: Kernel, t: Task, domain: number, type: number, protocol: number): number {
  if (domain !== NET.AF_UNIX) throw new SyscallError(EAFNOSUPPORT, 'only AF_UNIX sockets exist: the VM has no network yet');
  const base = checkType(type);
  if (protocol !== 0 && protocol !== NET.AF_UNIX) throw new SyscallError(EPROTONOSUPPORT);
  return newSocketFd(k, t, base, type)[0];
}

function socketpair(k: Kernel, t: Task, domain: number, type: number, protocol: number, sv: number): number {
  if (domain !== NET.AF_UNIX) throw new SyscallError(domain === NET.AF_INET || domain === NET.AF_INET6 ? EOPNOTSUPP : EAFNOSUPPORT);
  const base = checkType(type);
  if (protocol !== 0 && protocol !== NET.AF_UNIX) throw new SyscallError(EPROTONOSUPPORT);
  const [fa, a] = newSocketFd(k, t, base, type);
  const [fb, b] = newSocketFd(k, t, base, type);
  pair(a, b);
  a.peerCred = credOf(t);
  b.peerCred = credOf(t);
  try {
    t.as.write32(sv, fa);
    t.as.write32(sv + 4, fb);
  } catch (e) {
    t.closeFd(fa);
    t.closeFd(fb);
    throw e;
  }
  return 0;
}

/** A sockaddr_un from the guest: null for an autobind request (just the family). */
function readAddress(t: Task, addr: number, len: number): UnixAddress {
  if (addr === 0) throw new SyscallError(EFAULT);
  if (len < 2 || len > NET.SOCKADDR_UN_SIZE) throw new SyscallError(EINVAL);
  const b = t.as.read(addr, len);
  const family = b[0] | (b[1] << 8);
  if (family !== NET.AF_UNIX) throw new SyscallError(EINVAL);
  if (len === 2) return null;
  if (b[2] === 0) return { kind: 'abstract', name: bytesToString(b.subarray(3)) };
  let end = b.indexOf(0, 2);
  if (end < 0) end = len;
  return { kind: 'path', path: bytesToString(b.subarray(2, end)) };
}

function encodeAddress(a: UnixAddress): Uint8Array {
  if (a === null) return new Uint8Array([NET.AF_UNIX, 0]);
  const body = a.kind === 'path' ? a.path + '\0' : '\0' + a.name;
  const b = new Uint8Array(2 + body.length);
  b[0] = NET.AF_UNIX;
  for (let i = 0; i < body.length; i++) b[2 + i] = body.charCodeAt(i);
  return b;
}

/** Store an address the way getsockname(2) does: truncated to the buffer, the full length in *addrlen. */
function writeAddress(t: Task, addr: number, lenp: number, a: UnixAddress, emptyIsZero = false): void {
  if (addr === 0 || lenp === 0) return;
  const max = t.as.read32(lenp);
  if (max < 0) throw new SyscallError(EINVAL);
  const b = a === null && emptyIsZero ? new Uint8Array(0) : encodeAddress(a);
  t.as.write(addr, b.subarray(0, Math.min(max, b.length)));
  t.as.write32(lenp, b.length);
}

let autobindCounter = 0;
function autobind(reg: SocketRegistry, s: UnixSocket): void {
  for (;;) {
    const name = (autobindCounter++ & 0xfffff).toString(16).padStart(5, '0');
    const a: UnixAddress = { kind: 'abstract', name };
    if (reg.bindAbstract(s, name)) {
      s.address = a;
      return;
    }
  }
}

async function bind(k: Kernel, t: Task, fd: number, addr: number, len: number): Promise<number> {
  const f = sockFile(t, fd);
  const s = f.sock;
  const a = readAddress(t, addr, len);
  // A path is created before the "already bound" check (unix_bind_bsd): a taken path is EADDRINUSE either way.
  if (s.address !== null && a?.kind !== 'path') throw new SyscallError(EINVAL);
  const reg = registryOf(k);
  if (a === null) {
    autobind(reg, s);
    return 0;
  }
  if (a.kind === 'abstract') {
    if (!reg.bindAbstract(s, a.name)) throw new SyscallError(EADDRINUSE);
    s.address = a;
    return 0;
  }
  const dir = a.path.startsWith('/') ? t.root : t.cwd;
  const p = await resolveParent(t.root, dir, a.path, { mounts: k.mounts, caller: t.tgid, checkSearch: searchCheck(t) });
  if (p.kind !== 'normal') throw new SyscallError(EADDRINUSE);
  checkPermission(t, p.parent, MAY_WRITE | MAY_EXEC);
  const fs = p.parent.fs;
  if (fs.readOnly || fs.mknod === undefined) throw new SyscallError(30 /* EROFS */);
  let ino;
  try {
    ino = await fs.mknod(p.parent, p.name, S_IFSOCK | (0o777 & ~t.umask), 0, t.euid, t.egid);
  } catch (e) {
    if (e instanceof FsError && e.errno === EEXIST) throw new SyscallError(EADDRINUSE);
    throw e;
  }
  if (s.address !== null) {
    await fs.unlink?.(p.parent, p.name);
    throw new SyscallError(EINVAL);
  }
  reg.bindInode(s, ino.fs, ino.ino);
  s.address = a;
  return 0;
}

/** The socket bound to address `a` (ECONNREFUSED when nobody is, ENOENT when the path is missing). */
async function lookupBound(k: Kernel, t: Task, a: Exclude<UnixAddress, null>, type: number): Promise<UnixSocket> {
  const reg = registryOf(k);
  let target: UnixSocket | undefined;
  if (a.kind === 'abstract') target = reg.findAbstract(a.name);
  else {
    const ino = await resolve(t.root, a.path.startsWith('/') ? t.root : t.cwd, a.path, { followLast: true, mounts: k.mounts, caller: t.tgid, checkSearch: searchCheck(t) });
    if ((ino.mode & S_IFMT) !== S_IFSOCK) throw new SyscallError(ECONNREFUSED);
    checkPermission(t, ino, MAY_WRITE);
    target = reg.findInode(ino.fs, ino.ino);
  }
  if (target === undefined || target.closed) throw new SyscallError(ECONNREFUSED);
  // Abstract names are looked up per type (a mismatch is nobody there); a path finds the socket, of the wrong type.
  if (target.type !== type) throw new SyscallError(a.kind === 'abstract' ? ECONNREFUSED : EPROTOTYPE);
  return target;
}

async function connect(k: Kernel, t: Task, fd: number, addr: number, len: number): Promise<number> {
  const f = sockFile(t, fd);
  const s = f.sock;
  if (!s.connOriented && len >= 2 && (t.as.read(addr, 2)[0] | 0) === NET.AF_UNSPEC) {
    // connect(AF_UNSPEC) dissolves a datagram socket's association.
    s.peer = null;
    s.state = 'unconnected';
    return 0;
  }
  const a = readAddress(t, addr, len);
  if (a === null) throw new SyscallError(EINVAL);
  if (!s.connOriented) {
    const target = await lookupBound(k, t, a, s.type);
    s.peer = target;
    s.state = 'connected';
    s.peerCred = target.cred;
    return 0;
  }
  if (s.state === 'connected') throw new SyscallError(EISCONN);
  if (s.state === 'listening') throw new SyscallError(EINVAL);
  for (;;) {
    const listener = await lookupBound(k, t, a, s.type);
    if (listener.state !== 'listening') throw new SyscallError(ECONNREFUSED);
    if (listener.backlog.length > listener.backlogMax) {
      if (f.nonblocking) throw new SyscallError(11 /* EAGAIN */);
      await interruptible(t, listener.changed());
      continue;
    }
    const srv = new UnixSocket(listener.registry, s.type, listener.cred);
    srv.address = listener.address;
    srv.embryo = true;
    pair(s, srv);
    s.peerCred = listener.cred;
    srv.peerCred = credOf(t);
    listener.backlog.push(srv);
    listener.wake();
    return 0;
  }
}

function listen(t: Task, fd: number, backlog: number): number {
  const s = sockFile(t, fd).sock;
  if (!s.connOriented) throw new SyscallError(EOPNOTSUPP);
  if (s.address === null || s.state === 'connected') throw new SyscallError(EINVAL);
  s.backlogMax = Math.min(Math.max(backlog, 0), NET.SOMAXCONN);
  s.state = 'listening';
  s.cred = credOf(t);
  s.wake();
  return 0;
}

async function accept(t: Task, fd: number, addr: number, lenp: number, flags: number): Promise<number> {
  if (flags & ~(NET.SOCK_NONBLOCK | NET.SOCK_CLOEXEC)) throw new SyscallError(EINVAL);
  const f = sockFile(t, fd);
  const s = f.sock;
  if (!s.connOriented) throw new SyscallError(EOPNOTSUPP);
  if (s.state !== 'listening') throw new SyscallError(EINVAL);
  while (s.backlog.length === 0) {
    if (f.nonblocking) throw new SyscallError(11 /* EAGAIN */);
    await interruptible(t, s.changed());
  }
  const c = s.backlog.shift()!;
  c.embryo = false;
  s.wake();
  const nfd = t.allocFd(new SocketFile(c, flags & NET.SOCK_NONBLOCK ? S.O_NONBLOCK : 0), (flags & NET.SOCK_CLOEXEC) !== 0);
  writeAddress(t, addr, lenp, c.peer?.address ?? null);
  return nfd;
}

function getname(t: Task, fd: number, addr: number, lenp: number, peer: boolean): number {
  const s = sockFile(t, fd).sock;
  if (peer) {
    if (s.peer === null || (s.connOriented && s.state !== 'connected')) throw new SyscallError(ENOTCONN);
    writeAddress(t, addr, lenp, s.peer.address);
  } else writeAddress(t, addr, lenp, s.address);
  return 0;
}

function shutdown(t: Task, fd: number, how: number): number {
  const s = sockFile(t, fd).sock;
  if (how < 0 || how > 2) throw new SyscallError(EINVAL);
  if (s.connOriented && s.state !== 'connected') throw new SyscallError(ENOTCONN);
  const mode = how + 1;
  s.shutdown |= mode;
  const p = s.peer;
  if (p !== null && s.connOriented) {
    if (mode & SEND_SHUTDOWN) p.shutdown |= RCV_SHUTDOWN;
    if (mode & RCV_SHUTDOWN) p.shutdown |= SEND_SHUTDOWN;
    p.wake();
  }
  s.wake();
  return 0;
}

function readIovecs(t: Task, iov: number, n: number): [number, number][] {
  if (n < 0 || n > 1024) throw new SyscallError(EINVAL);
  const out: [number, number][] = [];
  for (let i = 0; i < n; i++) out.push([t.as.read32(iov + i * 8), t.as.read32(iov + i * 8 + 4) >>> 0]);
  return out;
}

function gather(t: Task, vecs: [number, number][]): Uint8Array {
  const total = vecs.reduce((a, [, l]) => a + l, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const [base, l] of vecs) {
    if (l === 0) continue;
    out.set(t.as.read(base, l), o);
    o += l;
  }
  return out;
}

function scatter(t: Task, vecs: [number, number][], data: Uint8Array): void {
  let o = 0;
  for (const [base, l] of vecs) {
    if (o >= data.length) break;
    const n = Math.min(l, data.length - o);
    if (n > 0) t.as.write(base, data.subarray(o, o + n));
    o += n;
  }
}

const cmsgAlign = (n: number): number => (n + 3) & ~3;

/** Files named by SCM_RIGHTS control messages (credentials messages are accepted and ignored). */
function readControl(t: Task, ctl: number, len: number): OpenFile[] {
  const fds: OpenFile[] = [];
  if (ctl === 0 || len === 0) return fds;
  if (len > 65536) throw new SyscallError(EINVAL);
  const b = t.as.read(ctl, len);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let o = 0;
  while (o + NET.CMSGHDR_SIZE <= len) {
    const clen = dv.getUint32(o + NET.CMSG_LEN_FIELD, true);
    const level = dv.getInt32(o + NET.CMSG_LEVEL, true);
    const type = dv.getInt32(o + NET.CMSG_TYPE, true);
    if (clen < NET.CMSGHDR_SIZE || o + clen > len) throw new SyscallError(EINVAL);
    if (level !== NET.SOL_SOCKET) throw new SyscallError(EINVAL);
    if (type === NET.SCM_RIGHTS) {
      const n = (clen - NET.CMSGHDR_SIZE) >> 2;
      if (n > 253) throw new SyscallError(EINVAL);
      for (let i = 0; i < n; i++) {
        const fd = dv.getInt32(o + NET.CMSGHDR_SIZE + i * 4, true);
        const e = t.getFd(fd);
        if (e === null) throw new SyscallError(EBADF);
        fds.push(e.file);
      }
    } else if (type !== NET.SCM_CREDENTIALS) throw new SyscallError(EINVAL);
    o += cmsgAlign(clen);
  }
  return fds;
}

async function sendCommon(
  k: Kernel, t: Task, fd: number, data: Uint8Array, flags: number, addr: number, addrLen: number, fds: OpenFile[],
): Promise<number> {
  const f = sockFile(t, fd);
  const s = f.sock;
  let to: UnixSocket | null = null;
  if (addr !== 0 && addrLen !== 0) {
    const a = readAddress(t, addr, addrLen);
    if (s.connOriented) {
      if (s.state === 'connected') throw new SyscallError(EISCONN);
      throw new SyscallError(EOPNOTSUPP);
    }
    if (a === null) throw new SyscallError(EINVAL);
    to = await lookupBound(k, t, a, s.type);
  }
  const nonblock = f.nonblocking || (flags & NET.MSG_DONTWAIT) !== 0;
  const sigpipe = flags & NET.MSG_NOSIGNAL ? () => {} : () => void sendSignal(k, t, S.SIGPIPE);
  return sendTo(s, to, data, fds, nonblock, sigpipe, waitFor(t));
}

function sendto(k: Kernel, t: Task, fd: number, buf: number, len: number, flags: number, addr: number, addrLen: number): Promise<number> {
  return sendCommon(k, t, fd, t.as.read(buf, len >>> 0), flags, addr, addrLen, []);
}

async function sendmsg(k: Kernel, t: Task, fd: number, msg: number, flags: number): Promise<number> {
  sockFile(t, fd);
  const m = t.as.read(msg, NET.MSGHDR_SIZE);
  const dv = new DataView(m.buffer, m.byteOffset, m.byteLength);
  const name = dv.getUint32(NET.MSG_NAME, true);
  const namelen = dv.getUint32(NET.MSG_NAMELEN, true);
  const vecs = readIovecs(t, dv.getUint32(NET.MSG_IOV, true), dv.getUint32(NET.MSG_IOVLEN, true));
  const fds = readControl(t, dv.getUint32(NET.MSG_CONTROL, true), dv.getUint32(NET.MSG_CONTROLLEN, true));
  return sendCommon(k, t, fd, gather(t, vecs), flags, name, namelen, fds);
}

async function recvfrom(t: Task, fd: number, buf: number, len: number, flags: number, addr: number, lenp: number): Promise<number> {
  const f = sockFile(t, fd);
  const r = await recvFrom(f.sock, len >>> 0, flags, f.nonblocking, waitFor(t));
  for (const x of r.fds) dropRef(x);
  t.as.write(buf, r.data);
  if (addr !== 0) writeAddress(t, addr, lenp, r.from, true);
  return flags & NET.MSG_TRUNC && !f.sock.isStream ? r.fullLength : r.data.length;
}

async function recvmsg(t: Task, fd: number, msg: number, flags: number): Promise<number> {
  const f = sockFile(t, fd);
  const m = t.as.read(msg, NET.MSGHDR_SIZE);
  const dv = new DataView(m.buffer, m.byteOffset, m.byteLength);
  const vecs = readIovecs(t, dv.getUint32(NET.MSG_IOV, true), dv.getUint32(NET.MSG_IOVLEN, true));
  const want = vecs.reduce((a, [, l]) => a + l, 0);
  const r = await recvFrom(f.sock, want, flags, f.nonblocking, waitFor(t));
  scatter(t, vecs, r.data);
  // msg_flags starts as the caller's MSG_CMSG_CLOEXEC (____sys_recvmsg).
  let outFlags = flags & NET.MSG_CMSG_CLOEXEC;
  if (r.fullLength > r.data.length) outFlags |= NET.MSG_TRUNC;
  const name = dv.getUint32(NET.MSG_NAME, true);
  if (name !== 0) {
    const a = r.from === null ? new Uint8Array(0) : encodeAddress(r.from);
    const max = dv.getUint32(NET.MSG_NAMELEN, true);
    t.as.write(name, a.subarray(0, Math.min(max, a.length)));
    t.as.write32(msg + NET.MSG_NAMELEN, a.length);
  }
  // Control messages: credentials first, then the files (scm_recv in net/core/scm.c).
  const ctl = dv.getUint32(NET.MSG_CONTROL, true);
  const ctlLen = ctl === 0 ? 0 : dv.getUint32(NET.MSG_CONTROLLEN, true);
  let used = 0;
  const put = (type: number, body: Uint8Array): boolean => {
    const clen = NET.CMSGHDR_SIZE + body.length;
    if (used + clen > ctlLen) return false;
    const b = new Uint8Array(clen);
    const bv = new DataView(b.buffer);
    bv.setUint32(NET.CMSG_LEN_FIELD, clen, true);
    bv.setInt32(NET.CMSG_LEVEL, NET.SOL_SOCKET, true);
    bv.setInt32(NET.CMSG_TYPE, type, true);
    b.set(body, NET.CMSGHDR_SIZE);
    t.as.write(ctl + used, b);
    used = Math.min(ctlLen, used + cmsgAlign(clen));
    return true;
  };
  if (f.sock.passcred) {
    const c = r.cred ?? { pid: 0, uid: 65534, gid: 65534 };
    const body = new Uint8Array(NET.UCRED_SIZE);
    const bv = new DataView(body.buffer);
    bv.setInt32(NET.UCRED_PID, c.pid, true);
    bv.setUint32(NET.UCRED_UID, c.uid, true);
    bv.setUint32(NET.UCRED_GID, c.gid, true);
    if (!put(NET.SCM_CREDENTIALS, body)) outFlags |= NET.MSG_CTRUNC;
  }
  if (r.fds.length > 0) {
    const room = Math.max(0, Math.floor((ctlLen - used - NET.CMSGHDR_SIZE) / 4));
    const n = Math.min(room, r.fds.length);
    if (n < r.fds.length) outFlags |= NET.MSG_CTRUNC;
    const body = new Uint8Array(n * 4);
    const bv = new DataView(body.buffer);
    const cloexec = (flags & NET.MSG_CMSG_CLOEXEC) !== 0;
    for (let i = 0; i < n; i++) bv.setInt32(i * 4, t.allocFd(r.fds[i], cloexec), true);
    if (n > 0) put(NET.SCM_RIGHTS, body);
    for (const x of r.fds) dropRef(x);
  }
  t.as.write32(msg + NET.MSG_CONTROLLEN, used);
  t.as.write32(msg + NET.MSG_FLAGS_FIELD, outFlags);
  return flags & NET.MSG_TRUNC && !f.sock.isStream ? r.fullLength : r.data.length;
}

/** MSG_WAITFORONE (linux/socket.h): after the first message, recvmmsg stops waiting. */
const MSG_WAITFORONE = 0x10000;

/** sendmmsg(2)/recvmmsg(2): sendmsg/recvmsg over an array of struct mmsghdr, storing each msg_len. */
async function mmsg(k: Kernel, t: Task, fd: number, vec: number, vlen: number, flags: number, recv: boolean): Promise<number> {
  sockFile(t, fd);
  const n = Math.min(vlen >>> 0, 1024);
  let done = 0;
  for (; done < n; done++) {
    const hdr = vec + done * NET.MMSGHDR_SIZE;
    const f = recv && done > 0 && flags & MSG_WAITFORONE ? flags | NET.MSG_DONTWAIT : flags & ~MSG_WAITFORONE;
    let len: number;
    try {
      len = recv ? await recvmsg(t, fd, hdr, f) : await sendmsg(k, t, fd, hdr, f);
    } catch (e) {
      if (done > 0) break; // what was transferred is reported; the error comes with the next call
      throw e;
    }
    t.as.write32(hdr + NET.MSGHDR_SIZE, len);
  }
  return done;
}

function writeOpt(t: Task, val: number, lenp: number, body: Uint8Array): number {
  const max = t.as.read32(lenp);
  if (max < 0) throw new SyscallError(EINVAL);
  const n = Math.min(max, body.length);
  t.as.write(val, body.subarray(0, n));
  t.as.write32(lenp, n);
  return 0;
}

function getsockopt(t: Task, fd: number, level: number, name: number, val: number, lenp: number): number {
  const s = sockFile(t, fd).sock;
  if (level !== NET.SOL_SOCKET) throw new SyscallError(EOPNOTSUPP);
  const int = (v: number): number => {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setInt32(0, v, true);
    return writeOpt(t, val, lenp, b);
  };
  switch (name) {
    case NET.SO_TYPE: return int(s.type);
    case NET.SO_DOMAIN: return int(NET.AF_UNIX);
    case NET.SO_PROTOCOL: return int(0);
    case NET.SO_ERROR: {
      const e = s.error;
      s.error = 0;
      return int(e);
    }
    case NET.SO_SNDBUF: return int(s.sndbuf);
    case NET.SO_RCVBUF: return int(s.rcvbuf);
    case NET.SO_REUSEADDR: return int(s.reuseaddr ? 1 : 0);
    case NET.SO_PASSCRED: return int(s.passcred ? 1 : 0);
    case NET.SO_ACCEPTCONN: return int(s.state === 'listening' ? 1 : 0);
    case NET.SO_KEEPALIVE: case NET.SO_BROADCAST: case NET.SO_DEBUG: case NET.SO_DONTROUTE: case NET.SO_OOBINLINE: case NET.SO_REUSEPORT:
      return int(0);
    case NET.SO_RCVLOWAT: case NET.SO_SNDLOWAT: return int(1);
    case NET.SO_PEERCRED: {
      // An unconnected socket reports pid 0 and the overflow ids (sock_getsockopt with no peer).
      const c = s.peerCred ?? { pid: 0, uid: 65534, gid: 65534 };
      const b = new Uint8Array(NET.UCRED_SIZE);
      const bv = new DataView(b.buffer);
      bv.setInt32(NET.UCRED_PID, c.pid, true);
      bv.setUint32(NET.UCRED_UID, c.uid, true);
      bv.setUint32(NET.UCRED_GID, c.gid, true);
      return writeOpt(t, val, lenp, b);
    }
    case NET.SO_LINGER: return writeOpt(t, val, lenp, new Uint8Array(8));
    case NET.SO_RCVTIMEO_OLD: case NET.SO_SNDTIMEO_OLD: case NET.SO_RCVTIMEO_NEW: case NET.SO_SNDTIMEO_NEW: {
      const ms = name === NET.SO_RCVTIMEO_OLD || name === NET.SO_RCVTIMEO_NEW ? s.rcvTimeoMs : s.sndTimeoMs;
      const wide = name === NET.SO_RCVTIMEO_NEW || name === NET.SO_SNDTIMEO_NEW;
      const b = new Uint8Array(wide ? 16 : 8);
      const bv = new DataView(b.buffer);
      if (wide) {
        bv.setBigInt64(0, BigInt(Math.floor(ms / 1000)), true);
        bv.setBigInt64(8, BigInt((ms % 1000) * 1000), true);
      } else {
        bv.setInt32(0, Math.floor(ms / 1000), true);
        bv.setInt32(4, (ms % 1000) * 1000, true);
      }
      return writeOpt(t, val, lenp, b);
    }
  }
  throw new SyscallError(ENOPROTOOPT);
}

/** setsockopt: buffer sizes are doubled and clamped as sock_setsockopt does; flags are recorded. */
function setsockopt(t: Task, fd: number, level: number, name: number, val: number, len: number): number {
  const s = sockFile(t, fd).sock;
  if (level !== NET.SOL_SOCKET) throw new SyscallError(EOPNOTSUPP);
  if (len < 4 && name !== NET.SO_LINGER) throw new SyscallError(EINVAL);
  const v = val === 0 ? 0 : t.as.read32(val);
  switch (name) {
    case NET.SO_SNDBUF: case NET.SO_SNDBUFFORCE:
      s.sndbuf = Math.max(Math.min(v >>> 0, 212992) * 2, 4608);
      s.wake();
      return 0;
    case NET.SO_RCVBUF: case NET.SO_RCVBUFFORCE:
      s.rcvbuf = Math.max(Math.min(v >>> 0, 212992) * 2, 2304);
      return 0;
    case NET.SO_REUSEADDR: s.reuseaddr = v !== 0; return 0;
    case NET.SO_PASSCRED: s.passcred = v !== 0; return 0;
    case NET.SO_RCVTIMEO_OLD: case NET.SO_SNDTIMEO_OLD: case NET.SO_RCVTIMEO_NEW: case NET.SO_SNDTIMEO_NEW: {
      // struct timeval (32-bit fields for the _OLD names, 64-bit for _NEW); usec outside [0, 1e6) is EDOM (sock_set_timeout).
      const wide = name === NET.SO_RCVTIMEO_NEW || name === NET.SO_SNDTIMEO_NEW;
      if (len < (wide ? 16 : 8)) throw new SyscallError(EINVAL);
      const b = t.as.read(val, wide ? 16 : 8);
      const bv = new DataView(b.buffer, b.byteOffset, b.byteLength);
      const sec = wide ? Number(bv.getBigInt64(0, true)) : bv.getInt32(0, true);
      const usec = wide ? Number(bv.getBigInt64(8, true)) : bv.getInt32(4, true);
      if (usec < 0 || usec >= 1000000) throw new SyscallError(33 /* EDOM */);
      // A negative time means no timeout; a non-zero one under a tick still waits a little.
      const ms = sec < 0 ? 0 : sec * 1000 + Math.ceil(usec / 1000);
      if (name === NET.SO_RCVTIMEO_OLD || name === NET.SO_RCVTIMEO_NEW) s.rcvTimeoMs = ms;
      else s.sndTimeoMs = ms;
      return 0;
    }
    case NET.SO_KEEPALIVE: case NET.SO_BROADCAST: case NET.SO_DEBUG: case NET.SO_DONTROUTE: case NET.SO_OOBINLINE:
    case NET.SO_REUSEPORT: case NET.SO_LINGER: case NET.SO_RCVLOWAT: case NET.SO_SNDLOWAT:
      return 0;
  }
  throw new SyscallError(ENOPROTOOPT);
}

/** socketcall(call, args): i386's multiplexer; argument counts from net/socket.c's nargs[]. */
const NARGS = [0, 3, 3, 3, 2, 3, 3, 3, 4, 4, 4, 6, 6, 2, 5, 5, 3, 3, 4, 5, 4];
function socketcall(k: Kernel, t: Task, call: number, args: number): number | Promise<number> {
  if (call < 1 || call > NET.SYS_SENDMMSG) throw new SyscallError(EINVAL);
  const a: number[] = [];
  for (let i = 0; i < NARGS[call]; i++) a.push(t.as.read32(args + i * 4));
  switch (call) {
    case NET.SYS_SOCKET: return socket(k, t, a[0], a[1], a[2]);
    case NET.SYS_BIND: return bind(k, t, a[0], a[1], a[2]);
    case NET.SYS_CONNECT: return connect(k, t, a[0], a[1], a[2]);
    case NET.SYS_LISTEN: return listen(t, a[0], a[1]);
    case NET.SYS_ACCEPT: return accept(t, a[0], a[1], a[2], 0);
    case NET.SYS_ACCEPT4: return accept(t, a[0], a[1], a[2], a[3]);
    case NET.SYS_GETSOCKNAME: return getname(t, a[0], a[1], a[2], false);
    case NET.SYS_GETPEERNAME: return getname(t, a[0], a[1], a[2], true);
    case NET.SYS_SOCKETPAIR: return socketpair(k, t, a[0], a[1], a[2], a[3]);
    case NET.SYS_SEND: return sendto(k, t, a[0], a[1], a[2], a[3], 0, 0);
    case NET.SYS_RECV: return recvfrom(t, a[0], a[1], a[2], a[3], 0, 0);
    case NET.SYS_SENDTO: return sendto(k, t, a[0], a[1], a[2], a[3], a[4], a[5]);
    case NET.SYS_RECVFROM: return recvfrom(t, a[0], a[1], a[2], a[3], a[4], a[5]);
    case NET.SYS_SHUTDOWN: return shutdown(t, a[0], a[1]);
    case NET.SYS_SETSOCKOPT: return setsockopt(t, a[0], a[1], a[2], a[3], a[4]);
    case NET.SYS_GETSOCKOPT: return getsockopt(t, a[0], a[1], a[2], a[3], a[4]);
    case NET.SYS_SENDMSG: return sendmsg(k, t, a[0], a[1], a[2]);
    case NET.SYS_RECVMSG: return recvmsg(t, a[0], a[1], a[2]);
    case NET.SYS_RECVMMSG: return mmsg(k, t, a[0], a[1], a[2], a[3], true);
    case NET.SYS_SENDMMSG: return mmsg(k, t, a[0], a[1], a[2], a[3], false);
  }
  throw new SyscallError(EINVAL);
}

export const socketSyscalls: SyscallTable = {
  [N.NR_socketcall]: (k, t, call, args) => socketcall(k, t, call, args),
  [N.NR_socket]: (k, t, d, ty, p) => socket(k, t, d, ty, p),
  [N.NR_socketpair]: (k, t, d, ty, p, sv) => socketpair(k, t, d, ty, p, sv),
  [N.NR_bind]: (k, t, fd, a, l) => bind(k, t, fd, a, l),
  [N.NR_connect]: (k, t, fd, a, l) => connect(k, t, fd, a, l),
  [N.NR_listen]: (_k, t, fd, b) => listen(t, fd, b),
  [N.NR_accept4]: (_k, t, fd, a, l, fl) => accept(t, fd, a, l, fl),
  [N.NR_getsockname]: (_k, t, fd, a, l) => getname(t, fd, a, l, false),
  [N.NR_getpeername]: (_k, t, fd, a, l) => getname(t, fd, a, l, true),
  [N.NR_sendto]: (k, t, fd, b, l, fl, a, al) => sendto(k, t, fd, b, l, fl, a, al),
  [N.NR_recvfrom]: (_k, t, fd, b, l, fl, a, al) => recvfrom(t, fd, b, l, fl, a, al),
  [N.NR_sendmsg]: (k, t, fd, m, fl) => sendmsg(k, t, fd, m, fl),
  [N.NR_recvmsg]: (_k, t, fd, m, fl) => recvmsg(t, fd, m, fl),
  [N.NR_shutdown]: (_k, t, fd, how) => shutdown(t, fd, how),
  [N.NR_getsockopt]: (_k, t, fd, l, n, v, lp) => getsockopt(t, fd, l, n, v, lp),
  [N.NR_setsockopt]: (_k, t, fd, l, n, v, len) => setsockopt(t, fd, l, n, v, len),
  [N.NR_sendmmsg]: (k, t, fd, vec, vlen, flags) => mmsg(k, t, fd, vec, vlen, flags, false),
  [N.NR_recvmmsg]: (k, t, fd, vec, vlen, flags) => mmsg(k, t, fd, vec, vlen, flags, true),
  [N.NR_recvmmsg_time64]: (k, t, fd, vec, vlen, flags) => mmsg(k, t, fd, vec, vlen, flags, true),
};
