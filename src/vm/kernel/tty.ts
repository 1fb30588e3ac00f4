import * as T from './abi/tty.js';

/**
 * A terminal and its line discipline (Linux drivers/tty/n_tty.c semantics):
 * termios state, input processing (ICRNL/INLCR/IGNCR/ISTRIP, IXON flow
 * control, ISIG signal characters, canonical line editing with ERASE, KILL,
 * WERASE, LNEXT, REPRINT and VEOF, echo with ECHOE/ECHOK/ECHOKE/ECHOCTL/
 * ECHONL), output processing (OPOST: ONLCR, OCRNL, ONOCR, ONLRET) and the
 * read queue that canonical and non-canonical (VMIN/VTIME) reads drain.
 *
 * The tty knows nothing of tasks: job-control checks, signals and the
 * controlling-terminal bookkeeping live in tty-file.ts and the kernel, which
 * reach it through `TtyHooks`. Output goes to `sink` (the host terminal, or a
 * pty master's queue).
 */
export interface TtyHooks {
  /** Send `sig` to every process of group `pgrp` (kill_pgrp). */
  signalGroup(pgrp: number, sig: number): void;
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(h: unknown): void;
}

/** Linux's INIT_C_CC (include/linux/tty.h): ^C ^\ ^? ^U ^D 0 1 0 ^Q ^S ^Z 0 ^R ^O ^W ^V 0. */
const INIT_C_CC = [3, 0x1c, 0x7f, 0x15, 4, 0, 1, 0, 0x11, 0x13, 0x1a, 0, 0x12, 0x0f, 0x17, 0x16, 0];
/** N_TTY_BUF_SIZE: a canonical line holds at most this many bytes less one. */
const LINE_MAX = 4096;

export interface Termios {
  iflag: number;
  oflag: number;
  cflag: number;
  lflag: number;
  line: number;
  cc: Uint8Array;
  ispeed: number;
  ospeed: number;
}

/** tty_std_termios (drivers/tty/tty_io.c), with the pts driver's c_cflag (drivers/tty/pty.c). */
export function standardTermios(): Termios {
  const cc = new Uint8Array(T.NCCS);
  cc.set(INIT_C_CC.slice(0, T.NCCS));
  return {
    iflag: T.ICRNL | T.IXON,
    oflag: T.OPOST | T.ONLCR,
    cflag: T.B38400 | T.CS8 | T.CREAD,
    lflag: T.ISIG | T.ICANON | T.ECHO | T.ECHOE | T.ECHOK | T.ECHOCTL | T.ECHOKE | T.IEXTEN,
    line: 0,
    cc,
    ispeed: 38400,
    ospeed: 38400,
  };
}

/** Baud rate of a Bnnn code (termbits.h), for TCGETS2's c_ispeed/c_ospeed. */
const BAUD = [0, 50, 75, 110, 134, 150, 200, 300, 600, 1200, 1800, 2400, 4800, 9600, 19200, 38400];
const BAUD_EX = [57600, 115200, 230400, 460800, 500000, 576000, 921600, 1000000, 1152000, 1500000, 2000000, 2500000, 3000000, 3500000, 4000000];

export function baudOf(cflag: number): number {
  const code = cflag & T.CBAUD;
  if ((code & T.CBAUDEX) === 0) return BAUD[code];
  return BAUD_EX[(code & ~T.CBAUDEX) - 1] ?? 0;
}

function isCntrl(c: number): boolean {
  return c < 0x20 || c === 0x7f;
}

function isAlnum(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f;
}

export class Tty {
  termios: Termios = standardTermios();
  rows: number;
  cols: number;
  xpixel = 0;
  ypixel = 0;
  /** Session the tty controls (0: none) and its foreground process group. */
  session = 0;
  pgrp = 0;
  /** The line being edited (canonical mode). */
  private line: number[] = [];
  /** Readable input: completed lines in canonical mode (an empty one is an end-of-file), bytes otherwise. */
  private ready: Uint8Array[] = [];
  private readyBytes = 0;
  private lnext = false;
  /** Output stopped by VSTOP (IXON) or TCOOFF; held bytes go out at VSTART / TCOON. */
  private outStopped = false;
  private held: Uint8Array[] = [];
  /** Output column, for tab erasure and ONOCR. */
  private column = 0;
  private canonColumn = 0;
  private waiters: (() => void)[] = [];
  /** The other end hung up (a pty master closed): reads see EOF, writes EIO. */
  hungUp = false;

  constructor(
    readonly name: string,
    private readonly hooks: TtyHooks,
    private readonly sink: (data: Uint8Array) => void,
    rows = 24,
    cols = 80,
  ) {
    this.rows = rows;
    this.cols = cols;
  }

