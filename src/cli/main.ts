import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { FileBlockDevice } from './file-device.js';
import { FileChangeStore } from './file-store.js';
import { parseJitMode, runProgram, VmError, type JitMode } from '../vm/index.js';
import type { ImageDevice } from '../vm/storage/block-device.js';
import { StorageError } from '../vm/storage/errors.js';
import { openImage } from '../vm/storage/http-device.js';
import { PersistentDisk, exportStore, importStore, resetStore } from '../vm/storage/persist.js';
import type { Console } from '../vm/kernel/console.js';
import type { TerminalHost, TerminalInput } from '../vm/kernel/terminal.js';

const USAGE = `usage: web-vm run --image FILE|URL [--persist DIR] [--memory-mb N] [--jit off|on|eager] [--cwd DIR] [--user NAME|UID[:GID]] [--env K=V]... -- PROGRAM [ARG]...

Runs a 32-bit x86 Linux program from an ext2 image. Exits with the
program's status (128+N when killed by signal N). When stdin and stdout are
a terminal, the program gets a guest terminal (raw mode on the host: Ctrl-C,
Ctrl-Z, window size and full-screen programs work as in a Linux console).
  --image FILE|URL  ext2 image to mount as / (never written): a local file, an
                    http(s) URL of a raw image (read with Range requests), or
                    of a chunked image's .json manifest (images/chunk.mjs)
  --persist DIR     keep the changes in DIR (committed on sync/fsync, after
                    1 s idle and at exit); without it changes are discarded
  --memory-mb N     guest RAM in MiB (default 256)
  --jit MODE        the x86 -> WebAssembly JIT: on (default: hot blocks are
                    compiled), eager (every block before its first run), off
                    (the interpreter alone); also WEB_VM_JIT=MODE
  --cwd DIR         working directory inside the image (default /)
  --user WHO        run as NAME or UID[:GID] from the image's /etc/passwd (default root)
  --env K=V         set an environment variable (repeatable; replaces the default
                    environment, which is a login's: HOME, USER, LOGNAME, SHELL, PATH,
                    TERM=xterm-256color, LANG=C.UTF-8)
Saved changes (stop any web-vm using DIR first):
  web-vm reset --persist DIR          drop them
  web-vm export --persist DIR FILE    write them to one file
  web-vm import --persist DIR FILE    replace them with an exported file
Environment: WEB_VM_TRACE=1 prints unimplemented system calls;
WEB_VM_STATS=FILE writes {"instructions","ms","peakRssBytes","guestPeakBytes","peakAnonBytes",
"fileRssBytes","compiledBlocks","jitModules","jitBytes","jitCompileMs","imageBytesFetched"} as JSON
at exit.`;

/** Messages a shell prints for a child killed by a signal (bash's strsignal wording). */
const SIGNAL_TEXT: Record<number, string> = {
  1: 'Hangup', 3: 'Quit', 4: 'Illegal instruction', 5: 'Trace/breakpoint trap', 6: 'Aborted', 7: 'Bus error',
  8: 'Floating point exception', 9: 'Killed', 10: 'User defined signal 1', 11: 'Segmentation fault',
  12: 'User defined signal 2', 14: 'Alarm clock', 15: 'Terminated', 16: 'Stack fault', 24: 'CPU time limit exceeded',
  25: 'File size limit exceeded', 26: 'Virtual timer expired', 27: 'Profiling timer expired', 31: 'Bad system call',
};

interface Args {
  image: string;
  persist: string | null;
  memoryMb: number;
  cwd: string;
  user: string | undefined;
  env: string[] | null;
  jit: JitMode;
  argv: string[];
}

class UsageError extends Error {}

function parse(argv: string[]): Args {
  if (argv[0] !== 'run') throw new UsageError(argv.length === 0 ? 'missing command' : `unknown command '${argv[0]}'`);
  let jit: JitMode;
  try {
    jit = parseJitMode(process.env.WEB_VM_JIT);
  } catch (e) {
    throw new UsageError(`WEB_VM_JIT: ${(e as Error).message}`);
  }
  const a: Args = { image: '', persist: null, memoryMb: 256, cwd: '/', user: undefined, env: null, jit, argv: [] };
  let k = 1;
  for (; k < argv.length; k++) {
    const x = argv[k];
    const val = (): string => {
      if (k + 1 >= argv.length) throw new UsageError(`${x} needs a value`);
      return argv[++k];
    };
    if (x === '--') {
      k++;
      break;
    } else if (x === '--image') a.image = val();
    else if (x === '--persist') a.persist = val();
    else if (x === '--memory-mb') {
      const v = val();
      a.memoryMb = Number(v);
      if (!Number.isInteger(a.memoryMb) || a.memoryMb < 4 || a.memoryMb > 3072) throw new UsageError(`--memory-mb must be an integer from 4 to 3072, got '${v}'`);
    } else if (x === '--jit' || x.startsWith('--jit=')) {
      const v = x === '--jit' ? val() : x.slice(6);
      try {
        a.jit = parseJitMode(v);
      } catch (e) {
        throw new UsageError(`--jit: ${(e as Error).message}`);
      }
    } else if (x === '--cwd') a.cwd = val();
    else if (x === '--user') {
      const v = val();
      if (!/^[^:\s]+(:\d+)?$/.test(v)) throw new UsageError(`--user expects NAME or UID[:GID], got '${v}'`);
      a.user = v;
    }
    else if (x === '--env') {
      const v = val();
      if (!v.includes('=')) throw new UsageError(`--env expects K=V, got '${v}'`);
      (a.env ??= []).push(v);
    } else if (x.startsWith('-')) throw new UsageError(`unknown option '${x}'`);
    else break;
  }
  a.argv = argv.slice(k);
  if (!a.image) throw new UsageError('--image is required');
  if (a.argv.length === 0) throw new UsageError('no PROGRAM given');
  return a;
}

