/**
 * A persistent cache of fetched image chunks, so a second visit reads what
 * it read before without the network. Keys name immutable content (a
 * chunk's hash, or URL + validator + range), so an entry never goes stale.
 */
export interface ChunkCache {
  get(key: string): Promise<Uint8Array | undefined>;
  put(key: string, bytes: Uint8Array): Promise<void>;
}

/**
 * The browser's Cache API (available in workers and pages, not only service
 * workers): built for HTTP bodies, evicted by the browser as a unit under
 * storage pressure, and separate from the IndexedDB overlay, whose quota
 * errors then mean "your changes", never "the cache". Entries live under a
 * synthetic URL so they never collide with the page's own requests.
 */
export class CacheApiChunkCache implements ChunkCache {
  private cache: Promise<Cache> | null = null;
  constructor(private readonly name = 'web-vm-chunks-v1') {}

  static available(): boolean {
    return typeof caches !== 'undefined';
  }

  private open(): Promise<Cache> {
    return (this.cache ??= caches.open(this.name));
  }

  private keyUrl(key: string): string {
    return `https://web-vm.invalid/chunk/${encodeURIComponent(key)}`;
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      const r = await (await this.open()).match(this.keyUrl(key));
      return r === undefined ? undefined : new Uint8Array(await r.arrayBuffer());
    } catch {
      return undefined; // a cache that fails is a cache miss
    }
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    try {
      await (await this.open()).put(this.keyUrl(key), new Response(bytes.slice().buffer as ArrayBuffer));
    } catch {
      // Quota or a closed cache: the chunk is simply fetched again next time.
    }
  }
}

/** An in-memory ChunkCache (tests; Node processes that reopen an image). */
export class MemoryChunkCache implements ChunkCache {
  readonly entries = new Map<string, Uint8Array>();
  async get(key: string): Promise<Uint8Array | undefined> {
    return this.entries.get(key)?.slice();
  }
  async put(key: string, bytes: Uint8Array): Promise<void> {
    this.entries.set(key, bytes.slice());
  }
}
