/**
 * The base image over HTTP: a raw ext2 file read with Range requests, or a
 * chunked image (a JSON manifest beside content-addressed chunk files, for
 * hosts and CDNs that mishandle Range). Every response is checked against
 * what was asked and against the image's validator, so a misbehaving or
 * changed server gives a typed StorageError, never wrong bytes.
 */
import type { ImageDevice, ImageIdentity } from './block-device.js';
import type { ChunkCache } from './chunk-cache.js';
import { ChunkReader, type ChunkReaderOptions } from './chunk-reader.js';
import { StorageError } from './errors.js';
import { fetchBytes, type FetchPolicy } from './http-fetch.js';

export interface FetchProgress {
  /** Bytes received over the network so far (cache hits not counted). */
  bytesFetched: number;
  /** Bytes served from the persistent chunk cache so far. */
  bytesFromCache: number;
  /** Size of the whole image. */
  size: number;
}

export interface OpenImageOptions extends FetchPolicy, ChunkReaderOptions {
  /** 'auto' (default): a URL whose path ends in `.json` is a chunked image's manifest. */
  format?: 'auto' | 'raw' | 'chunked';
  /** Bytes per Range request of a raw image (default 128 KiB, a power of two ≥ 4 KiB). */
  chunkSize?: number;
  /** Called after every chunk that arrives (network or persistent cache). */
  onProgress?: (p: FetchProgress) => void;
  /** A persistent cache of fetched chunks (browser: CacheApiChunkCache). */
  chunkCache?: ChunkCache;
}

/** The manifest of a chunked image, as images/chunk.mjs writes it. */
export interface ChunkManifest {
  format: 'web-vm-chunked-image';
  version: 1;
  size: number;
  chunkSize: number;
  chunkCount: number;
  /** `sha256:<hex>` of the whole image: its identity. */
  hash: string;
  /** Directory of the chunk files, relative to the manifest's URL. */
  chunkDir: string;
  /** Per chunk: its file name (the first 32 hex digits of its SHA-256), or null for all zeros. */
  chunks: (string | null)[];
}

export const DEFAULT_HTTP_CHUNK = 128 * 1024;

/** Open the image at `url` (absolute http(s), or relative to the worker's location). */
export async function openImage(url: string, opts: OpenImageOptions = {}): Promise<ImageDevice> {
  const chunked = opts.format === 'chunked' || (opts.format !== 'raw' && /\.json$/i.test(new URL(url, baseHref()).pathname));
  return chunked ? openChunked(url, opts) : openRaw(url, opts);
}

function baseHref(): string {
  return (globalThis as { location?: { href: string } }).location?.href ?? 'http://localhost/';
}

class HttpImage implements ImageDevice {
  bytesFetched = 0;
  bytesFromCache = 0;
  reader!: ChunkReader;
  constructor(
    readonly identity: ImageIdentity,
    private readonly onProgress: ((p: FetchProgress) => void) | undefined,
  ) {}
  get size(): number {
    return this.identity.size;
  }
  read(offset: number, length: number): Promise<Uint8Array> {
    return this.reader.read(offset, length);
  }
  arrived(bytes: number, fromCache: boolean): void {
    if (fromCache) this.bytesFromCache += bytes;
    else this.bytesFetched += bytes;
    this.onProgress?.({ bytesFetched: this.bytesFetched, bytesFromCache: this.bytesFromCache, size: this.size });
  }
  async close(): Promise<void> {}
}

/** `bytes a-b/total` (RFC 9110 §14.4); total may be `*`. */
function parseContentRange(v: string | null): { start: number; end: number; total: number } | null {
  const m = v === null ? null : /^\s*bytes\s+(\d+)-(\d+)\/(\d+|\*)\s*$/i.exec(v);
  if (m === null) return null;
  return { start: Number(m[1]), end: Number(m[2]), total: m[3] === '*' ? -1 : Number(m[3]) };
}

