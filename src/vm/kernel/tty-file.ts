import { EAGAIN, EINTR, EINVAL, EIO, ENOTTY, ENXIO, EPERM, ESPIPE, ESRCH } from './abi/errno.js';
import * as S from './abi/structs.js';
import * as T from './abi/tty.js';
import { S_IFCHR, type Stat } from '../fs/types.js';
import { DEVFS_DEV, devIno, ptsIno, ptsRdev } from '../fs/devfs.js';
import { SyscallError } from './errors.js';
import { OpenFile, POLLHUP, POLLIN, POLLOUT } from './files.js';
import { isOrphanedPgrp, signalGroup } from './job-control.js';
import type { Kernel } from './kernel.js';
import { interruptible, isBlocked, postSignal } from './signals.js';
import { TASK_ZOMBIE, type Task } from './task.js';
import { baudOf, Tty, type Termios, type TtyHooks } from './tty.js';

/**
 * Open terminals: the console tty and pseudo-terminals (devpts: /dev/ptmx
 * opens a master, /dev/pts/N its slave), with the job-control checks of
 * Linux drivers/tty/tty_jobctrl.c (SIGTTIN for background reads, SIGTTOU
 * for background writes with TOSTOP and for background termios changes)
 * and the terminal ioctls (tty_ioctl(4)).
 */

/** A pseudo-terminal pair (pty(7)): the slave is a Tty; what it outputs queues for the master. */
export class Pty {
  locked = true;
  slaveOpens = 0;
  private everOpened = false;
  masterOpen = true;
  private out: Uint8Array[] = [];
  private waiters: (() => void)[] = [];
  readonly slave: Tty;
  readonly createdSec: number;

