/**
 * <web-vm>: a Linux terminal in a page. The element is thin (DESIGN.md
 * decision 8): it parses attributes, owns the terminal and the UI, and talks
 * to its own worker only through protocol.ts.
 */
import { html, LitElement, nothing, type PropertyValues } from 'lit';
import type { Terminal } from '@xterm/xterm';
import { AttributeError, parseArgs, parseEnv, parseJit, parseLoading, parseMemoryMb, parseUser, splitCommand } from './attributes.js';
import { fire, type WebVmErrorDetail, type WebVmExitDetail, type WebVmProgressDetail } from './events.js';
import { whenToStart } from './loading.js';
import { styles } from './styles.js';
import { TerminalView } from './terminal-view.js';
import { VmClient, WebVmError } from './vm-client.js';
import type { CommandSpec, ErrorInfo } from '../worker/protocol.js';

export { WebVmError } from './vm-client.js';
export type * from './events.js';

/** Options of run() and exec(); unset ones come from the element's attributes. */
export interface CommandOptions {
  cwd?: string;
  /** Extra `K=V` entries (or an object) over the element's env. */
  env?: string[] | Record<string, string>;
  /** A name from /etc/passwd or `uid[:gid]`. */
  user?: string;
}

export interface ExecOptions extends CommandOptions {
  /** Standard input (then end of file). */
  stdin?: string | Uint8Array;
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

type Phase = 'idle' | 'loading' | 'running' | 'exited' | 'error' | 'stopped';

/** persist-key → the shutdown of the VM that holds it (its store lock), for a successor to await. */
const closing = new Map<string, Promise<void>>();

/** Why a command could not start; any other failure of a run is the VM's own. */
const COMMAND_ERRORS = new Set<string>(['not-found', 'exec-format', 'permission', 'busy']);

const encoder = new TextEncoder();
const decoder = new TextDecoder();

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
  reject(e: Error): void;
  settled: boolean;
}

function deferred(): Deferred {
  let resolve!: () => void, reject!: (e: Error) => void;
  const promise = new Promise<void>((a, b) => ((resolve = a), (reject = b)));
  promise.catch(() => {}); // a failed start is reported by event and panel; awaiting `ready` is optional
  const d: Deferred = {
    promise,
    settled: false,
    resolve: () => ((d.settled = true), resolve()),
    reject: (e) => ((d.settled = true), reject(e)),
  };
  return d;
}

/**
 * A Linux terminal: unmodified 32-bit x86 programs from an ext2 image, run
 * in a worker, entirely in the browser. Needs no cross-origin isolation.
 *
 * @summary Runs a Linux command (a shell, say) from a disk image in a terminal.
 *
 * @attr {string} image-url - URL of the ext2 disk image (served with Range support).
 * @attr {string} cmd - Command line, split shell-style (no shell unless it names one). Default `/bin/sh`; empty = no program until run().
 * @attr {string} args - JSON array of further arguments.
 * @attr {string} cwd - Working directory. Default: the user's home directory.
 * @attr {string} env - Environment over the user's login environment (HOME, USER, SHELL, PATH, TERM, LANG): `K=V;K=V` or a JSON object.
 * @attr {string} user - Who to run as: a name from the image's /etc/passwd or `uid[:gid]`. Default root.
 * @attr {string} persist-key - Keep the guest's changes in IndexedDB under this key. Absent: nothing is persisted.
 * @attr {number} memory-mb - Guest RAM in MiB. Default 256.
 * @attr {'on'|'off'|'eager'} jit - The x86 → WebAssembly JIT: `on` (default) compiles code that runs hot, `eager` every block at its first run, `off` interprets only. Takes effect at the next start.
 * @attr {'lazy'|'eager'|'click'} loading - `lazy` (default): start when scrolled into view; `eager`; `click`: a start button, nothing fetched until pressed.
 * @attr {boolean} screen-reader-mode - Turn on xterm's screen-reader support.
 *
 * @fires {CustomEvent<WebVmProgressDetail>} web-vm-progress - Bytes of the image fetched while starting.
 * @fires {CustomEvent<WebVmReadyDetail>} web-vm-ready - The VM booted and the command is running.
 * @fires {CustomEvent<WebVmExitDetail>} web-vm-exit - The terminal's command exited.
 * @fires {CustomEvent<WebVmErrorDetail>} web-vm-error - Something failed; `detail.type` says what.
 *
 * @csspart terminal - The terminal's container.
 * @csspart progress - The progress bar.
 * @csspart start-button - The start button (loading="click").
 * @csspart error - The error panel.
 * @csspart retry-button - The error panel's retry button.
 *
 * @cssprop [--web-vm-background=#1e1e1e] - Terminal and panel background.
 * @cssprop [--web-vm-foreground=#d4d4d4] - Text color.
 * @cssprop [--web-vm-cursor=#d4d4d4] - Cursor color.
 * @cssprop [--web-vm-selection=#264f78] - Selection background.
 * @cssprop [--web-vm-font-family=ui-monospace, monospace] - Terminal font.
 * @cssprop [--web-vm-font-size=14px] - Terminal font size.
 * @cssprop [--web-vm-progress-color=#0e9c6e] - Progress bar fill.
 * @cssprop [--web-vm-progress-track=#3c3c3c] - Progress bar track.
 * @cssprop [--web-vm-button-background=#0e639c] - Start button background.
 * @cssprop [--web-vm-error-color=#f48771] - Error text.
 */
