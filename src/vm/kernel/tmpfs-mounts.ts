import { resolve } from '../fs/path.js';
import { TmpFs } from '../fs/tmpfs.js';
import { S_IFDIR, S_IFMT } from '../fs/types.js';
import type { Kernel } from './kernel.js';

/**
 * tmpfs on /tmp and /dev/shm, as Debian mounts them (when the image has the
 * directory). Each is bounded like Linux's default tmpfs: half the VM's
 * memory, so a guest filling /tmp gets ENOSPC instead of taking the host tab down.
 */
export async function mountTmpfs(k: Kernel): Promise<void> {
  const half = Math.floor((k.opts.memoryMb * 1024 * 1024) / 2);
  const mounts: [string, number, number][] = [['/tmp', 0x1a, 0o1777], ['/dev/shm', 0x1b, 0o1777]];
  for (const [path, dev] of mounts) {
    try {
      const dir = await resolve(k.rootInode, k.rootInode, path, { followLast: true, mounts: k.mounts });
      // Resolution crosses into a tmpfs mounted by an earlier call: `dir` is then that tmpfs's root.
      if ((dir.mode & S_IFMT) !== S_IFDIR || k.mounts.mountedOn(dir) !== undefined || k.mounts.mountpointOf(dir) !== undefined) continue;
      const fs = new TmpFs(dev, half, () => k.now());
      k.mounts.mount(dir, await fs.root());
      k.mountLines.push({ source: 'tmpfs', target: path, type: 'tmpfs', opts: `rw,nosuid,nodev${path === '/tmp' ? '' : ',noexec'},size=${half >> 10}k`, dev });
    } catch {
      // No such directory in the image: nothing is mounted there.
    }
  }
}
