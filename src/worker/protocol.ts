/**
 * Every message between the <web-vm> element (main thread) and its worker,
 * typed both ways (DESIGN.md decision 8: the element talks to the VM only
 * through this). Plain structured-clone data; byte payloads travel as
 * transferables. No SharedArrayBuffer anywhere, so the embedding page needs
 * no cross-origin isolation.
 *
 * Requests carry an id and get exactly one `reply` with that id;
 * notifications (input, resize, output, progress…) get none.
 */

import type { StorageErrorType } from '../vm/storage/errors.js';
import type { JitMode } from '../vm/jit/jit.js';
import type { VmStats } from '../vm/vm.js';

export type { JitMode, VmStats };

/**
 * What kind of failure `web-vm-error`'s detail.type names: the storage
 * layer's types (src/vm/storage/errors.ts: 'network', 'http-status' for a
 * 404 and the like, 'range-unsupported', 'image-mismatch', 'quota', 'store'…)
 * and these.
 */
export type WebVmErrorType =
  | StorageErrorType
  /** The image is not a usable ext2 filesystem. */
  | 'image'
  /** A command or file was not found. */
  | 'not-found'
  /** A command could not be executed (not an i386 ELF, no permission). */
  | 'exec-format'
  | 'permission'
  /** Saved changes could not be loaded or stored (IndexedDB). */
  | 'persistence'
  /** The worker could not start or died. */
  | 'worker'
  /** Saved changes could not be loaded or stored. */
  /** An attribute of the element has a value it cannot use. */
  | 'attribute'
  /** run() while a program still runs on the terminal. */
  | 'busy'
  | 'internal';

export interface ErrorInfo {
  type: WebVmErrorType;
  message: string;
}

export interface BootConfig {
  /** Absolute URL of the ext2 image or chunk manifest (resolved against the page by the element). */
  imageUrl: string;
  /** Drop the persist-key's saved changes before opening it (reset()). */
  resetFirst: boolean;
  /** IndexedDB key for the guest's changes; null keeps them in memory only. */
  persistKey: string | null;
  memoryMb: number;
  /** The x86 → WebAssembly JIT (the `jit` attribute): `on`, `off` or `eager`. */
  jit: JitMode;
  rows: number;
  cols: number;
}

export interface CommandSpec {
  argv: string[];
  /** `K=V` entries over the user's login environment (later ones win). */
  env?: string[];
  /** Default: the user's home directory. */
  cwd?: string;
  /** NAME or UID[:GID] from the image's /etc/passwd; default root. */
  user?: string;
}

export interface ExitStatus {
  /** Shell-style: the exit code, or 128 + the signal. */
  exitCode: number;
  /** Terminating signal, 0 if it exited. */
  signal: number;
}

export interface ExecReply extends ExitStatus {
  stdout: Uint8Array;
  stderr: Uint8Array;
}

/** Request name → its parameters and its reply's result. */
export interface Requests {
  /** Fetch/open the disk and mount it. */
  boot: { params: BootConfig; result: null };
  /** Run on the terminal; a `started` notification follows once it is running, the reply when it exits. */
  run: { params: CommandSpec; result: ExitStatus };
  exec: { params: CommandSpec & { stdin?: Uint8Array }; result: ExecReply };
  writeFile: { params: { path: string; data: Uint8Array }; result: null };
  readFile: { params: { path: string }; result: Uint8Array };
  /** Write the guest's changes to the persistent store now (page hidden). */
  commit: { params: Record<string, never>; result: null };
  /** What the CPU did so far: instructions, compiled blocks, Wasm modules (diagnostics and tests). */
  stats: { params: Record<string, never>; result: VmStats };
  /** Stop the VM, commit, and close the store (releasing the persist-key for another VM); the worker is ended next. */
  close: { params: Record<string, never>; result: null };
}

export type RequestName = keyof Requests;

export type RequestMessage = { [K in RequestName]: { kind: 'request'; id: number; op: K; params: Requests[K]['params'] } }[RequestName];

export type ToWorker =
  | RequestMessage
  /** Keyboard bytes for the terminal. */
  | { kind: 'input'; data: Uint8Array }
  | { kind: 'resize'; rows: number; cols: number };

export type ProgressPhase = 'image' | 'program';

export interface ProgressInfo {
  phase: ProgressPhase;
  /** Bytes fetched so far. */
  loaded: number;
  /** Size of the disk image, when known. */
  total: number | null;
}

export type FromWorker =
  | { kind: 'reply'; id: number; ok: true; result: Requests[RequestName]['result'] }
  | { kind: 'reply'; id: number; ok: false; error: ErrorInfo }
  /** The terminal command of request `id` is running. */
  | { kind: 'started'; id: number }
  /** Bytes for the terminal screen. */
  | { kind: 'output'; data: Uint8Array }
  | ({ kind: 'progress' } & ProgressInfo)
  /**
   * Something the user must see happened outside any request. Fatal: the VM
   * is gone. Not fatal: it goes on (a background commit failed and is retried).
   */
  | { kind: 'error'; error: ErrorInfo; fatal: boolean };

/** Transferable buffers of a message's byte payloads (each payload must own its whole buffer). */
export function transfers(...parts: (Uint8Array | undefined)[]): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  for (const p of parts) {
    if (p && p.byteOffset === 0 && p.byteLength === p.buffer.byteLength && p.buffer instanceof ArrayBuffer && !out.includes(p.buffer)) out.push(p.buffer);
  }
  return out;
}