export class WebVm extends LitElement {
  static override styles = styles;

  static override properties = {
    imageUrl: { type: String, attribute: 'image-url' },
    cmd: { type: String },
    args: { type: String },
    cwd: { type: String },
    env: { type: String },
    user: { type: String },
    persistKey: { type: String, attribute: 'persist-key' },
    memoryMb: { type: Number, attribute: 'memory-mb' },
    jit: { type: String },
    loading: { type: String },
    screenReaderMode: { type: Boolean, attribute: 'screen-reader-mode' },
    phase: { state: true },
    progress: { state: true },
    error: { state: true },
    statusText: { state: true },
  };

  /** URL of the ext2 image. */
  declare imageUrl: string | null;
  /** Command line (default `/bin/sh`; empty: no program until run()). */
  declare cmd: string | null;
  /** JSON array of further arguments. */
  declare args: string | null;
  declare cwd: string | null;
  /** `K=V;K=V` or JSON. */
  declare env: string | null;
  /** A name from /etc/passwd or `uid[:gid]`. */
  declare user: string | null;
  declare persistKey: string | null;
  declare memoryMb: number;
  /** The x86 → WebAssembly JIT: `on` (default) compiles code that runs hot, `eager` every block at its first run, `off` interprets only. Takes effect at the next start. */
  declare jit: 'on' | 'off' | 'eager';
  declare loading: 'lazy' | 'eager' | 'click';
  declare screenReaderMode: boolean;
  declare private phase: Phase;
  declare private progress: WebVmProgressDetail | null;
  declare private error: ErrorInfo | null;
  declare private statusText: string;

  private client: VmClient | null = null;
  private view: TerminalView | null = null;
  private readyState = deferred();
  private cancelWait: (() => void) | null = null;
  private startedAt = 0;
  /** Request id of the element's own command on the terminal. */
  private cmdRequest = -1;
  private terminalBusy = false;
  private beginning: Promise<void> | null = null;
  /** The next boot drops the persist-key's saved changes first (reset()). */
  private resetOnBoot = false;

  constructor() {
    super();
    this.imageUrl = null;
    this.cmd = null;
    this.args = null;
    this.cwd = null;
    this.env = null;
    this.user = null;
    this.persistKey = null;
    this.memoryMb = 256;
    this.jit = 'on';
    this.loading = 'lazy';
    this.screenReaderMode = false;
    this.phase = 'idle';
    this.progress = null;
    this.error = null;
    this.statusText = '';
  }

  /** Resolves when the VM has booted and its command runs; rejects if starting failed. */
  get ready(): Promise<void> {
    return this.readyState.promise;
  }

  /** The xterm.js Terminal (null until the element first starts). */
  get terminal(): Terminal | null {
    return this.view?.term ?? null;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    document.addEventListener('visibilitychange', this.onVisibility);
    window.addEventListener('pagehide', this.onVisibility);
    if (this.phase === 'idle' || this.phase === 'stopped') this.scheduleStart();
  }