  get canonical(): boolean {
    return (this.termios.lflag & T.ICANON) !== 0;
  }

  /** Bytes a read could return now (FIONREAD). */
  get available(): number {
    return this.readyBytes;
  }

  /** Whether a read would not block. */
  readable(): boolean {
    return this.ready.length > 0 || this.hungUp;
  }

  /** Resolves at the next change of input state. */
  changed(): Promise<void> {
    return new Promise((r) => this.waiters.push(r));
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  // ---- input ----

  /** Bytes typed at the terminal (the host keyboard, or writes to a pty master). */
  input(data: Uint8Array): void {
    for (const c of data) this.receive(c);
    this.flushEcho();
    this.wake();
  }

  private cc(i: number): number {
    return this.termios.cc[i];
  }

  /** c is the control character at index i (a 0 entry is _POSIX_VDISABLE). */
  private is(c: number, i: number): boolean {
    const v = this.termios.cc[i];
    return v !== 0 && c === v;
  }

  private receive(c: number): void {
    const { iflag, lflag } = this.termios;
    if (iflag & T.ISTRIP) c &= 0x7f;
    if (this.lnext) {
      this.lnext = false;
      this.literal(c);
      return;
    }
    if (iflag & T.IXON) {
      if (this.is(c, T.VSTOP)) {
        this.outStopped = true;
        return;
      }
      if (this.is(c, T.VSTART)) {
        this.startOutput();
        return;
      }
      if (this.outStopped && iflag & T.IXANY) this.startOutput();
    }
    if (lflag & T.ISIG) {
      const sig = this.is(c, T.VINTR) ? 2 : this.is(c, T.VQUIT) ? 3 : this.is(c, T.VSUSP) ? 20 : 0;
      if (sig !== 0) {
        // n_tty isig(): flush unless NOFLSH, signal the foreground group, echo the character.
        if (!(lflag & T.NOFLSH)) this.flushInput();
        if (this.pgrp > 0) this.hooks.signalGroup(this.pgrp, sig);
        if (iflag & T.IXON) this.startOutput();
        if (lflag & T.ECHO) this.echoChar(c);
        return;
      }
    }
    if (c === 13) {
      if (iflag & T.IGNCR) return;
      if (iflag & T.ICRNL) c = 10;
    } else if (c === 10 && iflag & T.INLCR) c = 13;
    if (!(lflag & T.ICANON)) {
      if (lflag & T.ECHO) {
        if (c === 10) this.echoRaw(10);
        else this.echoChar(c);
      }
      this.push(Uint8Array.of(c));
      return;
    }
    const iexten = (lflag & T.IEXTEN) !== 0;
    if (this.is(c, T.VERASE) || this.is(c, T.VKILL) || (iexten && this.is(c, T.VWERASE))) {
      this.erase(c);
      return;
    }
    if (iexten && this.is(c, T.VLNEXT)) {
      this.lnext = true;
      if (lflag & T.ECHO) {
        this.echoRaw(0x5e); // "^\b": the next character overwrites the caret
        this.echoRaw(8);
      }
      return;
    }
    if (iexten && this.is(c, T.VREPRINT) && lflag & T.ECHO) {
      this.echoChar(c);
      this.echoRaw(10);
      for (const x of this.line) this.echoChar(x);
      return;
    }
    if (c === 10) {
      if (lflag & (T.ECHO | T.ECHONL)) this.echoRaw(10);
      this.line.push(10);
      this.endLine();
      return;
    }
    if (this.is(c, T.VEOF)) {
      this.endLine();
      return;
    }
    if (this.is(c, T.VEOL) || this.is(c, T.VEOL2)) {
      if (lflag & T.ECHO) this.echoChar(c);
      this.line.push(c);
      this.endLine();
      return;
    }
    this.literal(c);
  }

  /** An ordinary character: echoed and added to the line (or made readable, non-canonical). */
  private literal(c: number): void {
    if (!this.canonical) {
      if (this.termios.lflag & T.ECHO) this.echoChar(c);
      this.push(Uint8Array.of(c));
      return;
    }
    if (this.line.length >= LINE_MAX - 1) return;
    if (this.termios.lflag & T.ECHO) {
      if (this.line.length === 0) this.canonColumn = this.column;
      this.echoChar(c);
    }
    this.line.push(c);
  }

  private endLine(): void {
    this.push(Uint8Array.from(this.line));
    this.line = [];
  }

  private push(b: Uint8Array): void {
    if (!this.canonical && this.ready.length > 0 && this.readyBytes >= LINE_MAX) return;
    this.ready.push(b);
    this.readyBytes += b.length;
  }

  /** ERASE, WERASE and KILL (n_tty eraser()). */
  private erase(c: number): void {
    const { lflag } = this.termios;
    if (this.line.length === 0) return;
    const kill = this.is(c, T.VKILL);
    const werase = !kill && this.is(c, T.VWERASE);
    if (kill && (!(lflag & T.ECHO) || !(lflag & T.ECHOK) || !(lflag & T.ECHOKE) || !(lflag & T.ECHOE))) {
      this.line = [];
      if (lflag & T.ECHO) {
        this.echoChar(c);
        if (lflag & T.ECHOK) this.echoRaw(10);
      }
      return;
    }
    let seenAlnum = false;
    while (this.line.length > 0) {
      const x = this.line[this.line.length - 1];
      if (werase) {
        if (isAlnum(x)) seenAlnum = true;
        else if (seenAlnum) break;
      }
      this.line.pop();
      if (lflag & T.ECHO) {
        if (!(lflag & T.ECHOE)) {
          this.echoChar(this.cc(T.VERASE));
        } else if (x === 9) {
          // Back up to where the tab started: recompute the column over the rest of the line.
          let col = this.canonColumn;
          for (const y of this.line) col = y === 9 ? (col | 7) + 1 : isCntrl(y) ? (lflag & T.ECHOCTL ? col + 2 : col) : col + 1;
          const n = Math.max(0, this.column - col);
          for (let k = 0; k < n; k++) this.echoRaw(8);
        } else {
          const w = isCntrl(x) ? (lflag & T.ECHOCTL ? 2 : 0) : 1;
          for (let k = 0; k < w; k++) {
            this.echoRaw(8);
            this.echoRaw(0x20);
            this.echoRaw(8);
          }
        }
      }
      if (!kill && !werase) break;
    }
  }

  private echoBuf: number[] = [];

  /** Echo with ECHOCTL: control characters other than tab and newline as ^X. */
  private echoChar(c: number): void {
    if (this.termios.lflag & T.ECHOCTL && isCntrl(c) && c !== 9 && c !== 10) {
      this.echoRaw(0x5e);
      this.echoRaw(c ^ 0x40);
    } else this.echoRaw(c);
  }

  private echoRaw(c: number): void {
    this.echoBuf.push(c);
  }

  private flushEcho(): void {
    if (this.echoBuf.length === 0) return;
    const b = Uint8Array.from(this.echoBuf);
    this.echoBuf = [];
    this.output(b);
  }

  flushInput(): void {
    this.line = [];
    this.ready = [];
    this.readyBytes = 0;
    this.lnext = false;
    this.wake();
  }

  flushOutput(): void {
    this.held = [];
  }

  // ---- reading ----

  /**
   * Take what a read of up to `len` bytes returns now: one line at most in
   * canonical mode (an empty array for an end-of-file); null when nothing is
   * ready.
   */
  take(len: number, min = 1): Uint8Array | null {
    if (this.ready.length === 0) return this.hungUp ? new Uint8Array(0) : null;
    if (this.canonical) {
      const first = this.ready[0];
      if (first.length <= len) {
        this.ready.shift();
        this.readyBytes -= first.length;
        return first;
      }
      this.ready[0] = first.subarray(len);
      this.readyBytes -= len;
      return first.subarray(0, len);
    }
    if (this.readyBytes < min) return null;
    const n = Math.min(len, this.readyBytes);
    const out = new Uint8Array(n);
    let o = 0;
    while (o < n) {
      const c = this.ready[0];
      const k = Math.min(c.length, n - o);
      out.set(c.subarray(0, k), o);
      o += k;
      if (k === c.length) this.ready.shift();
      else this.ready[0] = c.subarray(k);
    }
    this.readyBytes -= n;
    return out;
  }

  // ---- output ----

  /** Bytes a process wrote: output processing, then to the screen (or held while stopped). */
  write(data: Uint8Array): void {
    this.output(data);
  }

  private output(data: Uint8Array): void {
    const out = this.process(data);
    if (this.outStopped) this.held.push(out);
    else this.sink(out);
  }

  private startOutput(): void {
    if (!this.outStopped) return;
    this.outStopped = false;
    const h = this.held;
    this.held = [];
    for (const b of h) this.sink(b);
    this.wake();
  }

  /** Output stopped by ^S (IXON) or TCOOFF: writers wait (n_tty_write), echoes are held. */
  get outputStopped(): boolean {
    return this.outStopped;
  }

  /** TCXONC. */
  flow(action: number): void {
    if (action === T.TCOOFF) this.outStopped = true;
    else if (action === T.TCOON) this.startOutput();
    else if (action === T.TCIOFF || action === T.TCION) {
      const c = this.cc(action === T.TCIOFF ? T.VSTOP : T.VSTART);
      if (c !== 0) this.sink(Uint8Array.of(c));
    }
  }

  /** OPOST processing (n_tty do_output_char). */
  private process(data: Uint8Array): Uint8Array {
    const { oflag } = this.termios;
    if (!(oflag & T.OPOST)) {
      this.track(data);
      return data.slice();
    }
    // The common case (ONLCR alone) without a per-byte array: megabytes of output stay cheap.
    if ((oflag & (T.OCRNL | T.ONOCR | T.ONLRET | T.OLCUC | T.TABDLY)) === 0) {
      let nl = 0;
      for (let k = 0; k < data.length; k++) if (data[k] === 10) nl++;
      if (nl === 0 || !(oflag & T.ONLCR)) {
        this.track(data);
        return data.slice();
      }
      const out = new Uint8Array(data.length + nl);
      let o = 0;
      let from = 0;
      for (let k = 0; k < data.length; k++) {
        if (data[k] !== 10) continue;
        out.set(data.subarray(from, k), o);
        o += k - from;
        out[o++] = 13;
        out[o++] = 10;
        from = k + 1;
      }
      out.set(data.subarray(from), o);
      this.track(data);
      return out;
    }
    const out: number[] = [];
    for (const c0 of data) {
      let c = c0;
      if (c === 10) {
        if (oflag & T.ONLRET) this.column = 0;
        if (oflag & T.ONLCR) {
          out.push(13, 10);
          this.column = 0;
          continue;
        }
        this.canonColumn = this.column;
      } else if (c === 13) {
        if (oflag & T.ONOCR && this.column === 0) continue;
        if (oflag & T.OCRNL) {
          c = 10;
          if (oflag & T.ONLRET) this.column = this.canonColumn = 0;
          out.push(c);
          continue;
        }
        this.column = this.canonColumn = 0;
      } else if (c === 9) {
        const spaces = 8 - (this.column & 7);
        if ((oflag & T.TABDLY) === T.XTABS) {
          this.column += spaces;
          for (let k = 0; k < spaces; k++) out.push(0x20);
          continue;
        }
        this.column += spaces;
      } else if (c === 8) {
        if (this.column > 0) this.column--;
      } else if (!isCntrl(c)) {
        if (oflag & T.OLCUC && c >= 0x61 && c <= 0x7a) c -= 0x20;
        if ((c & 0xc0) !== 0x80) this.column++; // UTF-8 continuation bytes take no column
      }
      out.push(c);
    }
    return Uint8Array.from(out);
  }

  private track(data: Uint8Array): void {
    const start = Math.max(data.lastIndexOf(10), data.lastIndexOf(13));
    if (start >= 0) this.column = 0;
    for (const c of data.subarray(start + 1)) {
      if (c === 10 || c === 13) this.column = 0;
      else if (c === 8) this.column = Math.max(0, this.column - 1);
      else if (c === 9) this.column = (this.column | 7) + 1;
      else if (!isCntrl(c) && (c & 0xc0) !== 0x80) this.column++;
    }
  }

  // ---- settings ----

  /** TCSETS*: new termios; switching canonical mode moves pending input as n_tty_set_termios does. */
  setTermios(n: Termios): void {
    const wasCanon = this.canonical;
    if (!wasCanon && (n.lflag & T.ICANON) !== 0 && this.ready.length > 1) {
      // Bytes typed in raw mode read as one pushed line.
      const all = this.take(this.readyBytes)!;
      this.ready = [all];
      this.readyBytes = all.length;
    }
    this.termios = n;
    // The partial line becomes readable at once.
    if (wasCanon && !this.canonical && this.line.length > 0) this.endLine();
    if (!(n.iflag & T.IXON)) this.startOutput();
    this.wake();
  }

  /** TIOCSWINSZ / the host's resize: store, and SIGWINCH to the foreground group when it changed. */
  resize(rows: number, cols: number, xpixel = this.xpixel, ypixel = this.ypixel): void {
    const changed = rows !== this.rows || cols !== this.cols || xpixel !== this.xpixel || ypixel !== this.ypixel;
    this.rows = rows;
    this.cols = cols;
    this.xpixel = xpixel;
    this.ypixel = ypixel;
    if (changed && this.pgrp > 0) this.hooks.signalGroup(this.pgrp, 28 /* SIGWINCH */);
  }

  /** The other end went away (a pty master closed): wake readers, who now see EOF. */
  hangup(): void {
    this.hungUp = true;
    this.wake();
  }

  /** VTIME timers for non-canonical reads. */
  timer(fn: () => void, ms: number): () => void {
    const h = this.hooks.setTimer(fn, ms);
    return () => this.hooks.clearTimer(h);
  }
}
