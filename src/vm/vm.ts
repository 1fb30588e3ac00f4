/**
 * A running VM as a host (the element's worker, a test) drives it: boot one
 * kernel on a disk, run commands on its terminal one after another, and
 * next to them run commands whose output is captured (`exec`), move files
 * in and out, and stop. Everything shares one kernel: a file the terminal's
 * shell writes is what `readFile` sees.
 *
 * Strings from the host (argv, env, paths) are UTF-8 encoded into the byte
 * strings the kernel uses (fs/names.ts).
 */
import { Ext2 } from './fs/ext2.js';
import { resolve, resolveParent } from './fs/path.js';
import { FsError, S_IFDIR, S_IFMT, S_IFREG, type Inode } from './fs/types.js';
import { EISDIR, ENOENT, EROFS } from './kernel/abi/errno.js';
import { VmError } from './kernel/errors.js';
import { errText, Kernel, type ExitInfo } from './kernel/kernel.js';
import { Pipe, PipeReadEnd, PipeWriteEnd } from './kernel/pipe.js';
import type { TerminalHost, TerminalInput } from './kernel/terminal.js';
import type { BlockDevice } from './storage/block-device.js';
import { OverlayBlockDevice } from './storage/overlay.js';
import { loginEnvironment, lookupUser } from './user.js';
import { CallbackConsole } from './kernel/console.js';
import type { PersistentDisk } from './storage/persist.js';
import type { JitMode } from './jit/jit.js';

export interface VmOptions {
  /** Guest RAM (the `memory-mb` attribute). Default 256. */
  memoryMb?: number;
  /** Where the guest's terminal output goes, and its size at boot. */
  terminal: TerminalHost;
  /** Diagnostics (unknown syscalls, OOM kills). */
  trace?: (line: string) => void;
  /**
   * Keep the guest's changes in this disk's store: its overlay is mounted
   * (the `device` argument is then ignored), sync/fsync commit it.
   */
  disk?: PersistentDisk;
  /**
   * The x86 → WebAssembly JIT (the `jit` attribute): `on` (default) compiles
   * hot blocks, `eager` every block at its first run, `off` runs the
   * interpreter alone. Where the page forbids Wasm compilation the CPU falls
   * back by itself (src/vm/jit/jit.ts `canCompileWasm`).
   */
  jit?: JitMode;
}

/** What the CPU did so far, for diagnostics and tests (the CLI's WEB_VM_STATS has the same fields). */
export interface VmStats {
  /** Guest instructions retired. */
  instructions: number;
  /** Blocks given a compiled form (by the Wasm tier, or the JavaScript tier where Wasm is forbidden). */
  compiledBlocks: number;
  /** Wasm modules made, their bytes, and the milliseconds spent compiling them. */
  jitModules: number;
  /** Blocks the Wasm tier compiled (the rest of compiledBlocks, if any, tier 1). */
  jitBlocks: number;
  jitBytes: number;
  jitCompileMs: number;
}

export interface CommandOptions {
  /** `K=V` strings over the user's login environment (HOME, USER, SHELL, PATH, TERM, LANG); later ones win. */
  env?: string[];
  /** Working directory. Default: the user's home directory. */
  cwd?: string;
  /** NAME or UID[:GID], looked up in the image's /etc/passwd (default root). */
  user?: string;
}

export interface ExecOptions extends CommandOptions {
  /** Bytes on the command's standard input; it then reads end of file. */
  stdin?: Uint8Array;
}

export interface ExecOutput {
  stdout: Uint8Array;
  stderr: Uint8Array;
  /** Shell-style status: the exit code, or 128 + the signal that killed it. */
  exitCode: number;
  /** Terminating signal, 0 if it exited. */
  signal: number;
}

/** `extra` K=V entries over `base`: a name set again replaces its earlier value, in place. */
export function mergeEnv(base: readonly string[], extra: readonly string[]): string[] {
  const m = new Map<string, string>();
  for (const e of [...base, ...extra]) m.set(e.includes('=') ? e.slice(0, e.indexOf('=')) : e, e);
  return [...m.values()];
}

const utf8 = new TextEncoder();

/** A host string as the kernel's byte string (UTF-8, one byte per code unit). */
export function byteString(s: string): string {
  let out = '';
  const b = utf8.encode(s);
  for (let i = 0; i < b.length; i += 8192) out += String.fromCharCode.apply(null, b.subarray(i, i + 8192) as unknown as number[]);
  return out;
}

export class Vm {
  /** Where the host sends keyboard input and size changes. */
  readonly terminal: TerminalInput;

