/**
 * The worker's one seam to storage: `openDisk` gives the VM a block device
 * for `image-url` (and, with a persist-key, the guest's saved changes).
 *
 * Interim until src/vm/storage's HTTP device and persistent disk land: the
 * image is read in aligned chunks with Range requests (whole-file GET when
 * the server ignores Range), kept in memory; changes live in the VM's
 * in-memory overlay, so `persistKey` is accepted but nothing is persisted
 * yet, and `commit`/`reset` have nothing to do.
 */
import type { BlockDevice } from '../vm/storage/block-device.js';
import type { ErrorInfo, ProgressInfo, WebVmErrorType } from './protocol.js';

/** A failure with a type for `web-vm-error`. */
export class DiskError extends Error {
  constructor(readonly type: WebVmErrorType, message: string) {
    super(message);
    this.name = 'DiskError';
  }
  get info(): ErrorInfo {
    return { type: this.type, message: this.message };
  }
}

export interface Disk {
  device: BlockDevice;
  /** Store the guest's changes (the persistent disk); resolves when they are durable. */
  commit(): Promise<void>;
  /** Forget the stored changes. */
  reset(): Promise<void>;
}

const CHUNK = 256 * 1024;

export async function openDisk(imageUrl: string, persistKey: string | null, onProgress: (p: ProgressInfo) => void): Promise<Disk> {
  void persistKey; // The persistent disk (IndexedDB) replaces this interim device.
  const device = await RangeDevice.open(imageUrl, onProgress);
  return { device, commit: async () => {}, reset: async () => {} };
}

async function get(url: string, range?: string): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url, range ? { headers: { Range: range } } : {});
  } catch (e) {
    throw new DiskError('network', `image-url ${url} could not be fetched (${(e as Error).message}): check the URL, and that a server on another origin sends Access-Control-Allow-Origin`);
  }
  if (!res.ok) throw new DiskError('network', `image-url ${url} answered ${res.status} ${res.statusText}: check the path`);
  return res;
}

/** An image read over HTTP in CHUNK-sized, aligned Range requests, each fetched once. */
class RangeDevice implements BlockDevice {
  private readonly chunks = new Map<number, Promise<Uint8Array>>();
  private loaded = 0;

  private constructor(
    private readonly url: string,
    readonly size: number,
    private readonly onProgress: (p: ProgressInfo) => void,
    whole: Uint8Array | null,
  ) {
    if (whole) for (let c = 0; c * CHUNK < size; c++) this.chunks.set(c, Promise.resolve(whole.subarray(c * CHUNK, (c + 1) * CHUNK)));
  }

  static async open(url: string, onProgress: (p: ProgressInfo) => void): Promise<RangeDevice> {
    const res = await get(url, `bytes=0-${CHUNK - 1}`);
    const cr = /\/(\d+)$/.exec(res.headers.get('content-range') ?? '');
    if (res.status === 206 && cr) {
      const dev = new RangeDevice(url, Number(cr[1]), onProgress, null);
      const first = new Uint8Array(await res.arrayBuffer());
      dev.count(first.length);
      dev.chunks.set(0, Promise.resolve(first));
      return dev;
    }
    // No Range support: the whole image, with progress from the body stream.
    const total = Number(res.headers.get('content-length')) || null;
    const parts: Uint8Array[] = [];
    let n = 0;
    const reader = res.body!.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parts.push(value);
      n += value.length;
      onProgress({ phase: 'image', loaded: n, total });
    }
    const whole = new Uint8Array(n);
    let o = 0;
    for (const p of parts) (whole.set(p, o), (o += p.length));
    return new RangeDevice(url, n, onProgress, whole);
  }

  private count(n: number): void {
    this.loaded += n;
    this.onProgress({ phase: 'image', loaded: this.loaded, total: null });
  }

  private chunk(c: number): Promise<Uint8Array> {
    let p = this.chunks.get(c);
    if (p === undefined) {
      const start = c * CHUNK;
      const end = Math.min(this.size, start + CHUNK) - 1;
      p = get(this.url, `bytes=${start}-${end}`).then(async (res) => {
        const b = new Uint8Array(await res.arrayBuffer());
        if (res.status !== 206 || b.length !== end - start + 1) {
          throw new DiskError('image', `image-url answered a range request with ${res.status} and ${b.length} bytes instead of ${end - start + 1}: the server must support Range`);
        }
        this.count(b.length);
        return b;
      });
      // A failed fetch may be retried by a later read.
      p.catch(() => this.chunks.delete(c));
      this.chunks.set(c, p);
    }
    return p;
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    if (offset < 0 || length < 0 || offset + length > this.size) {
      throw new RangeError(`read of ${length} bytes at ${offset} is past the end of a ${this.size}-byte device`);
    }
    const first = Math.floor(offset / CHUNK);
    const last = Math.floor((offset + Math.max(length, 1) - 1) / CHUNK);
    if (first === last) {
      const c = await this.chunk(first);
      return c.slice(offset - first * CHUNK, offset - first * CHUNK + length);
    }
    const out = new Uint8Array(length);
    const parts = await Promise.all(Array.from({ length: last - first + 1 }, (_, i) => this.chunk(first + i)));
    let o = 0;
    for (let i = 0; i < parts.length; i++) {
      const base = (first + i) * CHUNK;
      const from = Math.max(offset, base) - base;
      const to = Math.min(offset + length, base + CHUNK) - base;
      out.set(parts[i]!.subarray(from, to), o);
      o += to - from;
    }
    return out;
  }
}
