import { open, type FileHandle } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ImageDevice, ImageIdentity } from '../vm/storage/block-device.js';

/**
 * A read-only block device over a local image file. The file is never
 * written. Its identity is its path, size and mtime: an image rebuilt in
 * place is a different image to the overlay.
 */
export class FileBlockDevice implements ImageDevice {
  readonly bytesFetched = 0;
  readonly identity: ImageIdentity;
  private constructor(private readonly fh: FileHandle, readonly size: number, path: string, mtimeMs: number) {
    this.identity = { url: pathToFileURL(resolve(path)).href, size, validator: `mtime:${new Date(mtimeMs).toISOString()}` };
  }

  static async open(path: string): Promise<FileBlockDevice> {
    const fh = await open(path, 'r');
    const st = await fh.stat();
    if (!st.isFile() && !st.isBlockDevice()) {
      await fh.close();
      throw Object.assign(new Error(`${path} is not a regular file`), { code: 'EISDIR' });
    }
    return new FileBlockDevice(fh, st.size, path, st.mtimeMs);
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    if (offset < 0 || length < 0 || offset + length > this.size) {
      throw new RangeError(`read of ${length} bytes at ${offset} is past the end of the ${this.size}-byte image`);
    }
    const buf = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await this.fh.read(buf, done, length - done, offset + done);
      if (bytesRead === 0) throw new RangeError(`image file ended early at ${offset + done}`);
      done += bytesRead;
    }
    return buf;
  }

  close(): Promise<void> {
    return this.fh.close();
  }
}
