/**
 * The host side of the guest's console terminal: xterm.js in the page, the
 * CLI's raw-mode TTY, or a test's scripted keyboard. The kernel's tty layer
 * (line discipline, job control) sits between this and the guest.
 *
 * Contract (shared by the tty layer, the worker and the CLI):
 * - The host gives the VM a `TerminalHost`; the guest's output reaches it
 *   through `output()` after the line discipline's output processing
 *   (ONLCR etc.), so the host writes the bytes to its screen unchanged.
 * - The VM gives back a `TerminalInput`: the host calls `input()` with raw
 *   keyboard bytes (what xterm's onData / a raw-mode stdin delivers: "\r" for
 *   Enter, "\x03" for Ctrl-C, escape sequences for keys) and `resize()` when
 *   its size changes (the tty stores it and sends SIGWINCH to the
 *   foreground process group).
 * - Nothing here blocks; `input()` may be called at any time, also while the
 *   guest is computing.
 */
export interface TerminalHost {
  /** Bytes the guest wrote to the terminal, ready to display. */
  output(data: Uint8Array): void;
  /** Size when the VM starts. */
  readonly rows: number;
  readonly cols: number;
}

export interface TerminalInput {
  /** Raw keyboard bytes from the user. */
  input(data: Uint8Array): void;
  /** The terminal's new size in character cells. */
  resize(rows: number, cols: number): void;
}