/** Byte strings (one char per byte) from process arguments, which Node gives as UTF-16. */
function toByteString(s: string): string {
  const b = new TextEncoder().encode(s);
  let out = '';
  for (const x of b) out += String.fromCharCode(x);
  return out;
}

class ProcessConsole implements Console {
  private iter: AsyncIterator<Buffer> | null = null;
  write(fd: 1 | 2, data: Uint8Array): void {
    (fd === 1 ? process.stdout : process.stderr).write(data);
  }
  async read(): Promise<Uint8Array | null> {
    this.iter ??= (process.stdin as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
    const r = await this.iter.next();
    return r.done ? null : new Uint8Array(r.value.buffer, r.value.byteOffset, r.value.byteLength);
  }
  isTerminal(fd: number): boolean {
    const s = fd === 0 ? process.stdin : fd === 1 ? process.stdout : process.stderr;
    return (s as { isTTY?: boolean }).isTTY === true;
  }
  windowSize(): { rows: number; cols: number } {
    return { rows: process.stdout.rows ?? 24, cols: process.stdout.columns ?? 80 };
  }
  done(): void {
    if (this.iter) process.stdin.destroy();
  }
}

/**
 * The host terminal in raw mode, bridged to the guest's console tty: keys go
 * to the guest's line discipline unchanged (so ^C is the guest's), output
 * comes back already processed (ONLCR…), resizes become SIGWINCH. The host
 * terminal is restored on every way out (normal end, exception, signals).
 */
class HostTerminal implements TerminalHost {
  private restored = false;
  private readonly onData = (b: Buffer): void => this.input?.input(new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
  private readonly onResize = (): void => this.input?.resize(process.stdout.rows ?? 24, process.stdout.columns ?? 80);
  private readonly onSignal = (sig: NodeJS.Signals): void => {
    this.restore();
    process.kill(process.pid, sig);
  };
  private readonly restoreNow = (): void => this.restore();
  private input: TerminalInput | null = null;

  get rows(): number {
    return process.stdout.rows ?? 24;
  }
  get cols(): number {
    return process.stdout.columns ?? 80;
  }
  output(data: Uint8Array): void {
    process.stdout.write(data);
  }

  start(input: TerminalInput): void {
    this.input = input;
    process.stdin.setRawMode(true);
    // libuv's raw mode keeps OPOST|ONLCR; the guest's tty already did output processing, and a
    // full-screen program's bare \n (cursor down) must not become \r\n. setRawMode(false) restores
    // the terminal's original modes, OPOST included.
    spawnSync('stty', ['-opost'], { stdio: ['inherit', 'ignore', 'ignore'] });
    process.on('exit', this.restoreNow);
    for (const s of ['SIGTERM', 'SIGHUP', 'SIGQUIT'] as const) process.once(s, this.onSignal);
    process.stdin.on('data', this.onData);
    process.stdout.on('resize', this.onResize);
    process.stdin.resume();
  }

  restore(): void {
    if (this.restored) return;
    this.restored = true;
    process.stdin.off('data', this.onData);
    process.stdout.off('resize', this.onResize);
    for (const s of ['SIGTERM', 'SIGHUP', 'SIGQUIT'] as const) process.off(s, this.onSignal);
    process.off('exit', this.restoreNow);
    try {
      process.stdin.setRawMode(false);
    } catch {
      // stdin already gone: nothing to restore.
    }
    process.stdin.pause();
    process.stdin.destroy();
  }
}

/** `web-vm reset|export|import --persist DIR [FILE]`. */
async function storeCommand(argv: string[]): Promise<number> {
  const [cmd, flag, dir, file] = argv;
  if (flag !== '--persist' || dir === undefined || (cmd === 'reset') !== (file === undefined) || argv.length > 4) {
    process.stderr.write(`web-vm: usage: web-vm ${cmd} --persist DIR${cmd === 'reset' ? '' : ' FILE'}\n`);
    return 125;
  }
  let store: FileChangeStore | undefined;
  try {
    store = await FileChangeStore.open(dir);
    if (cmd === 'reset') await resetStore(store);
    else if (cmd === 'export') {
      const bytes = await exportStore(store);
      if (bytes === null) throw new StorageError('store', `${dir} holds no saved changes`);
      writeFileSync(file!, bytes);
    } else {
      await importStore(store, new Uint8Array(readFileSync(file!)));
    }
    return 0;
  } catch (e) {
    const why = e instanceof StorageError ? e.message : (e as Error).message;
    process.stderr.write(`web-vm: ${cmd}: ${why}\n`);
    return 125;
  } finally {
    await store?.close();
  }
}

/** The `web-vm` command. Returns the exit status. */
export async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'reset' || argv[0] === 'export' || argv[0] === 'import') return storeCommand(argv);
  let args: Args;
  try {
    args = parse(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`web-vm: ${e.message}\n${USAGE}\n`);
      return 125;
    }
    throw e;
  }
  let dev: ImageDevice;
  try {
    dev = /^https?:\/\//i.test(args.image) ? await openImage(args.image) : await FileBlockDevice.open(args.image);
  } catch (e) {
    if (e instanceof StorageError) {
      process.stderr.write(`web-vm: ${e.message}\n`);
      return 125;
    }
    const code = (e as { code?: string }).code;
    const why = code === 'ENOENT' ? 'No such file or directory' : code === 'EACCES' ? 'Permission denied' : code === 'EISDIR' ? 'Is a directory' : String((e as Error).message);
    process.stderr.write(`web-vm: cannot open image ${args.image}: ${why}\n`);
    return 125;
  }
  let disk: PersistentDisk | undefined;
  if (args.persist !== null) {
    let store: FileChangeStore | undefined;
    try {
      store = await FileChangeStore.open(args.persist);
      disk = await PersistentDisk.open(dev, store, { onError: (e) => process.stderr.write(`web-vm: ${e.message}\n`) });
    } catch (e) {
      await store?.close();
      await dev.close?.();
      if (e instanceof StorageError) {
        process.stderr.write(`web-vm: --persist ${args.persist}: ${e.message}\n`);
        return 125;
      }
      throw e;
    }
  }
  const con = new ProcessConsole();
  const host = process.stdin.isTTY && process.stdout.isTTY ? new HostTerminal() : null;
  const t0 = performance.now();
  // With WEB_VM_STATS, sample anonymous RSS (the heap, the guest RAM, the
  // VM's tables; not Node's executable mapped from disk) for its peak.
  let peakAnon = process.env.WEB_VM_STATS ? rssField('RssAnon') : null;
  const sampler = peakAnon === null ? null : setInterval(() => (peakAnon = Math.max(peakAnon!, rssField('RssAnon') ?? 0)), 50);
  sampler?.unref();
  const trace = process.env.WEB_VM_TRACE ? (l: string) => process.stderr.write(l + '\n') : undefined;
  try {
    const r = await runProgram({
      device: dev,
      argv: args.argv.map(toByteString),
      env: args.env?.map(toByteString),
      user: args.user === undefined ? undefined : toByteString(args.user),
      cwd: toByteString(args.cwd),
      memoryMb: args.memoryMb,
      console: con,
      trace,
      jit: args.jit,
      ...(host ? { terminal: host, onTerminal: (input: TerminalInput) => host.start(input) } : {}),
      disk,
    });
    host?.restore();
    if (r.signal !== 0 && r.signal !== 2 && r.signal !== 13) {
      process.stderr.write(`${SIGNAL_TEXT[r.signal] ?? `Killed by signal ${r.signal}`}\n`);
    }
    if (process.env.WEB_VM_STATS) {
      if (sampler !== null) clearInterval(sampler);
      if (peakAnon !== null) peakAnon = Math.max(peakAnon, rssField('RssAnon') ?? 0);
      const stats = {
        instructions: r.instructions,
        ms: performance.now() - t0,
        peakRssBytes: process.resourceUsage().maxRSS * 1024,
        guestPeakBytes: r.guestPeakBytes,
        peakAnonBytes: peakAnon,
        fileRssBytes: rssField('RssFile'),
        compiledBlocks: r.compiledBlocks,
        jitModules: r.jitModules,
        jitBytes: r.jitBytes,
        jitCompileMs: r.jitCompileMs,
        imageBytesFetched: dev.bytesFetched,
      };
      writeFileSync(process.env.WEB_VM_STATS, JSON.stringify(stats));
    }
    return r.exitCode;
  } catch (e) {
    if (e instanceof VmError) {
      process.stderr.write(`${e.message}\n`);
      return e.status;
    }
    if (e instanceof StorageError) {
      process.stderr.write(`web-vm: ${e.message}\n`);
      return 125;
    }
    process.stderr.write(`web-vm: internal error: ${(e as Error).stack ?? e}\n`);
    return 125;
  } finally {
    host?.restore();
    con.done();
    // Changes not committed yet were committed by runProgram; closing releases the lock.
    await disk?.close().catch(() => undefined);
    await dev.close?.();
  }
}

/**
 * A resident-memory figure of this process from Linux's /proc/self/status,
 * in bytes: RssAnon (anonymous: heaps, the guest RAM) or RssFile (mapped
 * from files: Node's own executable and libraries, shared and clean); null
 * where that is not available.
 */
function rssField(name: 'RssAnon' | 'RssFile'): number | null {
  try {
    const m = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}
