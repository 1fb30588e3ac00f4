/**
 * The VM core's public API: runs in a browser worker and in Node alike
 * (nothing here may touch the DOM or Node's modules).
 */
import { Ext2 } from './fs/ext2.js';
import { OverlayBlockDevice } from './storage/overlay.js';
import { FsError } from './fs/types.js';
import { CallbackConsole, type Console } from './kernel/console.js';
import { VmError } from './kernel/errors.js';
import { Kernel } from './kernel/kernel.js';
import type { BlockDevice } from './storage/block-device.js';
import type { TerminalHost, TerminalInput } from './kernel/terminal.js';
import { loginEnvironment, lookupUser } from './user.js';
import type { PersistentDisk } from './storage/persist.js';
import type { Jit, JitMode } from './jit/jit.js';

export { MemoryBlockDevice, type BlockDevice } from './storage/block-device.js';
export { VmError } from './kernel/errors.js';
export type { Console } from './kernel/console.js';
export { Kernel } from './kernel/kernel.js';
export type { TerminalHost, TerminalInput } from './kernel/terminal.js';
export type { ImageDevice, ImageIdentity } from './storage/block-device.js';
export { StorageError, type StorageErrorType } from './storage/errors.js';
export { openImage, type OpenImageOptions, type FetchProgress, type ChunkManifest } from './storage/http-device.js';
export { CacheApiChunkCache, MemoryChunkCache, type ChunkCache } from './storage/chunk-cache.js';
export { PersistentDisk, MemoryChangeStore, resetStore, exportStore, importStore, type ChangeStore, type PersistentDiskOptions, type StoreMeta } from './storage/persist.js';

export interface RunOptions {
  device: BlockDevice;
  argv: string[];
  env?: string[];
  cwd?: string;
  memoryMb?: number;
  stdout?: (data: Uint8Array) => void;
  stderr?: (data: Uint8Array) => void;
  stdin?: () => Promise<Uint8Array | null>;
  /** Overrides stdout/stderr/stdin (a terminal, say). */
  console?: Console;
  /** Diagnostics (unknown syscalls, OOM kills). */
  trace?: (line: string) => void;
  /** Mount the root read-only (writes fail with EROFS). Default: writable, changes kept in memory. */
  readOnly?: boolean;
  /**
   * A terminal for the guest (xterm.js, the CLI's raw TTY, a test): the
   * program gets it as stdio and controlling terminal, with a line
   * discipline and job control. Overrides stdout/stderr/stdin/console.
   */
  terminal?: TerminalHost;
  /** Called, before the program starts, with where to send the terminal's keys and resizes. */
  onTerminal?: (input: TerminalInput) => void;
  /**
   * Run as NAME or UID[:GID] from the image's /etc/passwd (default root).
   * Without `env`, the environment is a login's for that user (HOME, USER,
   * SHELL, PATH, TERM=xterm-256color, LANG=C.UTF-8).
   */
  user?: string;
  /**
   * Keep changes in this disk's store (its overlay is mounted instead of a
   * fresh in-memory one over `device`, which is then ignored): commits on
   * sync/fsync, after idle, and a final one when the program ends.
   */
  disk?: PersistentDisk;
  /**
   * The x86 → WebAssembly JIT (src/vm/jit): `on` (default) compiles hot
   * blocks, `eager` every block at its first run, `off` runs the interpreter alone.
   */
  jit?: JitMode;
}

export interface RunResult {
  /** Shell-style status: the exit code, or 128 + the signal that killed it. */
  exitCode: number;
  /** Terminating signal, 0 if it exited. */
  signal: number;
  /** Guest instructions executed. */
  instructions: number;
  /** Peak guest RAM in use (bytes of 4 KiB frames). */
  guestPeakBytes: number;
  /** Blocks compiled (by the Wasm tier, or tier 1 where Wasm is forbidden). */
  compiledBlocks: number;
  /** Wasm modules made, their bytes, and the milliseconds spent compiling them. */
  jitModules: number;
  /** Blocks the Wasm tier compiled (the rest of compiledBlocks, if any, tier 1). */
  jitBlocks: number;
  jitBytes: number;
  jitCompileMs: number;
}

/** Mount the image and run one program to completion. Throws VmError for setup failures. */
export async function runProgram(opts: RunOptions): Promise<RunResult> {
  if (opts.argv.length === 0) throw new VmError('not-found', 'web-vm: no program given', 125);
  let root: Ext2;
  // The image is never written: the guest's changes live in an overlay of
  // changed blocks (in memory here; the persistence issue stores them).
  const overlay = opts.disk?.overlay ?? new OverlayBlockDevice(opts.device);
  try {
    root = await Ext2.mount(overlay, { writable: opts.readOnly !== true });
  } catch (e) {
    if (e instanceof FsError) throw new VmError('image', `web-vm: cannot mount the image: ${e.message}`, 125);
    throw e;
  }
  const console =
    opts.console ??
    new CallbackConsole(opts.stdout ?? (() => {}), opts.stderr ?? (() => {}), opts.stdin ?? (async () => null));
  const disk = opts.disk;
  disk?.attach(root);
  const commit = disk === undefined ? undefined : () => disk.commit();
  const user = await lookupUser(root, opts.user);
  const kernel = new Kernel({ memoryMb: opts.memoryMb ?? 256, root, console, trace: opts.trace ?? null, uid: user.uid, gid: user.gid, commit });
  if (opts.jit !== undefined) kernel.cpu.setJit(opts.jit);
  const env = opts.env ?? loginEnvironment(user);
  if (opts.terminal) {
    const input = kernel.attachTerminal(opts.terminal);
    opts.onTerminal?.(input);
  }
  const task = await kernel.spawn(opts.argv[0], opts.argv, env, opts.cwd ?? '/');
  let exit;
  try {
    exit = await kernel.run(task);
  } finally {
    // Whatever the first process left running ends with it (like a container's init).
    kernel.shutdown();
  }
  // What the program left unsynced is kept too (a StorageError here reaches the caller).
  if (disk !== undefined) await disk.commit();
  return { exitCode: exit.status, signal: exit.signal, instructions: kernel.cpu.icount, guestPeakBytes: kernel.phys.peakFrames * 4096, compiledBlocks: kernel.cpu.compiledBlocks, ...jitStats(kernel.cpu.jit) };
}

function jitStats(jit: Jit | null): { jitModules: number; jitBlocks: number; jitBytes: number; jitCompileMs: number } {
  return { jitModules: jit?.modules ?? 0, jitBlocks: jit?.blocks ?? 0, jitBytes: jit?.bytes ?? 0, jitCompileMs: jit?.compileMs ?? 0 };
}

export { parseJitMode, type JitMode } from './jit/jit.js';
export { Vm, mergeEnv, type VmOptions, type VmStats, type CommandOptions, type ExecOptions, type ExecOutput } from './vm.js';
export type { ExitInfo } from './kernel/kernel.js';