  private constructor(
    readonly kernel: Kernel,
    private readonly root: Ext2,
    terminal: TerminalInput,
  ) {
    this.terminal = terminal;
  }

  /**
   * Mount the ext2 image on `device` as `/`. A device without `write` (a
   * plain image) gets an in-memory overlay; a writable one (the persistent
   * disk) takes the guest's changes itself. Throws VmError 'image'.
   */
  static async boot(device: BlockDevice, opts: VmOptions): Promise<Vm> {
    const pdisk = opts.disk;
    const disk = pdisk ? pdisk.overlay : device.write ? device : new OverlayBlockDevice(device);
    let root: Ext2;
    try {
      root = await Ext2.mount(disk, { writable: true });
    } catch (e) {
      if (e instanceof FsError) throw new VmError('image', `the image is not a usable ext2 filesystem: ${e.message}`);
      throw e;
    }
    pdisk?.attach(root);
    // Every terminal program gets the console tty (kernel.attachTerminal); the Console is unused.
    const console = new CallbackConsole(() => {}, () => {});
    const commit = pdisk ? () => pdisk.commit() : undefined;
    const kernel = new Kernel({ memoryMb: opts.memoryMb ?? 256, root, console, trace: opts.trace ?? null, commit });
    if (opts.jit !== undefined) kernel.cpu.setJit(opts.jit);
    // /tmp is a tmpfs and /dev, /proc are mounted: files the host writes land where programs look.
    await kernel.mountFilesystems();
    return new Vm(kernel, root, kernel.attachTerminal(opts.terminal));
  }

  /**
   * Run `argv` on the terminal until it exits. Rejects with VmError when it
   * cannot start (127 not found, 126 not executable); `onStarted` is called
   * once it is running.
   */
  async run(argv: string[], opts: CommandOptions = {}, onStarted?: () => void): Promise<ExitInfo> {
    const task = await this.spawn(argv, opts);
    onStarted?.();
    try {
      return await this.kernel.run(task);
    } finally {
      this.kernel.reap(task);
    }
  }

  /**
   * Run `argv` with its standard streams on pipes, next to whatever runs on
   * the terminal, and collect its output. Resolves once it exited and every
   * writer of its output closed (as a shell's `$(…)` does). A command that
   * cannot start resolves like a shell would: status 127/126 and the
   * reason on stderr.
   */
  async exec(argv: string[], opts: ExecOptions = {}): Promise<ExecOutput> {
    const inp = new Pipe(), out = new Pipe(), err = new Pipe();
    const stdinW = new PipeWriteEnd(inp, 0);
    const outR = new PipeReadEnd(out, 0), errR = new PipeReadEnd(err, 0);
    const stdio: [PipeReadEnd, PipeWriteEnd, PipeWriteEnd] = [new PipeReadEnd(inp, 0), new PipeWriteEnd(out, 0), new PipeWriteEnd(err, 0)];
    let task;
    try {
      task = await this.spawn(argv, opts, stdio);
    } catch (e) {
      if (!(e instanceof VmError) || e.type === 'internal' || e.type === 'image') throw e;
      return { stdout: new Uint8Array(0), stderr: utf8.encode(e.message + '\n'), exitCode: e.status, signal: 0 };
    }
    // Feed stdin without waiting: a command that never reads it must not hold us up.
    void (async () => {
      try {
        if (opts.stdin && opts.stdin.length > 0) await stdinW.write(opts.stdin, null);
      } catch {
        // The command closed its stdin early (EPIPE): what it did not read is dropped, as in a shell.
      }
      stdinW.release();
    })();
    const [exit, stdout, stderr] = await Promise.all([
      this.kernel.run(task).finally(() => this.kernel.reap(task)),
      drain(outR),
      drain(errR),
    ]);
    return { stdout, stderr, exitCode: exit.status, signal: exit.signal };
  }

  private async spawn(argv: string[], opts: CommandOptions, stdio?: [PipeReadEnd, PipeWriteEnd, PipeWriteEnd]) {
    if (argv.length === 0) throw new VmError('not-found', 'no command given', 127);
    const user = await lookupUser(this.root, opts.user);
    const args = argv.map(byteString);
    const env = mergeEnv(loginEnvironment(user), opts.env ?? []).map(byteString);
    const path = args[0]!.includes('/') ? args[0]! : await this.searchPath(args[0]!, env);
    return this.kernel.spawn(path, args, env, byteString(opts.cwd ?? user.home), { stdio, uid: user.uid, gid: user.gid });
  }