  constructor(readonly index: number, hooks: TtyHooks, readonly uid: number, nowSec: number) {
    // A new pty has no window size until someone sets one (0x0, as on Linux).
    this.slave = new Tty(`pts/${index}`, hooks, (d) => {
      this.out.push(d);
      this.wake();
    }, 0, 0);
    this.createdSec = nowSec;
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  changed(): Promise<void> {
    return new Promise((r) => this.waiters.push(r));
  }

  /** Every slave descriptor closed after one was opened: the master reads EIO (pty(7)). */
  get slaveGone(): boolean {
    return this.everOpened && this.slaveOpens === 0;
  }

  openSlave(): void {
    this.slaveOpens++;
    this.everOpened = true;
  }

  closeSlave(): void {
    this.slaveOpens--;
    this.wake();
  }

  get pending(): number {
    return this.out.reduce((a, b) => a + b.length, 0);
  }

  takeOutput(len: number): Uint8Array | null {
    if (this.out.length === 0) return null;
    const first = this.out[0];
    if (first.length <= len) {
      this.out.shift();
      // Join small chunks so one read returns what a reader expects (a whole echo, say).
      const parts = [first];
      let n = first.length;
      while (this.out.length > 0 && n + this.out[0].length <= len) {
        n += this.out[0].length;
        parts.push(this.out.shift()!);
      }
      if (parts.length === 1) return first;
      const all = new Uint8Array(n);
      let o = 0;
      for (const p of parts) {
        all.set(p, o);
        o += p.length;
      }
      return all;
    }
    this.out[0] = first.subarray(len);
    return first.subarray(0, len);
  }

  flushOutput(): void {
    this.out = [];
  }
}

/** The kernel's pseudo-terminals by index (the /dev/pts directory). */
export class PtyTable {
  private readonly ptys = new Map<number, Pty>();
  get(n: number): Pty | undefined {
    return this.ptys.get(n);
  }
  indices(): number[] {
    return [...this.ptys.keys()].sort((a, b) => a - b);
  }
  create(hooks: TtyHooks, uid: number, nowSec: number): Pty {
    let n = 0;
    while (this.ptys.has(n)) n++;
    const p = new Pty(n, hooks, uid, nowSec);
    this.ptys.set(n, p);
    return p;
  }
  remove(p: Pty): void {
    if (this.ptys.get(p.index) === p) this.ptys.delete(p.index);
  }
}

/** Stat of a terminal as its /dev node reports it (devfs.ts numbering), so ttyname(3) can match the two. */
function ttyStat(ino: number, rdev: number, uid: number, gid: number, mode: number, sec: number): Stat {
  return {
    dev: DEVFS_DEV, ino, mode: S_IFCHR | mode, nlink: 1, uid, gid, rdev, size: 0, blksize: 1024, blocks: 0,
    atimeSec: sec, atimeNsec: 0, mtimeSec: sec, mtimeNsec: 0, ctimeSec: sec, ctimeNsec: 0,
  };
}

function ignoredOrBlocked(t: Task, sig: number): boolean {
  return t.sigactions.get(sig)?.handler === 1 || isBlocked(t, sig);
}

/**
 * tty_check_change / __tty_check_change: may `t` act on its controlling
 * terminal `tty` as if in the foreground? A background process gets
 * `sig` sent to its group (the caller then waits for the stop to end or
 * returns EINTR for a handler) unless it ignores or blocks `sig`; an
 * orphaned group gets EIO. Returns whether a signal was sent.
 */
function backgroundCheck(k: Kernel, t: Task, tty: Tty, sig: number, ignoredMeansAllow: boolean): boolean {
  if (t.ctty !== tty || tty.pgrp <= 0 || t.pgid === tty.pgrp) return false;
  if (ignoredOrBlocked(t, sig)) {
    if (ignoredMeansAllow) return false;
    throw new SyscallError(EIO);
  }
  if (isOrphanedPgrp(k, t.pgid)) throw new SyscallError(EIO);
  signalGroup(k, t.pgid, sig);
  return true;
}

/**
 * After a job-control signal to the caller's group: EINTR, which the kernel
 * turns into a restart of the call once the stop ends (or after a handler
 * with SA_RESTART), like Linux's -ERESTARTSYS.
 */
function afterJobSignal(): never {
  throw new SyscallError(EINTR);
}

/** Run `f` once `t` may change `tty`'s settings (SIGTTOU for a background process). */
async function asForeground(k: Kernel, t: Task, tty: Tty, f: () => number): Promise<number> {
  while (backgroundCheck(k, t, tty, S.SIGTTOU, true)) afterJobSignal();
  return f();
}

/** An open terminal: the console or a pty slave. */
export class TtyFile extends OpenFile {
  constructor(
    readonly k: Kernel,
    readonly tty: Tty,
    flags: number,
    path: string,
    readonly pty: Pty | null,
  ) {
    super(flags, path);
    pty?.openSlave();
  }
  override isTerminal(): boolean {
    return true;
  }
  stat(): Stat {
    if (this.pty) return ttyStat(ptsIno(this.pty.index), ptsRdev(this.pty.index), this.pty.uid, 5, 0o620, this.pty.createdSec);
    return ttyStat(devIno('console'), (5 << 8) | 1, 0, 5, 0o600, 0);
  }
  override release(): void {
    this.pty?.closeSlave();
  }
  override seek(): number {
    throw new SyscallError(ESPIPE);
  }
  override pollState(): number {
    return (this.tty.readable() ? POLLIN : 0) | POLLOUT | (this.tty.hungUp ? POLLHUP : 0);
  }
  override pollChange(): Promise<void> {
    return this.tty.changed();
  }

  read(len: number): Promise<Uint8Array> {
    return this.readAs(this.k.current!, len);
  }

