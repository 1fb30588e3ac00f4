import { SharedFile, settleWritebacks } from '../mem/page-cache.js';
import type { PhysicalMemory } from '../mem/phys.js';
import type { FileSystem, Inode } from '../fs/types.js';

/**
 * The kernel's side of the shared page cache (mem/page-cache.ts): one
 * SharedFile per inode (filesystem + inode number) that some MAP_SHARED
 * mapping uses, and the hooks that keep read(2)/write(2)/truncate coherent
 * with those mappings.
 */
const caches = new WeakMap<FileSystem, Map<number, SharedFile>>();
/** Every page cache of one VM (its guest memory), for sync. */
const byVm = new WeakMap<PhysicalMemory, Set<SharedFile>>();

function cacheOf(ino: Inode): SharedFile | undefined {
  return caches.get(ino.fs)?.get(ino.ino);
}

/** The page cache of `ino`, made on its first MAP_SHARED mapping. */
export function sharedFileFor(ino: Inode, phys: PhysicalMemory, name: string): SharedFile {
  let m = caches.get(ino.fs);
  if (m === undefined) caches.set(ino.fs, (m = new Map()));
  let sf = m.get(ino.ino);
  if (sf === undefined) {
    // Hold the inode: an unlinked file (shm_unlink) keeps its data while cached pages may go back to it.
    ino.fs.retain?.(ino);
    const fs = ino.fs;
    const map = m;
    const made: SharedFile = new SharedFile(
      phys,
      {
        read: (offset, length) => fs.read(ino, offset, length),
        write: (offset, data) => {
          if (fs.write === undefined) return Promise.resolve(0);
          return fs.write(ino, offset, data);
        },
        size: () => ino.stat().size,
        dispose: () => {
          if (map.get(ino.ino) !== made) return;
          map.delete(ino.ino);
          byVm.get(phys)?.delete(made);
          void fs.release?.(ino);
        },
      },
      name,
    );
    sf = made;
    m.set(ino.ino, sf);
    let all = byVm.get(phys);
    if (all === undefined) byVm.set(phys, (all = new Set()));
    all.add(sf);
  }
  return sf;
}

/**
 * Before the file's bytes are read (read(2), a private page-in) or its size changes: stores
 * through mappings reach it. Undefined (nothing to wait for) when the file has no page cache.
 */
export function flushInode(ino: Inode): Promise<void> | undefined {
  const sf = cacheOf(ino);
  if (sf === undefined) return undefined;
  return sf.flush().then(() => {
    if (sf.spaces.size === 0) sf.trim();
  });
}

/** write(2) is about to put `data` at `offset`: mapped pages see it. */
export function noteWrite(ino: Inode, offset: number, data: Uint8Array): void {
  cacheOf(ino)?.noteWrite(offset, data);
}

/** The file was truncated to `size`. */
export function noteTruncate(ino: Inode, size: number): void {
  cacheOf(ino)?.truncated(size);
}

/** sync(2), fsync, shutdown: every page cache of the VM written back. */
export async function flushAllShared(phys: PhysicalMemory): Promise<void> {
  await settleWritebacks();
  for (const sf of [...(byVm.get(phys) ?? [])]) await sf.flush();
}