  /** A command name without a slash is looked up in PATH, as execvp(3) does. */
  private async searchPath(name: string, env: string[]): Promise<string> {
    const pathVar = env.find((e) => e.startsWith('PATH='))?.slice(5) ?? '/usr/local/bin:/usr/bin:/bin';
    const root = await this.root.root();
    for (const dir of pathVar.split(':')) {
      const candidate = `${dir === '' ? '.' : dir}/${name}`;
      try {
        const ino = await resolve(root, root, candidate, { followLast: true, mounts: this.kernel.mounts });
        if ((ino.mode & S_IFMT) === S_IFREG && (ino.mode & 0o111) !== 0) return candidate;
      } catch {
        // Not in this directory.
      }
    }
    throw new VmError('not-found', `${name}: command not found`, 127);
  }

  /** Create or replace the regular file `path` (absolute) with `data`. Parent directories must exist. */
  async writeFile(path: string, data: Uint8Array, mode = 0o644): Promise<void> {
    const fs = this.root;
    try {
      const rootIno = await fs.root();
      const p = await resolveParent(rootIno, rootIno, byteString(absolute(path)), { mounts: this.kernel.mounts });
      if (p.kind !== 'normal' || p.trailingSlash) throw new FsError(EISDIR, 'is a directory');
      let ino: Inode;
      try {
        ino = await resolve(rootIno, p.parent, p.name, { followLast: true, mounts: this.kernel.mounts });
      } catch (e) {
        if (!(e instanceof FsError) || e.errno !== ENOENT) throw e;
        const dirFs = p.parent.fs;
        if (!dirFs.create) throw new FsError(EROFS, 'read-only');
        ino = await dirFs.create(p.parent, p.name, mode, 0, 0);
      }
      if ((ino.mode & S_IFMT) === S_IFDIR) throw new FsError(EISDIR, 'is a directory');
      const f = ino.fs;
      if (!f.truncate || !f.write) throw new FsError(EROFS, 'read-only');
      await f.truncate(ino, 0);
      let done = 0;
      while (done < data.length) {
        const n = await f.write(ino, done, data.subarray(done));
        if (n <= 0) throw new FsError(28, 'no space');
        done += n;
      }
    } catch (e) {
      throw fileError('write', path, e);
    }
  }

  /** The contents of the file `path` (absolute; symbolic links followed). */
  async readFile(path: string): Promise<Uint8Array> {
    try {
      const rootIno = await this.root.root();
      const ino = await resolve(rootIno, rootIno, byteString(absolute(path)), { followLast: true, mounts: this.kernel.mounts });
      if ((ino.mode & S_IFMT) === S_IFDIR) throw new FsError(EISDIR, 'is a directory');
      const chunks: Uint8Array[] = [];
      let size = 0;
      // Regular files know their size; device and proc files are read until they run dry.
      for (;;) {
        const want = (ino.mode & S_IFMT) === S_IFREG ? Math.max(0, ino.stat().size - size) : 65536;
        if (want === 0) break;
        const d = await ino.fs.read(ino, size, Math.min(want, 1 << 20));
        if (d.length === 0) break;
        chunks.push(d);
        size += d.length;
      }
      return concat(chunks, size);
    } catch (e) {
      throw fileError('read', path, e);
    }
  }

  stats(): VmStats {
    const cpu = this.kernel.cpu;
    const jit = cpu.jit;
    return { instructions: cpu.icount, compiledBlocks: cpu.compiledBlocks, jitModules: jit?.modules ?? 0, jitBlocks: jit?.blocks ?? 0, jitBytes: jit?.bytes ?? 0, jitCompileMs: jit?.compileMs ?? 0 };
  }

  /** Wait until every change the guest made reached the disk device (before a commit). */
  sync(): Promise<void> {
    return this.kernel.syncAll();
  }

  /** End every process and cancel the guest's timers; the VM cannot be used afterwards. */
  stop(): void {
    this.kernel.stop();
    this.kernel.shutdown();
  }
}

function absolute(path: string): string {
  if (!path.startsWith('/')) throw new VmError('not-found', `${path}: give an absolute path`);
  return path;
}

function fileError(op: string, path: string, e: unknown): unknown {
  if (e instanceof FsError) return new VmError('not-found', `cannot ${op} ${path}: ${errText(e)}`);
  return e;
}

async function drain(r: PipeReadEnd): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const d = await r.read(65536, null);
    if (d.length === 0) break;
    chunks.push(d);
    size += d.length;
  }
  r.release();
  return concat(chunks, size);
}

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(size);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}
