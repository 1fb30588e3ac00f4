import { open, type FileHandle } from 'node:fs/promises';
import type { BlockDevice } from '../vm/storage/block-device.js';

/** A read-only block device over a local image file. The file is never written. */
export class FileBlockDevice implements BlockDevice {
  private constructor(private readonly fh: FileHandle, readonly size: number) {}

  static async open(path: string): Promise<FileBlockDevice> {
    const fh = await open(path, 'r');
    const st = await fh.stat();
    if (!st.isFile() && !st.isBlockDevice()) {
      await fh.close();
      throw Object.assign(new Error(`${path} is not a regular file`), { code: 'EISDIR' });
    }
    return new FileBlockDevice(fh, st.size);
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
