/**
 * The element's side of protocol.ts: one worker, requests matched to their
 * replies by id, notifications handed to callbacks. Knows nothing about x86.
 */
import { transfers, type ErrorInfo, type FromWorker, type ProgressInfo, type RequestName, type Requests, type ToWorker } from '../worker/protocol.js';
import { createVmWorker } from './worker-factory.js';

/** A failed request, with the type `web-vm-error` reports. */
export class WebVmError extends Error {
  readonly type: ErrorInfo['type'];
  constructor(info: ErrorInfo) {
    super(info.message);
    this.name = 'WebVmError';
    this.type = info.type;
  }
}

export interface ClientCallbacks {
  output(data: Uint8Array): void;
  progress(p: ProgressInfo): void;
  /** Request `id` (a terminal run) has started its program. */
  started(id: number): void;
  /** A failure outside any request: fatal when the worker died or the VM stopped; else it goes on. */
  error(info: ErrorInfo, fatal: boolean): void;
}

export class VmClient {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private dead: ErrorInfo | null = null;

  constructor(private readonly cb: ClientCallbacks) {
    this.worker = createVmWorker();
    this.worker.onmessage = (e: MessageEvent<FromWorker>) => this.receive(e.data);
    this.worker.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      this.fail({ type: 'worker', message: `the VM worker failed: ${e.message || 'its script could not be loaded (check the network and any Content-Security-Policy worker-src)'}` });
    };
    this.worker.onmessageerror = () => this.fail({ type: 'worker', message: 'a message from the VM worker could not be read' });
  }

  private receive(m: FromWorker): void {
    switch (m.kind) {
      case 'reply': {
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        if (m.ok) p.resolve(m.result);
        else p.reject(new WebVmError(m.error));
        break;
      }
      case 'output':
        this.cb.output(m.data);
        break;
      case 'progress':
        this.cb.progress({ phase: m.phase, loaded: m.loaded, total: m.total });
        break;
      case 'started':
        this.cb.started(m.id);
        break;
      case 'error':
        if (m.fatal) this.fail(m.error);
        else this.cb.error(m.error, false);
        break;
    }
  }

  private fail(info: ErrorInfo): void {
    if (this.dead) return;
    this.dead = info;
    for (const p of this.pending.values()) p.reject(new WebVmError(info));
    this.pending.clear();
    this.cb.error(info, true);
  }

  /** Send request `op`; `onId` learns its id (to match a `started`). */
  request<K extends RequestName>(op: K, params: Requests[K]['params'], onId?: (id: number) => void): Promise<Requests[K]['result']> {
    if (this.dead) return Promise.reject(new WebVmError(this.dead));
    const id = this.nextId++;
    onId?.(id);
    const bytes = Object.values(params).filter((v): v is Uint8Array => v instanceof Uint8Array);
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.send({ kind: 'request', id, op, params } as ToWorker, transfers(...bytes));
    });
  }

  send(m: ToWorker, transfer: ArrayBuffer[] = []): void {
    if (!this.dead) this.worker.postMessage(m, transfer);
  }

  /** End the worker at once; requests still waiting reject (no error is reported: this is on purpose). */
  terminate(): void {
    this.worker.terminate();
    if (this.dead) return;
    this.dead = { type: 'worker', message: 'the VM was stopped' };
    for (const p of this.pending.values()) p.reject(new WebVmError(this.dead));
    this.pending.clear();
  }
}
