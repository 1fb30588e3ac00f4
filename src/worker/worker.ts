/**
 * The module worker behind one <web-vm>: opens the disk, boots a Vm and
 * answers the element's requests (protocol.ts). Runs as a plain module
 * worker from build/ or, in the CDN bundle, from a Blob URL; it imports
 * only the VM core.
 */
import { VmError } from '../vm/kernel/errors.js';
import { Vm } from '../vm/vm.js';
import { openDisk, StorageError, storageErrorInfo, type Disk } from './open-disk.js';
import { transfers, type ErrorInfo, type FromWorker, type ProgressInfo, type ProgressPhase, type RequestMessage, type Requests, type ToWorker, type WebVmErrorType } from './protocol.js';

interface WorkerScope {
  postMessage(msg: FromWorker, transfer: Transferable[]): void;
  onmessage: ((e: MessageEvent<ToWorker>) => void) | null;
}
const scope = self as unknown as WorkerScope;

let vm: Vm | null = null;
let disk: Disk | null = null;
let terminalBusy = false;
/** The terminal's size: a resize may arrive while the disk is still opening. */
let size = { rows: 24, cols: 80 };

function post(msg: FromWorker, transfer: ArrayBuffer[] = []): void {
  scope.postMessage(msg, transfer);
}

// Terminal output is batched per host turn: the kernel runs for a few ms between yields and a
// shell writes many small pieces; one message per turn keeps the main thread free.
let outQueue: Uint8Array[] = [];
let outBytes = 0;
function output(d: Uint8Array): void {
  outQueue.push(d.slice());
  outBytes += d.length;
  if (outQueue.length === 1) setTimeout(flushOutput, 0);
  else if (outBytes > 1 << 16) flushOutput();
}
function flushOutput(): void {
  if (outQueue.length === 0) return;
  const data = new Uint8Array(outBytes);
  let o = 0;
  for (const c of outQueue) (data.set(c, o), (o += c.length));
  outQueue = [];
  outBytes = 0;
  post({ kind: 'output', data }, [data.buffer]);
}

// Progress messages at most every 100 ms (and the last one always).
let lastProgress = 0;
let progressTimer: ReturnType<typeof setTimeout> | null = null;
let pendingProgress: ProgressInfo | null = null;
/** What the fetches are for: opening the disk, then the first command's program; null once it runs. */
let loadPhase: ProgressPhase | null = 'image';
let lastLoaded: ProgressInfo | null = null;
function progress(p: ProgressInfo): void {
  if (loadPhase === null) return;
  lastLoaded = p;
  pendingProgress = { ...p, phase: loadPhase };
  const wait = 100 - (performance.now() - lastProgress);
  if (wait <= 0) sendProgress();
  else if (progressTimer === null) progressTimer = setTimeout(sendProgress, wait);
}
function sendProgress(): void {
  progressTimer = null;
  if (pendingProgress === null) return;
  lastProgress = performance.now();
  post({ kind: 'progress', ...pendingProgress });
  pendingProgress = null;
}

function errorInfo(e: unknown): ErrorInfo {
  if (e instanceof StorageError) return storageErrorInfo(e);
  if (e instanceof VmError) {
    const type: WebVmErrorType = e.type === 'exec-format' || e.type === 'not-found' || e.type === 'permission' || e.type === 'image' ? e.type : 'internal';
    return { type, message: e.message.replace(/^web-vm: /, '') };
  }
  if (e instanceof WorkerError) return { type: e.type, message: e.message };
  return { type: 'internal', message: String((e as Error)?.stack ?? e) };
}

class WorkerError extends Error {
  constructor(readonly type: WebVmErrorType, message: string) {
    super(message);
  }
}

function needVm(): Vm {
  if (vm === null) throw new WorkerError('internal', 'the VM has not booted yet');
  return vm;
}

type Handlers = { [K in keyof Requests]: (p: Requests[K]['params'], id: number) => Promise<Requests[K]['result']> };

const handlers: Handlers = {
  async boot(p) {
    size = { rows: p.rows, cols: p.cols };
    disk = await openDisk({
      imageUrl: p.imageUrl,
      persistKey: p.persistKey,
      resetFirst: p.resetFirst,
      onProgress: progress,
      onError: (error) => post({ kind: 'error', error, fatal: false }),
    });
    vm = await Vm.boot(disk.device, { memoryMb: p.memoryMb, jit: p.jit, disk: disk.disk ?? undefined, terminal: { rows: size.rows, cols: size.cols, output } });
    sendProgress();
    // From here the fetches load the first command's program (until it starts).
    loadPhase = 'program';
    if (lastLoaded) progress(lastLoaded);
    return null;
  },
  async run(p, id) {
    const v = needVm();
    if (terminalBusy) throw new WorkerError('busy', 'a program is still running on the terminal: wait for it to exit, or use exec() to run beside it');
    terminalBusy = true;
    try {
      const r = await v.run(p.argv, p, () => {
        sendProgress();
        loadPhase = null;
        post({ kind: 'started', id });
      });
      flushOutput();
      return { exitCode: r.status, signal: r.signal };
    } finally {
      terminalBusy = false;
    }
  },
  async exec(p) {
    const r = await needVm().exec(p.argv, p);
    return { stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode, signal: r.signal };
  },
  async writeFile(p) {
    await needVm().writeFile(p.path, p.data);
    return null;
  },
  async readFile(p) {
    return needVm().readFile(p.path);
  },
  async commit() {
    if (vm) await vm.sync();
    if (disk) await disk.commit();
    return null;
  },
  async stats() {
    return needVm().stats();
  },
  async close() {
    if (vm) {
      await vm.sync();
      vm.stop();
      vm = null;
    }
    const d = disk;
    disk = null;
    if (d) await d.close();
    return null;
  },
};

async function handle(m: RequestMessage): Promise<void> {
  try {
    const result = await (handlers[m.op] as (p: unknown, id: number) => Promise<Requests[keyof Requests]['result']>)(m.params, m.id);
    const bytes = result instanceof Uint8Array ? [result] : result && 'stdout' in result ? [result.stdout, result.stderr] : [];
    post({ kind: 'reply', id: m.id, ok: true, result }, transfers(...bytes));
  } catch (e) {
    flushOutput();
    post({ kind: 'reply', id: m.id, ok: false, error: errorInfo(e) });
  }
}

scope.onmessage = (e) => {
  const m = e.data;
  switch (m.kind) {
    case 'request':
      void handle(m);
      break;
    case 'input':
      vm?.terminal.input(m.data);
      break;
    case 'resize':
      size = { rows: m.rows, cols: m.cols };
      vm?.terminal.resize(m.rows, m.cols);
      break;
  }
};

self.addEventListener('unhandledrejection', (e) => {
  post({ kind: 'error', error: errorInfo((e as PromiseRejectionEvent).reason), fatal: true });
});
