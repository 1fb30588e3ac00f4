/**
 * Typed failures of the disk: the image source (HTTP, manifest, file) and
 * the store of changed blocks. `type` is what the element puts in
 * `web-vm-error`'s `detail.type`; the message says what happened and what
 * to do (CONVENTIONS.md), and the CLI prints it as one line.
 */
export type StorageErrorType =
  /** The network failed (after retries) or a request timed out. */
  | 'network'
  /** The server answered a status we cannot use (404, 403, 5xx after retries…). */
  | 'http-status'
  /** The server ignored `Range` (200 with the whole file). */
  | 'range-unsupported'
  /** The server answered a different byte range than asked (Content-Range, length, 416). */
  | 'bad-range'
  /** The response body ended before the bytes it promised. */
  | 'truncated'
  /** The image changed on the server during the session (validator, size or chunk hash). */
  | 'image-changed'
  /** Saved changes were made against a different image than the one mounted now. */
  | 'image-mismatch'
  /** The manifest of a chunked image is malformed. */
  | 'bad-manifest'
  /** The browser's (or disk's) storage quota is exhausted: changes are kept in memory and retried. */
  | 'quota'
  /** The store of changed blocks failed otherwise (I/O error, corrupt store, locked by another VM). */
  | 'store'
  /** An imported overlay file is not one, or is damaged. */
  | 'bad-export';

export class StorageError extends Error {
  constructor(
    readonly type: StorageErrorType,
    message: string,
    /** The underlying error, for diagnostics. */
    override readonly cause?: unknown,
  ) {
    super(message);
    this.name = 'StorageError';
  }
}

/**
 * True for a storage quota failure however it is wrapped: a DOMException
 * `QuotaExceededError`, an IndexedDB transaction `AbortError` whose cause is
 * one (Dexie keeps it in `inner`), Dexie's own `QuotaExceededError`, a
 * `BulkError` with one among its `failures`, or ENOSPC/EDQUOT from Node.
 */
export function isQuotaError(e: unknown, depth = 0): boolean {
  if (e === null || typeof e !== 'object' || depth > 6) return false;
  const x = e as { name?: unknown; code?: unknown; inner?: unknown; cause?: unknown; failures?: unknown; type?: unknown };
  if (e instanceof StorageError) return e.type === 'quota';
  if (x.name === 'QuotaExceededError' || x.code === 'ENOSPC' || x.code === 'EDQUOT') return true;
  if (isQuotaError(x.inner, depth + 1) || isQuotaError(x.cause, depth + 1)) return true;
  if (Array.isArray(x.failures)) return x.failures.some((f) => isQuotaError(f, depth + 1));
  if (x.failures !== null && typeof x.failures === 'object') return Object.values(x.failures).some((f) => isQuotaError(f, depth + 1));
  return false;
}
