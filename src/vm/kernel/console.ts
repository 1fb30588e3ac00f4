/**
 * Where a VM's standard streams go: the CLI's process streams, a browser
 * terminal, or a test's buffers. Everything here is non-blocking.
 */
export interface Console {
  write(fd: 1 | 2, data: Uint8Array): void;
  /** Next input bytes; null at end of input. */
  read(): Promise<Uint8Array | null>;
  /** Whether fd 0/1/2 is a terminal (isatty). */
  isTerminal(fd: number): boolean;
  /** Terminal size, when a terminal. */
  windowSize(): { rows: number; cols: number };
}

/** A console over callbacks with no terminal. */
export class CallbackConsole implements Console {
  constructor(
    private readonly out: (data: Uint8Array) => void,
    private readonly err: (data: Uint8Array) => void,
    private readonly input: () => Promise<Uint8Array | null> = async () => null,
  ) {}
  write(fd: 1 | 2, data: Uint8Array): void {
    if (fd === 1) this.out(data);
    else this.err(data);
  }
  read(): Promise<Uint8Array | null> {
    return this.input();
  }
  isTerminal(): boolean {
    return false;
  }
  windowSize(): { rows: number; cols: number } {
    return { rows: 24, cols: 80 };
  }
}