  private async readAs(t: Task, len: number): Promise<Uint8Array> {
    const tty = this.tty;
    // A background process reading its terminal: SIGTTIN (ignored or blocked: EIO).
    while (backgroundCheck(this.k, t, tty, S.SIGTTIN, false)) afterJobSignal();
    const nonblock = (this.flags & S.O_NONBLOCK) !== 0;
    if (tty.canonical) {
      for (;;) {
        const got = tty.take(len);
        if (got !== null) return got;
        if (nonblock) throw new SyscallError(EAGAIN);
        await interruptible(t, tty.changed());
      }
    }
    // Non-canonical: VMIN bytes, with VTIME as an overall (VMIN 0) or inter-byte timer (termios(3)).
    const vmin = tty.termios.cc[T.VMIN];
    const vtime = tty.termios.cc[T.VTIME] * 100;
    const min = Math.min(Math.max(vmin, 0), len);
    if (vmin === 0 && vtime === 0) return tty.take(len) ?? new Uint8Array(0);
    let got = tty.take(len, Math.max(min, 1));
    if (got !== null && (min <= 1 || got.length >= min)) return got;
    if (nonblock) throw new SyscallError(EAGAIN);
    for (;;) {
      const before = tty.available;
      const wantTimer = vtime > 0 && (vmin === 0 || before > 0);
      let timedOut = false;
      let cancel: (() => void) | null = null;
      const wait = tty.changed();
      const timer = wantTimer ? new Promise<void>((r) => (cancel = tty.timer(() => ((timedOut = true), r()), vtime))) : null;
      try {
        await interruptible(t, timer ? Promise.race([wait, timer]) : wait);
      } finally {
        (cancel as (() => void) | null)?.();
      }
      if (timedOut) return tty.take(len) ?? new Uint8Array(0);
      got = tty.take(len, Math.max(min, 1));
      if (got !== null) return got;
      if (tty.hungUp) return new Uint8Array(0);
    }
  }

