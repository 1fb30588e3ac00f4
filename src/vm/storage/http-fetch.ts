/**
 * One HTTP request for image bytes, done carefully: a timeout covering the
 * whole exchange (headers and body, so a stalled server is an error, not a
 * hang), retries with exponential backoff on network errors, timeouts,
 * truncated bodies, 5xx, 408 and 429, and typed errors for everything else.
 */
import { StorageError } from './errors.js';

export interface FetchPolicy {
  /** The fetch to use (default: globalThis.fetch). */
  fetch?: typeof fetch;
  /** Attempts after the first on transient failures (default 4). */
  retries?: number;
  /** First backoff delay in ms, doubled per attempt (default 250). */
  retryDelayMs?: number;
  /** Whole-request timeout in ms, body included (default 30000). */
  timeoutMs?: number;
}

export interface Fetched {
  status: number;
  headers: Headers;
  body: Uint8Array;
}

/** A failure worth another attempt; carries the error to report when attempts run out. */
class Transient extends Error {
  constructor(readonly error: StorageError) {
    super(error.message);
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * GET `url` with `headers`; `accept(res)` inspects the status and headers
 * before the body is read and may throw a StorageError (the body is then
 * cancelled, so a 200 with a whole multi-GB image is not downloaded).
 */
export async function fetchBytes(
  url: string,
  headers: Record<string, string>,
  what: string,
  policy: FetchPolicy,
  accept: (res: Response) => void,
): Promise<Fetched> {
  const doFetch = policy.fetch ?? globalThis.fetch.bind(globalThis);
  const retries = policy.retries ?? 4;
  const timeoutMs = policy.timeoutMs ?? 30_000;
  let delay = policy.retryDelayMs ?? 250;
  for (let attempt = 0; ; attempt++) {
    try {
      return await once(doFetch, url, headers, what, timeoutMs, accept);
    } catch (e) {
      if (!(e instanceof Transient)) throw e;
      if (attempt >= retries) throw e.error;
      await sleep(delay);
      delay *= 2;
    }
  }
}

async function once(
  doFetch: typeof fetch,
  url: string,
  headers: Record<string, string>,
  what: string,
  timeoutMs: number,
  accept: (res: Response) => void,
): Promise<Fetched> {
  const ctl = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    ctl.abort();
  }, timeoutMs);
  try {
    let res: Response;
    try {
      res = await doFetch(url, { headers, signal: ctl.signal, cache: 'no-store' });
    } catch (e) {
      const why = timedOut ? `no answer within ${timeoutMs / 1000} s` : (e as Error).message;
      throw new Transient(new StorageError('network', `${what}: network error fetching ${url} (${why}): check the connection and that the server allows this origin (CORS)`, e));
    }
    if (res.status >= 500 || res.status === 408 || res.status === 429) {
      await res.body?.cancel().catch(() => undefined);
      throw new Transient(new StorageError('http-status', `${what}: ${url} answered ${res.status} ${res.statusText} (the server failed; try again later)`));
    }
    if (res.status >= 400) {
      await res.body?.cancel().catch(() => undefined);
      const hint = res.status === 404 || res.status === 410 ? 'check the path' : res.status === 401 || res.status === 403 ? 'the server refuses access: check its permissions' : 'check the URL and the server';
      throw new StorageError('http-status', `${what}: ${url} answered ${res.status} ${res.statusText}: ${hint}`);
    }
    try {
      accept(res);
    } catch (e) {
      await res.body?.cancel().catch(() => undefined);
      throw e;
    }
    let body: Uint8Array;
    try {
      body = new Uint8Array(await res.arrayBuffer());
    } catch (e) {
      const why = timedOut ? `stalled for ${timeoutMs / 1000} s` : (e as Error).message;
      throw new Transient(new StorageError('truncated', `${what}: the response from ${url} broke off (${why})`, e));
    }
    const declared = res.headers.get('content-length');
    if (declared !== null && res.headers.get('content-encoding') === null && Number(declared) !== body.length) {
      throw new Transient(new StorageError('truncated', `${what}: ${url} sent ${body.length} of the ${declared} bytes it announced`));
    }
    return { status: res.status, headers: res.headers, body };
  } finally {
    clearTimeout(timer);
  }
}
