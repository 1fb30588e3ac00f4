/**
 * A block device: the image the root filesystem lives on. Reads may be
 * asynchronous (an HTTP range request, a file read in Node); nothing here may
 * block the thread, so the whole interface is Promise-based.
 */
export interface BlockDevice {
  /** Size of the device in bytes. */
  readonly size: number;
  /**
   * Read `length` bytes at byte `offset` into a new buffer. Reading past the
   * end is an error (a corrupt filesystem asked for it), never a short read.
   */
  read(offset: number, length: number): Promise<Uint8Array>;
  /** Write bytes at `offset`. Read-only devices reject with an EROFS-style error. */
  write?(offset: number, data: Uint8Array): Promise<void>;
}

/** A device over bytes already in memory (tests, small images). */
export class MemoryBlockDevice implements BlockDevice {
  constructor(private readonly bytes: Uint8Array) {}
  get size(): number {
    return this.bytes.length;
  }
  async read(offset: number, length: number): Promise<Uint8Array> {
    if (offset < 0 || length < 0 || offset + length > this.bytes.length) {
      throw new RangeError(`read of ${length} bytes at ${offset} is past the end of a ${this.bytes.length}-byte device`);
    }
    return this.bytes.slice(offset, offset + length);
  }
}

/**
 * What identifies the bytes of a base image, so saved changes are never
 * applied to a different one (DESIGN.md decision 7). `validator` is the
 * strongest thing the source offers: `sha256:…` (a chunked image's content
 * hash), `etag:…`, `last-modified:…` (HTTP), `mtime:…` (a local file), or ''.
 */
export interface ImageIdentity {
  url: string;
  size: number;
  validator: string;
}

/** A read-only base image that knows its identity (HTTP, chunked, local file). */
export interface ImageDevice extends BlockDevice {
  readonly identity: ImageIdentity;
  /** Bytes fetched over the network so far (0 for local files). */
  readonly bytesFetched: number;
  close?(): Promise<void>;
}