  write(data: Uint8Array): number | Promise<number> {
    const t = this.k.current!;
    const tty = this.tty;
    if (tty.hungUp) throw new SyscallError(EIO);
    if (!(tty.termios.lflag & T.TOSTOP) && !tty.outputStopped) {
      tty.write(data);
      return data.length;
    }
    return (async () => {
      // With TOSTOP a background write raises SIGTTOU (ignored or blocked: the write goes ahead).
      if (tty.termios.lflag & T.TOSTOP) while (backgroundCheck(this.k, t, tty, S.SIGTTOU, true)) afterJobSignal();
      // Output stopped by ^S: the writer waits for ^Q (or EAGAIN when non-blocking).
      while (tty.outputStopped) {
        if (this.flags & S.O_NONBLOCK) throw new SyscallError(EAGAIN);
        await interruptible(t, tty.changed());
      }
      if (tty.hungUp) throw new SyscallError(EIO);
      tty.write(data);
      return data.length;
    })();
  }
}

/** The master side of a pty (/dev/ptmx): reads what the slave outputs, writes what it receives. */
export class PtyMasterFile extends OpenFile {
  constructor(readonly k: Kernel, readonly pty: Pty, flags: number) {
    super(flags, '/dev/ptmx');
  }
  override isTerminal(): boolean {
    return true;
  }
  stat(): Stat {
    return ttyStat(devIno('ptmx'), (5 << 8) | 2, 0, 5, 0o666, this.pty.createdSec);
  }
  override seek(): number {
    throw new SyscallError(ESPIPE);
  }
  override pollState(): number {
    return (this.pty.pending > 0 ? POLLIN : 0) | POLLOUT | (this.pty.slaveGone ? POLLHUP : 0);
  }
  override pollChange(): Promise<void> {
    return this.pty.changed();
  }
  async read(len: number): Promise<Uint8Array> {
    const t = this.k.current!;
    for (;;) {
      const got = this.pty.takeOutput(len);
      if (got !== null) return got;
      if (this.pty.slaveGone) throw new SyscallError(EIO);
      if (this.flags & S.O_NONBLOCK) throw new SyscallError(EAGAIN);
      await interruptible(t, this.pty.changed());
    }
  }
  write(data: Uint8Array): number {
    this.pty.slave.input(data);
    return data.length;
  }
  override release(): void {
    // The master closing hangs up the slave: its session leader and foreground group get SIGHUP.
    this.pty.masterOpen = false;
    const tty = this.pty.slave;
    tty.hangup();
    const leader = tty.session > 0 ? this.k.tasks.get(tty.session) : undefined;
    if (leader && leader.state !== TASK_ZOMBIE) postSignal(this.k, leader, S.SIGHUP, { code: S.SI_KERNEL });
    if (tty.pgrp > 0) {
      signalGroup(this.k, tty.pgrp, S.SIGHUP);
      signalGroup(this.k, tty.pgrp, S.SIGCONT);
    }
    this.k.ptys.remove(this.pty);
  }
}

/** The tty an ioctl acts on: the terminal itself, or a master's slave. */
function ttyOf(f: OpenFile): Tty | null {
  if (f instanceof TtyFile) return f.tty;
  if (f instanceof PtyMasterFile) return f.pty.slave;
  return null;
}

/**
 * Open a terminal device node: /dev/tty (the caller's controlling terminal),
 * /dev/console, /dev/ptmx (a new pty master) or /dev/pts/N. Null for other
 * devices. Opening a terminal without O_NOCTTY makes it the controlling
 * terminal of a session leader that has none (tty_open_proc_set_tty).
 */
export function openTerminalDevice(k: Kernel, t: Task, name: string, flags: number): OpenFile | null {
  const keep = flags & ~(S.O_CREAT | S.O_EXCL | S.O_NOCTTY | S.O_TRUNC);
  let file: TtyFile;
  if (name === 'tty') {
    if (t.ctty !== null) {
      const pty = ptyOfTty(k, t.ctty);
      return new TtyFile(k, t.ctty, keep, pty ? `/dev/pts/${pty.index}` : '/dev/console', pty);
    }
    if (k.consoleTty !== null) throw new SyscallError(ENXIO);
    return null;
  } else if (name === 'console') {
    if (k.consoleTty === null) return null;
    file = new TtyFile(k, k.consoleTty, keep, '/dev/console', null);
  } else if (name === 'ptmx' || name === 'pts/ptmx') {
    const pty = k.ptys.create(k.ttyHooks, t.uid, Math.floor(k.now() / 1000));
    return new PtyMasterFile(k, pty, keep);
  } else if (name.startsWith('pts/')) {
    const pty = k.ptys.get(Number(name.slice(4)));
    if (pty === undefined) throw new SyscallError(ENXIO);
    // unlockpt(3) must come first (TIOCSPTLCK 0).
    if (pty.locked || !pty.masterOpen) throw new SyscallError(EIO);
    file = new TtyFile(k, pty.slave, keep, `/dev/${name}`, pty);
  } else return null;
  if (!(flags & S.O_NOCTTY) && t.tgid === t.sid && t.ctty === null && file.tty.session === 0) acquire(t, file.tty);
  return file;
}

function ptyOfTty(k: Kernel, tty: Tty): Pty | null {
  if (tty === k.consoleTty) return null;
  const m = /^pts\/(\d+)$/.exec(tty.name);
  return m ? (k.ptys.get(Number(m[1])) ?? null) : null;
}

function acquire(t: Task, tty: Tty): void {
  t.ctty = tty;
  tty.session = t.sid;
  tty.pgrp = t.pgid;
}

function readTermios(t: Task, addr: number, two: boolean): Termios {
  const b = t.as.read(addr, two ? T.TERMIOS2_SIZE : S.TERMIOS_SIZE);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const cflag = dv.getUint32(S.TERMIOS_CFLAG, true);
  const speed = baudOf(cflag);
  return {
    iflag: dv.getUint32(S.TERMIOS_IFLAG, true),
    oflag: dv.getUint32(S.TERMIOS_OFLAG, true),
    cflag,
    lflag: dv.getUint32(S.TERMIOS_LFLAG, true),
    line: b[S.TERMIOS_LINE],
    cc: b.slice(S.TERMIOS_CC, S.TERMIOS_CC + T.NCCS),
    ispeed: two && (cflag & T.CBAUD) === T.BOTHER ? dv.getUint32(T.TERMIOS2_ISPEED, true) : speed,
    ospeed: two && (cflag & T.CBAUD) === T.BOTHER ? dv.getUint32(T.TERMIOS2_OSPEED, true) : speed,
  };
}

function writeTermios(t: Task, addr: number, tio: Termios, two: boolean): void {
  const b = new Uint8Array(two ? T.TERMIOS2_SIZE : S.TERMIOS_SIZE);
  const dv = new DataView(b.buffer);
  dv.setUint32(S.TERMIOS_IFLAG, tio.iflag, true);
  dv.setUint32(S.TERMIOS_OFLAG, tio.oflag, true);
  dv.setUint32(S.TERMIOS_CFLAG, tio.cflag, true);
  dv.setUint32(S.TERMIOS_LFLAG, tio.lflag, true);
  b[S.TERMIOS_LINE] = tio.line;
  b.set(tio.cc, S.TERMIOS_CC);
  if (two) {
    dv.setUint32(T.TERMIOS2_ISPEED, tio.ispeed, true);
    dv.setUint32(T.TERMIOS2_OSPEED, tio.ospeed, true);
  }
  t.as.write(addr, b);
}

/** Terminal ioctls on a TtyFile or PtyMasterFile (tty_ioctl(4), pty(7)). */
export function ttyIoctl(k: Kernel, t: Task, f: OpenFile, req: number, arg: number): number | Promise<number> {
  const tty = ttyOf(f);
  if (tty === null) throw new SyscallError(ENOTTY);
  const master = f instanceof PtyMasterFile ? f.pty : null;
  const isCtty = t.ctty === tty;
  // Settings changed from the master side skip job control (the master is no controlling terminal).
  const changeAs = (fn: () => number): number | Promise<number> => (master ? fn() : asForeground(k, t, tty, fn));
  switch (req | 0) {
    case S.TCGETS:
    case T.TCGETS2:
      writeTermios(t, arg, tty.termios, (req | 0) === T.TCGETS2);
      return 0;
    case S.TCSETS: case S.TCSETSW: case S.TCSETSF:
    case T.TCSETS2: case T.TCSETSW2: case T.TCSETSF2: {
      const r = req | 0;
      const n = readTermios(t, arg, r === T.TCSETS2 || r === T.TCSETSW2 || r === T.TCSETSF2);
      return changeAs(() => {
        if (r === S.TCSETSF || r === T.TCSETSF2) tty.flushInput();
        tty.setTermios(n);
        return 0;
      });
    }
    case S.TIOCGWINSZ: {
      const b = new Uint8Array(T.WINSIZE_SIZE);
      const dv = new DataView(b.buffer);
      dv.setUint16(0, tty.rows, true);
      dv.setUint16(2, tty.cols, true);
      dv.setUint16(4, tty.xpixel, true);
      dv.setUint16(6, tty.ypixel, true);
      t.as.write(arg, b);
      return 0;
    }
    case S.TIOCSWINSZ: {
      const dv = new DataView(t.as.read(arg, T.WINSIZE_SIZE).buffer);
      tty.resize(dv.getUint16(0, true), dv.getUint16(2, true), dv.getUint16(4, true), dv.getUint16(6, true));
      return 0;
    }
    case S.TIOCGPGRP:
      if (!master && !isCtty) throw new SyscallError(ENOTTY);
      t.as.write32(arg, tty.pgrp);
      return 0;
    case S.TIOCSPGRP: {
      if (master || !isCtty || tty.session !== t.sid) throw new SyscallError(ENOTTY);
      const pgrp = t.as.read32(arg);
      return changeAs(() => {
        if (pgrp < 0) throw new SyscallError(EINVAL);
        let found = false;
        for (const x of k.tasks.values()) {
          if (x.state === TASK_ZOMBIE || x.pgid !== pgrp) continue;
          if (x.sid !== t.sid) throw new SyscallError(EPERM);
          found = true;
        }
        if (!found) throw new SyscallError(ESRCH);
        tty.pgrp = pgrp;
        return 0;
      });
    }
    case T.TIOCGSID:
      if (master ? tty.session === 0 : !isCtty) throw new SyscallError(ENOTTY);
      t.as.write32(arg, tty.session);
      return 0;
    case S.TIOCSCTTY:
      if (isCtty) return 0;
      if (t.tgid !== t.sid || t.ctty !== null) throw new SyscallError(EPERM);
      if (tty.session !== 0 && tty.session !== t.sid) {
        // Stealing another session's terminal: root with arg 1 only.
        if (arg !== 1 || t.uid !== 0) throw new SyscallError(EPERM);
        for (const x of k.tasks.values()) if (x.ctty === tty) x.ctty = null;
      }
      acquire(t, tty);
      return 0;
    case S.TIOCNOTTY:
      if (!isCtty) throw new SyscallError(ENOTTY);
      if (t.tgid === t.sid) {
        const fg = tty.pgrp;
        tty.session = 0;
        tty.pgrp = 0;
        for (const x of k.tasks.values()) if (x.sid === t.sid) x.ctty = null;
        if (fg > 0) {
          signalGroup(k, fg, S.SIGHUP);
          signalGroup(k, fg, S.SIGCONT);
        }
      } else t.ctty = null;
      return 0;
    case S.FIONREAD:
      t.as.write32(arg, master ? master.pending : tty.available);
      return 0;
    case T.TIOCOUTQ:
      t.as.write32(arg, 0);
      return 0;
    case T.TCFLSH:
      return changeAs(() => {
        if (arg < 0 || arg > 2) throw new SyscallError(EINVAL);
        // From the master the queues swap roles: its input is the slave's output.
        const input = arg === T.TCIFLUSH || arg === T.TCIOFLUSH;
        const output = arg === T.TCOFLUSH || arg === T.TCIOFLUSH;
        if (master ? output : input) tty.flushInput();
        if (master ? input : output) {
          tty.flushOutput();
          master?.flushOutput();
        }
        return 0;
      });
    case T.TCXONC:
      return changeAs(() => {
        if (arg < 0 || arg > 3) throw new SyscallError(EINVAL);
        tty.flow(arg);
        return 0;
      });
    case T.TCSBRK:
      // tcdrain / tcsendbreak: output is never queued here, so done at once.
      return changeAs(() => 0);
    case T.TIOCSTI:
      if (!isCtty && t.uid !== 0) throw new SyscallError(EPERM);
      tty.input(t.as.read(arg, 1));
      return 0;
    case T.TIOCGETD:
      t.as.write32(arg, 0); // N_TTY
      return 0;
    case T.TIOCSETD:
      if (t.as.read32(arg) !== 0) throw new SyscallError(EINVAL);
      return 0;
    case T.TIOCEXCL:
    case T.TIOCNXCL:
      return 0;
    case T.TIOCGPTN:
      if (!master) throw new SyscallError(ENOTTY);
      t.as.write32(arg, master.index);
      return 0;
    case T.TIOCSPTLCK:
      if (!master) throw new SyscallError(ENOTTY);
      master.locked = t.as.read32(arg) !== 0;
      return 0;
    case T.TIOCGPTPEER: {
      if (!master) throw new SyscallError(ENOTTY);
      if (master.locked) throw new SyscallError(EIO);
      const file = new TtyFile(k, master.slave, (arg & ~S.O_NOCTTY & ~S.O_CLOEXEC) | 0, `/dev/pts/${master.index}`, master);
      return t.allocFd(file, (arg & S.O_CLOEXEC) !== 0);
    }
  }
  throw new SyscallError(ENOTTY);
}