const stripWeak = (etag: string) => etag.replace(/^W\//, '');

async function openRaw(url: string, opts: OpenImageOptions): Promise<ImageDevice> {
  const cs = opts.chunkSize ?? DEFAULT_HTTP_CHUNK;
  if (cs < 4096 || (cs & (cs - 1)) !== 0) throw new RangeError(`chunkSize ${cs} is not a power of two ≥ 4096`);
  const what = 'image-url';
  const noRange = (status: number) =>
    new StorageError('range-unsupported', `${what}: ${url} ignored the Range header (answered ${status} with the whole file): serve the image from a host with byte-range support, or chunk it with images/chunk.mjs and use the manifest's URL`);
  const cache = opts.chunkCache;
  // Read before (an identity saved in the persistent cache): the probe only validates, one byte,
  // and chunk 0 comes from the cache like the rest. Otherwise the probe is chunk 0 itself.
  const saved = cache === undefined ? undefined : await cache.get(`identity|${url}`);
  const savedIdentity = saved === undefined ? null : (JSON.parse(new TextDecoder().decode(saved)) as ImageIdentity & { etag: string; lastModified: string });
  const probeEnd = savedIdentity !== null ? 0 : cs - 1;
  let probe;
  try {
    probe = await fetchBytes(url, { Range: `bytes=0-${probeEnd}` }, what, opts, (res) => {
      if (res.status !== 206) throw noRange(res.status);
      if (parseContentRange(res.headers.get('content-range')) === null) {
        throw new StorageError('bad-range', `${what}: ${url} answered 206 without a readable Content-Range (a cross-origin server must send Access-Control-Expose-Headers: Content-Range, ETag, Last-Modified)`);
      }
    });
  } catch (e) {
    // Offline, but this image was read before: start from the persistent cache.
    if (e instanceof StorageError && e.type === 'network' && savedIdentity !== null) {
      const { url: u, size, validator } = savedIdentity;
      return rawDevice({ url: u, size, validator }, savedIdentity.etag, savedIdentity.lastModified, cs, opts, null);
    }
    throw e;
  }
  const cr = parseContentRange(probe.headers.get('content-range'))!;
  if (cr.start !== 0 || cr.total < 0 || cr.end !== Math.min(probeEnd + 1, cr.total) - 1 || probe.body.length !== cr.end + 1) {
    throw new StorageError('bad-range', `${what}: asked ${url} for bytes 0-${probeEnd} and it answered Content-Range ${probe.headers.get('content-range')} with ${probe.body.length} bytes`);
  }
  const etag = probe.headers.get('etag') ?? '';
  const lastModified = probe.headers.get('last-modified') ?? '';
  const identity: ImageIdentity = {
    url: new URL(url, baseHref()).href,
    size: cr.total,
    validator: etag ? `etag:${stripWeak(etag)}` : lastModified ? `last-modified:${lastModified}` : '',
  };
  if (cache !== undefined && identity.validator !== '') await cache.put(`identity|${url}`, new TextEncoder().encode(JSON.stringify({ ...identity, etag, lastModified })));
  if (probeEnd === 0) return rawDevice(identity, etag, lastModified, cs, opts, null, 1);
  return rawDevice(identity, etag, lastModified, cs, opts, probe.body);
}

function rawDevice(identity: ImageIdentity, etag: string, lastModified: string, cs: number, opts: OpenImageOptions, first: Uint8Array | null, probeBytes = 0): ImageDevice {
  const url = identity.url;
  const size = identity.size;
  const dev = new HttpImage(identity, opts.onProgress);
  const what = 'image-url';
  // Cached chunks are keyed by the validator: a changed image never reads old chunks.
  const cache = identity.validator !== '' ? opts.chunkCache : undefined;
  const key = (i: number) => `raw|${url}|${identity.validator}|${cs}|${i}`;
  const changed = (how: string) =>
    new StorageError('image-changed', `${what}: ${url} changed on the server during this session (${how}); reload to start over with the new image`);
  const fetchChunk = async (i: number): Promise<Uint8Array> => {
    const start = i * cs;
    const end = Math.min(size, start + cs) - 1;
    if (cache !== undefined) {
      const hit = await cache.get(key(i));
      if (hit !== undefined && hit.length === end - start + 1) {
        dev.arrived(hit.length, true);
        return hit;
      }
    }
    const r = await fetchBytes(url, { Range: `bytes=${start}-${end}` }, what, opts, (res) => {
      if (res.status !== 206) {
        throw new StorageError('range-unsupported', `${what}: ${url} answered ${res.status} to a Range request for bytes ${start}-${end}: serve the image from a host with byte-range support, or use a chunked image`);
      }
      const got = parseContentRange(res.headers.get('content-range'));
      if (got !== null && got.total >= 0 && got.total !== size) throw changed(`its size went from ${size} to ${got.total} bytes`);
      const e = res.headers.get('etag');
      if (etag !== '' && e !== null && stripWeak(e) !== stripWeak(etag)) throw changed(`ETag ${etag} became ${e}`);
      const lm = res.headers.get('last-modified');
      if (lastModified !== '' && lm !== null && lm !== lastModified) throw changed(`Last-Modified ${lastModified} became ${lm}`);
      if (got !== null && (got.start !== start || got.end !== end)) {
        throw new StorageError('bad-range', `${what}: asked ${url} for bytes ${start}-${end} and it answered Content-Range ${res.headers.get('content-range')}`);
      }
    });
    if (r.body.length < end - start + 1) {
      throw new StorageError('truncated', `${what}: ${url} sent ${r.body.length} of the ${end - start + 1} bytes asked for at ${start}`);
    }
    if (r.body.length > end - start + 1) {
      throw new StorageError('bad-range', `${what}: asked ${url} for ${end - start + 1} bytes at ${start} and it sent ${r.body.length}`);
    }
    dev.arrived(r.body.length, false);
    if (cache !== undefined) void cache.put(key(i), r.body);
    return r.body;
  };
  dev.reader = new ChunkReader(size, cs, fetchChunk, opts);
  if (probeBytes > 0) dev.arrived(probeBytes, false);
  if (first !== null) {
    dev.arrived(first.length, false);
    dev.reader.prime(0, first);
    if (cache !== undefined) void cache.put(key(0), first);
  }
  return dev;
}

/** Check a parsed manifest's shape; throws 'bad-manifest' saying what is wrong. */
export function checkManifest(m: unknown, url: string): ChunkManifest {
  const bad = (why: string) => new StorageError('bad-manifest', `image-url: ${url} is not a web-vm chunked image manifest (${why}): make it with images/chunk.mjs`);
  if (m === null || typeof m !== 'object') throw bad('not a JSON object');
  const x = m as Partial<ChunkManifest>;
  if (x.format !== 'web-vm-chunked-image') throw bad(`format is ${JSON.stringify(x.format)}`);
  if (x.version !== 1) throw bad(`version ${JSON.stringify(x.version)} is not 1`);
  if (!Number.isSafeInteger(x.size) || x.size! <= 0) throw bad('size is not a positive integer');
  const cs = x.chunkSize!;
  if (!Number.isSafeInteger(cs) || cs < 4096 || (cs & (cs - 1)) !== 0) throw bad('chunkSize is not a power of two ≥ 4096');
  if (x.chunkCount !== Math.ceil(x.size! / cs)) throw bad(`chunkCount ${x.chunkCount} does not cover ${x.size} bytes in ${cs}-byte chunks`);
  if (typeof x.hash !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(x.hash)) throw bad('hash is not sha256:<64 hex digits>');
  if (typeof x.chunkDir !== 'string') throw bad('chunkDir is missing');
  if (!Array.isArray(x.chunks) || x.chunks.length !== x.chunkCount) throw bad('chunks does not list every chunk');
  for (const c of x.chunks) if (c !== null && (typeof c !== 'string' || !/^[0-9a-f]{32}$/.test(c))) throw bad(`chunk name ${JSON.stringify(c)} is not 32 hex digits`);
  return x as ChunkManifest;
}

async function sha256Hex(bytes: Uint8Array): Promise<string | null> {
  const subtle = globalThis.crypto?.subtle;
  // crypto.subtle exists only in secure contexts (https, localhost); elsewhere the length check has to do.
  if (subtle === undefined) return null;
  const d = new Uint8Array(await subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  let s = '';
  for (const b of d) s += b.toString(16).padStart(2, '0');
  return s;
}

async function openChunked(url: string, opts: OpenImageOptions): Promise<ImageDevice> {
  const what = 'image-url';
  const r = await fetchBytes(url, {}, what, opts, () => undefined);
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(r.body));
  } catch (e) {
    throw new StorageError('bad-manifest', `${what}: ${url} is not JSON (${(e as Error).message}): a chunked image's URL must name its manifest`, e);
  }
  const abs = new URL(url, baseHref()).href;
  const m = checkManifest(parsed, abs);
  const dev = new HttpImage({ url: abs, size: m.size, validator: m.hash }, opts.onProgress);
  const dir = new URL(m.chunkDir.endsWith('/') || m.chunkDir === '' ? m.chunkDir : m.chunkDir + '/', abs);
  const cache = opts.chunkCache;
  const len = (i: number) => Math.min(m.chunkSize, m.size - i * m.chunkSize);
  const fetchChunk = async (i: number): Promise<Uint8Array> => {
    const name = m.chunks[i]!;
    if (name === null) return new Uint8Array(len(i));
    const key = `chunk|${m.chunkSize}|${name}`;
    if (cache !== undefined) {
      const hit = await cache.get(key);
      if (hit !== undefined && hit.length === len(i)) {
        dev.arrived(hit.length, true);
        return hit;
      }
    }
    const chunkUrl = new URL(name, dir).href;
    const got = await fetchBytes(chunkUrl, {}, what, opts, (res) => {
      if (res.status !== 200) throw new StorageError('http-status', `${what}: chunk ${chunkUrl} answered ${res.status} ${res.statusText}, expected 200`);
    });
    if (got.body.length !== len(i)) {
      throw new StorageError(got.body.length < len(i) ? 'truncated' : 'image-changed', `${what}: chunk ${chunkUrl} holds ${got.body.length} bytes, the manifest says ${len(i)}`);
    }
    const h = await sha256Hex(got.body);
    if (h !== null && !h.startsWith(name)) {
      throw new StorageError('image-changed', `${what}: chunk ${chunkUrl} does not hash to its name (the image changed on the server, or a cache served stale bytes); reload to start over`);
    }
    dev.arrived(got.body.length, false);
    if (cache !== undefined) void cache.put(key, got.body);
    return got.body;
  };
  dev.reader = new ChunkReader(m.size, m.chunkSize, fetchChunk, opts);
  return dev;
}