  /** A hidden or unloading page may be discarded without warning: commit the guest's changes (DESIGN.md decision 7). */
  private readonly onVisibility = (ev: Event): void => {
    const leaving = ev.type === 'pagehide' || document.visibilityState === 'hidden';
    if (leaving && this.client && this.persistKey) this.client.request('commit', {}).catch(() => {});
  };

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    document.removeEventListener('visibilitychange', this.onVisibility);
    window.removeEventListener('pagehide', this.onVisibility);
    // Moving the element (remove + insert in one task) must not restart it.
    queueMicrotask(() => {
      if (!this.isConnected) void this.shutdown('idle');
    });
  }

  protected override updated(changed: PropertyValues<this>): void {
    const restart = ['imageUrl', 'cmd', 'args'].some((k) => changed.has(k as keyof WebVm) && changed.get(k as keyof WebVm) !== undefined);
    if (restart && this.client !== null) void this.restart();
    if (changed.has('loading') && changed.get('loading') !== undefined && this.phase === 'idle') this.scheduleStart();
    if (changed.has('screenReaderMode') && this.view) this.view.term.options.screenReaderMode = this.screenReaderMode;
  }

  private scheduleStart(): void {
    this.cancelWait?.();
    if (!this.isConnected) return;
    this.cancelWait = whenToStart(this, parseLoading(this.loading), () => void this.begin());
  }

  /** Start now (what the start button does); resolves like `ready`. A no-op while starting or running. */
  start(): Promise<void> {
    void this.begin();
    return this.ready;
  }

  /** One start at a time: the loading policy, the start button and API calls may all ask at once. */
  private begin(): Promise<void> {
    if (this.beginning) return this.beginning;
    if (this.client !== null) return Promise.resolve();
    this.beginning = this.boot().finally(() => (this.beginning = null));
    return this.beginning;
  }

  private async boot(): Promise<void> {
    // The same persist-key still held by a VM that is shutting down: wait for it to let go.
    const prev = this.persistKey ? closing.get(this.persistKey) : undefined;
    if (prev) await prev;
    if (this.client !== null) return;
    this.cancelWait?.();
    this.cancelWait = null;
    if (this.readyState.settled) this.readyState = deferred();
    this.error = null;
    this.phase = 'loading';
    this.progress = { phase: 'image', loaded: 0, total: null };
    this.statusText = 'Starting Linux…';
    this.startedAt = performance.now();
    await this.updateComplete;
    let spec: CommandSpec | null;
    try {
      if (!this.imageUrl) throw new AttributeError('image-url is not set: give the URL of an ext2 disk image');
      parseMemoryMb(this.memoryMb);
      parseJit(this.jit);
      spec = this.cmd === '' ? null : this.commandSpec(splitCommand(this.cmd ?? '/bin/sh').concat(parseArgs(this.args)), {});
    } catch (e) {
      if (!(e instanceof AttributeError)) throw e;
      this.fail({ type: 'attribute', message: e.message });
      return;
    }
    // Ask the browser to keep this origin's storage (the persist-key's changes)
    // out of eviction under storage pressure. Only pages have this, not workers.
    if (this.persistKey) navigator.storage?.persist?.().catch(() => {});
    const view = this.ensureView();
    const client = new VmClient({
      output: (d) => view.term.write(d),
      progress: (p) => {
        if (this.phase !== 'loading') return;
        this.progress = p;
        fire(this, 'web-vm-progress', p);
      },
      started: (id) => {
        if (id === this.cmdRequest) this.becomeReady();
      },
      error: (info, fatal) => (fatal ? this.fail(info) : fire(this, 'web-vm-error', info)),
    });
    this.client = client;
    try {
      await client.request('boot', {
        imageUrl: new URL(this.imageUrl, document.baseURI).href,
        persistKey: this.persistKey,
        resetFirst: this.resetOnBoot,
        memoryMb: parseMemoryMb(this.memoryMb),
        jit: parseJit(this.jit),
        rows: view.term.rows,
        cols: view.term.cols,
      });
    } catch (e) {
      if (this.client === client) this.fail(infoOf(e));
      return;
    }
    if (this.client !== client) return;
    this.resetOnBoot = false;
    if (spec === null) this.becomeReady();
    else this.runCommand(spec, true).catch(() => {});
    return;
  }

  private ensureView(): TerminalView {
    if (this.view) return this.view;
    const view = new TerminalView({
      host: this,
      screenReaderMode: this.screenReaderMode,
      onInput: (d) => this.onInput(d),
      onResize: (rows, cols) => this.client?.send({ kind: 'resize', rows, cols }),
    });
    view.open(this.renderRoot.querySelector('.terminal') as HTMLElement);
    this.view = view;
    return view;
  }

  private becomeReady(): void {
    if (this.phase !== 'loading') return;
    this.phase = 'running';
    this.progress = null;
    this.statusText = 'Linux is running.';
    const ms = performance.now() - this.startedAt;
    this.readyState.resolve();
    fire(this, 'web-vm-ready', { ms });
  }

  /**
   * A command on the terminal (the element's own, or run()'s). Resolves with
   * its exit status, 127/126 when it could not start (the reason goes on the
   * terminal, as a shell would print it); rejects only if the VM went away.
   */
  private runCommand(spec: CommandSpec, own: boolean): Promise<WebVmExitDetail> {
    const client = this.client!;
    this.terminalBusy = true;
    // While loading, `started` (becomeReady) moves on to 'running'.
    if (this.phase !== 'loading') this.phase = 'running';
    return client.request('run', spec, own ? (id) => (this.cmdRequest = id) : undefined).then(
      (r) => (this.commandEnded(client, r), r),
      (e) => {
        const info = infoOf(e);
        if (this.client !== client || info.type === 'worker') throw e; // the client's error callback reports it
        if (!COMMAND_ERRORS.has(info.type)) {
          // The VM itself failed under the command (the image changed on the server, say).
          this.fail(info);
          throw e;
        }
        this.view?.term.write(`\x1b[31m${info.message}\x1b[0m\r\n`);
        fire(this, 'web-vm-error', info);
        if (own) this.becomeReady();
        const r = { exitCode: info.type === 'not-found' ? 127 : 126, signal: 0 };
        this.commandEnded(client, r);
        return r;
      },
    );
  }

  private commandEnded(client: VmClient, r: WebVmExitDetail): void {
    if (this.client !== client) return;
    this.terminalBusy = false;
    this.phase = 'exited';
    const how = r.signal ? `was killed by signal ${r.signal}` : `exited with status ${r.exitCode}`;
    // With no cmd of its own (cmd=""), there is nothing to restart.
    const line = this.cmd === '' ? `The program ${how}.` : `The program ${how}. Press Enter to restart it.`;
    this.statusText = line;
    this.view?.term.write(`\r\n\x1b[2m[${line}]\x1b[0m\r\n`);
    fire(this, 'web-vm-exit', r);
  }

  private onInput(d: string): void {
    if (this.phase === 'exited') {
      if (d.includes('\r') && this.client && this.cmd !== '') {
        this.statusText = 'Linux is running.';
        try {
          this.runCommand(this.commandSpec(splitCommand(this.cmd ?? '/bin/sh').concat(parseArgs(this.args)), {}), true).catch(() => {});
        } catch (e) {
          this.fail({ type: 'attribute', message: (e as Error).message });
        }
      }
      return;
    }
    if (this.phase === 'running') this.client?.send({ kind: 'input', data: encoder.encode(d) });
  }

  private commandSpec(argv: string[], opts: CommandOptions): CommandSpec {
    if (argv.length === 0) throw new AttributeError('the command is empty');
    const extra = Array.isArray(opts.env) ? opts.env : opts.env ? Object.entries(opts.env).map(([k, v]) => `${k}=${v}`) : [];
    return { argv, env: [...parseEnv(this.env), ...extra], cwd: opts.cwd ?? this.cwd ?? undefined, user: parseUser(opts.user ?? this.user) };
  }

  private fail(info: ErrorInfo): void {
    const client = this.client;
    this.client = null;
    client?.terminate();
    this.terminalBusy = false;
    this.phase = 'error';
    this.error = info;
    this.progress = null;
    this.statusText = `Error: ${info.message}`;
    this.readyState.reject(new WebVmError(info));
    fire(this, 'web-vm-error', info);
  }

  private async shutdown(phase: Phase): Promise<void> {
    this.cancelWait?.();
    this.cancelWait = null;
    const client = this.client;
    this.client = null;
    this.terminalBusy = false;
    if (client) {
      // Removing or stopping keeps what the guest wrote: commit and release the persist-key
      // (its lock), then end the worker. Another element on the same key waits for this.
      const key = this.persistKey;
      const done = (async () => {
        try {
          await client.request('close', {});
        } catch {
          // A worker that cannot commit any more has nothing left to save.
        }
        client.terminate();
      })();
      if (key) closing.set(key, done);
      await done;
      if (key && closing.get(key) === done) closing.delete(key);
    }
    if (!this.readyState.settled) this.readyState.reject(new WebVmError({ type: 'worker', message: 'the VM was stopped before it was ready' }));
    this.readyState = deferred();
    this.phase = phase;
    this.progress = null;
    this.statusText = phase === 'stopped' ? 'Stopped.' : '';
    // Put back into the page while this shutdown ran: start again by the loading policy.
    if (phase === 'idle' && this.isConnected && !this.resetOnBoot && this.cancelWait === null) this.scheduleStart();
  }

  private async restart(): Promise<void> {
    await this.shutdown('idle');
    this.view?.term.reset();
    await this.begin();
  }

  private async api(): Promise<VmClient> {
    if (this.client === null) void this.begin();
    await this.ready;
    if (this.client === null) throw new WebVmError({ type: 'worker', message: 'the VM is not running' });
    return this.client;
  }

  /**
   * Run a command on the terminal (when no other program runs there) and
   * resolve to its exit status. `cmd` is split shell-style; `args` appended.
   */
  async run(cmd: string, args: string[] = [], opts: CommandOptions = {}): Promise<number> {
    await this.api();
    if (this.terminalBusy) throw new WebVmError({ type: 'busy', message: 'a program is still running on the terminal: wait for it to exit, or use exec() to run beside it' });
    const r = await this.runCommand(this.commandSpec(splitCommand(cmd).concat(args), opts), false);
    return r.exitCode;
  }

  /** Run a command beside the terminal and capture its output (decoded as UTF-8). */
  async exec(cmd: string, args: string[] = [], opts: ExecOptions = {}): Promise<ExecResult> {
    const client = await this.api();
    const stdin = typeof opts.stdin === 'string' ? encoder.encode(opts.stdin) : opts.stdin?.slice();
    const r = await client.request('exec', { ...this.commandSpec(splitCommand(cmd).concat(args), opts), stdin });
    return { stdout: decoder.decode(r.stdout), stderr: decoder.decode(r.stderr), exitCode: r.exitCode };
  }

  /** Create or replace a file in the guest (strings are written as UTF-8). */
  async writeFile(path: string, data: string | Uint8Array): Promise<void> {
    const client = await this.api();
    await client.request('writeFile', { path, data: typeof data === 'string' ? encoder.encode(data) : data.slice() });
  }

  /** A file's bytes from the guest. */
  async readFile(path: string): Promise<Uint8Array> {
    const client = await this.api();
    return client.request('readFile', { path });
  }

  /** Drop the persisted changes (persist-key) and start again from the pristine image. */
  async reset(): Promise<void> {
    this.resetOnBoot = true;
    // The next boot drops the key's changes, including those this shutdown commits.
    await this.shutdown('idle');
    this.view?.term.reset();
    await this.begin();
    await this.ready;
  }

  /** Save the guest's changes and stop the VM; start() (or the start button) boots it again. */
  async stop(): Promise<void> {
    await this.shutdown('stopped');
  }

  protected override render() {
    const p = this.progress;
    const pct = p && p.total ? Math.min(100, (100 * p.loaded) / p.total) : null;
    return html`
      <div part="terminal" class="terminal"></div>
      ${this.phase === 'idle' && parseLoading(this.loading) === 'click' || this.phase === 'stopped'
        ? html`<div class="overlay"><button part="start-button" class="start" @click=${() => void this.begin()}>▶ Start Linux</button></div>`
        : nothing}
      ${this.phase === 'loading'
        ? html`<div class="overlay">
            <div part="progress" class="progress ${pct === null ? 'indeterminate' : ''}" role="progressbar" aria-label="Loading Linux"
              aria-valuemin="0" aria-valuemax="100" aria-valuenow=${pct === null ? nothing : Math.round(pct)}>
              <div style=${pct === null ? '' : `width: ${pct}%`}></div>
            </div>
            <div class="bytes">Loading Linux… ${p ? formatBytes(p.loaded) : ''}${p && p.total ? ` of ${formatBytes(p.total)}` : ''}</div>
          </div>`
        : nothing}
      ${this.phase === 'error' && this.error
        ? html`<div class="overlay" part="error" role="alert">
            <div class="error">${this.error.message}</div>
            <button part="retry-button" @click=${() => void this.begin()}>Retry</button>
          </div>`
        : nothing}
      <div class="sr-only" role="status" aria-live="polite">${this.statusText}</div>
    `;
  }
}

function infoOf(e: unknown): ErrorInfo {
  if (e instanceof WebVmError) return { type: e.type, message: e.message };
  return { type: 'internal', message: String((e as Error)?.message ?? e) };
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1 << 20) return `${(n / 1024).toFixed(0)} KB`;
  return `${(n / (1 << 20)).toFixed(1)} MB`;
}

// Guarded: a page that loads the script twice (or two copies of it) keeps the first definition.
if (!customElements.get('web-vm')) customElements.define('web-vm', WebVm);
