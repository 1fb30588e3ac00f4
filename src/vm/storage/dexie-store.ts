/**
 * The browser's ChangeStore: one IndexedDB database per persist-key (through
 * Dexie), with a `blocks` table (chunk number → bytes) and a `meta` table
 * (the StoreMeta under key 'meta'). Each commit is one readwrite
 * transaction over both tables in which only the Dexie writes are awaited,
 * so IndexedDB never auto-commits halfway. Runs in a worker or a page; not
 * imported by the VM core (index.ts), so Node never loads Dexie.
 */
import { Dexie, type Table } from 'dexie/dist/dexie.mjs';
import type { ChangeStore, StoreContents } from './persist.js';
import type { StoreMeta } from './overlay-file.js';
import { StorageError, isQuotaError } from './errors.js';

/** The IndexedDB database name for a persist-key. */
export function dexieDatabaseName(persistKey: string): string {
  return `web-vm:${persistKey}`;
}

export class DexieChangeStore implements ChangeStore {
  private readonly blocks: Table<Uint8Array, number>;
  private readonly meta: Table<StoreMeta, string>;

  constructor(
    private readonly db: Dexie,
    readonly name: string,
  ) {
    this.blocks = db.table('blocks');
    this.meta = db.table('meta');
  }

  async load(): Promise<StoreContents> {
    return this.wrap('reading saved changes', () =>
      this.db.transaction('r', this.blocks, this.meta, async () => {
        const keys = await this.blocks.toCollection().primaryKeys();
        const values = await this.blocks.toArray();
        const meta = (await this.meta.get('meta')) ?? null;
        const blocks = new Map<number, Uint8Array>();
        keys.forEach((k, i) => blocks.set(k, new Uint8Array(values[i]!)));
        return { meta, blocks };
      }),
    );
  }

  async commit(blocks: Map<number, Uint8Array>, meta: StoreMeta): Promise<void> {
    const keys = [...blocks.keys()];
    const values = [...blocks.values()];
    await this.wrap('saving changes', () =>
      this.db.transaction('rw', this.blocks, this.meta, () => Promise.all([this.blocks.bulkPut(values, keys), this.meta.put(meta, 'meta')])),
    );
  }

  async replace(c: StoreContents): Promise<void> {
    const keys = [...c.blocks.keys()];
    const values = [...c.blocks.values()];
    await this.wrap('replacing saved changes', () =>
      this.db.transaction('rw', this.blocks, this.meta, async () => {
        await Promise.all([this.blocks.clear(), this.meta.clear()]);
        if (c.meta !== null) await Promise.all([this.blocks.bulkPut(values, keys), this.meta.put(c.meta, 'meta')]);
      }),
    );
  }

  async close(): Promise<void> {
    this.db.close();
  }

  /** IndexedDB failures as StorageErrors: 'quota' however the quota error is wrapped, else 'store'. */
  private async wrap<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (isQuotaError(e)) {
        throw new StorageError('quota', `storage quota exceeded ${what} for ${this.name}: the changes are kept in memory and retried; free space, or export and reset()`, e);
      }
      throw new StorageError('store', `IndexedDB failed ${what} for ${this.name}: ${(e as Error).message ?? e}`, e);
    }
  }
}

/** Open (creating if needed) the store of `persistKey`. */
export async function openDexieStore(persistKey: string): Promise<DexieChangeStore> {
  const name = dexieDatabaseName(persistKey);
  // 'strict': a commit resolves only once the data is flushed to disk, as fsync promises
  // (Chrome's default durability is 'relaxed': survives a tab crash, not a power cut).
  const db = new Dexie(name, { chromeTransactionDurability: 'strict' });
  // Out-of-line keys: blocks by chunk number, meta by name.
  db.version(1).stores({ blocks: '', meta: '' });
  try {
    await db.open();
  } catch (e) {
    throw new StorageError(isQuotaError(e) ? 'quota' : 'store', `cannot open IndexedDB database ${name}: ${(e as Error).message ?? e}`, e);
  }
  return new DexieChangeStore(db, `persist-key "${persistKey}"`);
}

/** Delete a persist-key's database outright (its changes are gone). */
export async function deleteDexieStore(persistKey: string): Promise<void> {
  await Dexie.delete(dexieDatabaseName(persistKey));
}
