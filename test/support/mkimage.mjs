// Shared by the test suites and images/: build ext2 images with `mke2fs -d`
// (no root needed) and cache them under .cache/ by a hash of their recipe.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const cacheDir = join(repoRoot, '.cache');

/** Stable hex digest of anything JSON-serialisable plus optional file contents. */
export function recipeHash(...parts) {
  const h = createHash('sha256');
  for (const p of parts) h.update(typeof p === 'string' || p instanceof Uint8Array ? p : JSON.stringify(p));
  return h.digest('hex').slice(0, 16);
}

/**
 * Make an ext2 image at `out` holding the tree at `srcDir`.
 * `opts.blockSize` (1024/2048/4096), `opts.sizeKb` (image size), `opts.rev` (0 or 1),
 * `opts.extra` (more mke2fs args).
 */
export function makeExt2Image(srcDir, out, opts = {}) {
  const blockSize = opts.blockSize ?? 4096;
  const sizeKb = opts.sizeKb ?? 16384;
  mkdirSync(dirname(out), { recursive: true });
  const tmp = `${out}.tmp-${process.pid}`;
  rmSync(tmp, { force: true });
  const args = ['-q', '-F', '-t', 'ext2', '-b', String(blockSize), '-d', srcDir];
  if (opts.rev === 0) args.push('-r', '0');
  if (opts.extra) args.push(...opts.extra);
  args.push(tmp, `${sizeKb}k`);
  execFileSync('mke2fs', args, { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, E2FSPROGS_FAKE_TIME: '1700000000' } });
  renameSync(tmp, out);
  return out;
}

/** Return `out` if it exists, else build it with `build(out)` first. */
export function cached(out, build) {
  if (!existsSync(out)) build(out);
  return out;
}
