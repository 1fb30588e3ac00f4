/**
 * Interim bridge from a `TerminalHost` (kernel/terminal.ts) to the kernel's
 * current `Console`, until the tty layer's `Kernel.attachTerminal()` lands:
 * vm.ts uses exactly one of the two, so switching is one change there.
 *
 * It does the least a terminal must: output post-processing as ONLCR would
 * (xterm needs "\r\n"), input translation as ICRNL would (Enter sends "\r";
 * a cooked-mode reader waits for "\n"), a queue of input chunks, and the
 * window size for TIOCGWINSZ. No echo, line editing or signals: programs
 * that edit their own line (busybox ash, bash's readline) echo themselves.
 */
import type { Console } from './kernel/console.js';
import type { TerminalHost, TerminalInput } from './kernel/terminal.js';

export class TerminalConsole implements Console, TerminalInput {
  private readonly queue: Uint8Array[] = [];
  private waiter: ((d: Uint8Array) => void) | null = null;
  private rows: number;
  private cols: number;

  constructor(private readonly host: TerminalHost) {
    this.rows = host.rows;
    this.cols = host.cols;
  }

  write(_fd: 1 | 2, data: Uint8Array): void {
    let lf = 0;
    for (let i = 0; i < data.length; i++) if (data[i] === 0x0a) lf++;
    if (lf === 0) return this.host.output(data);
    const out = new Uint8Array(data.length + lf);
    let o = 0;
    for (let i = 0; i < data.length; i++) {
      if (data[i] === 0x0a) out[o++] = 0x0d;
      out[o++] = data[i]!;
    }
    this.host.output(out);
  }

  read(): Promise<Uint8Array | null> {
    const d = this.queue.shift();
    if (d !== undefined) return Promise.resolve(d);
    return new Promise((r) => (this.waiter = r));
  }

  isTerminal(): boolean {
    return true;
  }

  windowSize(): { rows: number; cols: number } {
    return { rows: this.rows, cols: this.cols };
  }

  input(data: Uint8Array): void {
    const d = data.map((b) => (b === 0x0d ? 0x0a : b));
    const w = this.waiter;
    this.waiter = null;
    if (w) w(d);
    else this.queue.push(d);
  }

  resize(rows: number, cols: number): void {
    this.rows = rows;
    this.cols = cols;
  }
}
