/**
 * `--persist DIR`: the Node ChangeStore, a journal file in DIR in the
 * format of src/vm/storage/overlay-file.ts.
 *
 * Crash safety (kill -9 or power loss at any moment leaves the last
 * committed state): a commit appends one transaction (blocks, meta, commit
 * record, each CRC-checked) at the end of the committed prefix and
 * fdatasyncs before it resolves; replay ignores anything after the last
 * intact commit record, and opening truncates such a torn tail away.
 * Rewrites of the whole file (compaction, reset, import) go to a temporary
 * file that is fsynced and then renamed over the journal (atomic on POSIX),
 * followed by an fsync of the directory. A lock file holding the pid keeps
 * two processes from appending to one journal; a lock whose process is gone
 * (killed) is taken over.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { ChangeStore, StoreContents } from '../vm/storage/persist.js';
import { encodeMagic, encodeOverlayFile, encodeTransaction, replayOverlayFile, type StoreMeta } from '../vm/storage/overlay-file.js';
import { StorageError } from '../vm/storage/errors.js';

const JOURNAL = 'overlay.journal';
const LOCK = 'lock';
/** Compact when the journal is this much bigger than its live data. */
const SLACK_BYTES = 16 * 1024 * 1024;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === 'EPERM';
  }
}

/** Write `bytes` to `path` durably and atomically (tmp + fsync + rename + fsync of the directory). */
function atomicWrite(dir: string, name: string, bytes: Uint8Array): void {
  const tmp = join(dir, `${name}.tmp`);
  const fd = openSync(tmp, 'w');
  try {
    let done = 0;
    while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, join(dir, name));
  const d = openSync(dir, 'r');
  try {
    fsyncSync(d);
  } finally {
    closeSync(d);
  }
}

export class FileChangeStore implements ChangeStore {
  private fh: FileHandle | null = null;
  /** End of the committed prefix of the journal. */
  private end = 8;
  /** Size of each live chunk, to know when compaction pays. */
  private readonly live = new Map<number, number>();
  private liveBytes = 0;

  private constructor(readonly dir: string) {}

  get name(): string {
    return this.dir;
  }

  static async open(dir: string): Promise<FileChangeStore> {
    try {
      mkdirSync(dir, { recursive: true });
    } catch (e) {
      throw new StorageError('store', `cannot create --persist directory ${dir}: ${(e as Error).message}`, e);
    }
    const lock = join(dir, LOCK);
    for (let tries = 0; ; tries++) {
      try {
        writeFileSync(lock, `${process.pid}\n`, { flag: 'wx' });
        break;
      } catch (e) {
        if ((e as { code?: string }).code !== 'EEXIST' || tries > 2) throw new StorageError('store', `cannot lock ${dir}: ${(e as Error).message}`, e);
        const pid = Number(readFileSync(lock, 'utf8').trim());
        if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
          throw new StorageError('store', `${dir} is in use by another web-vm (pid ${pid}); wait for it to end or use another --persist directory`);
        }
        rmSync(lock, { force: true }); // its process is gone: a stale lock
      }
    }
    return new FileChangeStore(dir);
  }

  private get path(): string {
    return join(this.dir, JOURNAL);
  }

  async load(): Promise<StoreContents> {
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(this.path);
    } catch (e) {
      if ((e as { code?: string }).code === 'ENOENT') return { meta: null, blocks: new Map() };
      throw new StorageError('store', `cannot read ${this.path}: ${(e as Error).message}`, e);
    }
    let r;
    try {
      r = replayOverlayFile(bytes);
    } catch (e) {
      throw new StorageError('store', `${this.path} is not a web-vm journal (${(e as Error).message}); move it away or delete ${this.dir} to start afresh`, e);
    }
    await this.reopen();
    // A transaction cut short by a crash: drop it so later appends follow the committed prefix.
    if (r.committedEnd < bytes.length) {
      await this.fh!.truncate(r.committedEnd);
      await this.fh!.sync();
    }
    this.end = r.committedEnd;
    this.live.clear();
    this.liveBytes = 0;
    for (const [n, b] of r.blocks) this.noteLive(n, b.length);
    return { meta: r.meta, blocks: r.blocks };
  }

  private noteLive(n: number, len: number): void {
    this.liveBytes += len - (this.live.get(n) ?? 0);
    this.live.set(n, len);
  }

  private async reopen(): Promise<void> {
    await this.fh?.close();
    this.fh = null;
    try {
      this.fh = await open(this.path, 'r+');
    } catch (e) {
      if ((e as { code?: string }).code !== 'ENOENT') throw e;
      atomicWrite(this.dir, JOURNAL, encodeMagic());
      this.fh = await open(this.path, 'r+');
    }
  }

  async commit(blocks: Map<number, Uint8Array>, meta: StoreMeta): Promise<void> {
    if (this.fh === null) await this.reopen();
    const t = encodeTransaction(blocks, meta);
    try {
      let done = 0;
      while (done < t.length) done += (await this.fh!.write(t, done, t.length - done, this.end + done)).bytesWritten;
      await this.fh!.datasync();
    } catch (e) {
      // Leave the committed prefix exactly as it was (ENOSPC mid-write, say).
      await this.fh!.truncate(this.end).catch(() => undefined);
      throw e;
    }
    this.end += t.length;
    for (const [n, b] of blocks) this.noteLive(n, b.length);
    if (this.end > 2 * this.liveBytes + SLACK_BYTES) await this.compact();
  }

  /** Rewrite the journal as one transaction holding the live state. */
  private async compact(): Promise<void> {
    const r = replayOverlayFile(readFileSync(this.path));
    if (r.meta === null) return;
    const file = encodeOverlayFile(r.blocks, r.meta);
    atomicWrite(this.dir, JOURNAL, file);
    await this.reopen();
    this.end = file.length;
  }

  async replace(c: StoreContents): Promise<void> {
    const file = c.meta === null ? encodeMagic() : encodeOverlayFile(c.blocks, c.meta);
    atomicWrite(this.dir, JOURNAL, file);
    await this.reopen();
    this.end = file.length;
    this.live.clear();
    this.liveBytes = 0;
    if (c.meta !== null) for (const [n, b] of c.blocks) this.noteLive(n, b.length);
  }

  async close(): Promise<void> {
    await this.fh?.close();
    this.fh = null;
    rmSync(join(this.dir, LOCK), { force: true });
  }
}
