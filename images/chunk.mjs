#!/usr/bin/env node
// `node images/chunk.mjs IMAGE [OUTDIR] [--chunk-size BYTES]`: split a disk
// image into a chunked image for hosts and CDNs that mishandle Range
// requests: OUTDIR/NAME.json (the manifest src/vm/storage/http-device.ts
// reads; point image-url / --image at it) and OUTDIR/NAME.chunks/, one file
// per distinct chunk named by the first 32 hex digits of its SHA-256.
// Content-addressed names make every chunk immutable (cache it forever; an
// image rebuilt later shares its unchanged chunks), and all-zero chunks are
// not stored at all (null in the manifest), so sparse images stay small.
import { createHash } from 'node:crypto';
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readSync, renameSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const DEFAULT_CHUNK_SIZE = 128 * 1024;

/**
 * Chunk `image` into `outDir`; returns `{ manifestPath, manifest }`.
 * Existing chunk files are kept (same name = same bytes).
 */
export function chunkImage(image, outDir, { chunkSize = DEFAULT_CHUNK_SIZE, name = basename(image).replace(/\.[^.]*$/, '') } = {}) {
  if (!Number.isSafeInteger(chunkSize) || chunkSize < 4096 || (chunkSize & (chunkSize - 1)) !== 0) {
    throw new Error(`chunk size ${chunkSize} is not a power of two ≥ 4096`);
  }
  const fd = openSync(image, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size === 0) throw new Error(`${image} is empty`);
    const chunkDir = `${name}.chunks`;
    mkdirSync(join(outDir, chunkDir), { recursive: true });
    const whole = createHash('sha256');
    const chunks = [];
    const buf = Buffer.alloc(chunkSize);
    for (let off = 0; off < size; off += chunkSize) {
      const len = Math.min(chunkSize, size - off);
      let got = 0;
      while (got < len) {
        const n = readSync(fd, buf, got, len - got, off + got);
        if (n === 0) throw new Error(`${image} ended early at ${off + got}`);
        got += n;
      }
      const bytes = buf.subarray(0, len);
      whole.update(bytes);
      if (bytes.every((b) => b === 0)) {
        chunks.push(null);
        continue;
      }
      const h = createHash('sha256').update(bytes).digest('hex').slice(0, 32);
      const file = join(outDir, chunkDir, h);
      if (!existsSync(file)) {
        writeFileSync(`${file}.tmp`, bytes);
        renameSync(`${file}.tmp`, file);
      }
      chunks.push(h);
    }
    const manifest = {
      format: 'web-vm-chunked-image',
      version: 1,
      size,
      chunkSize,
      chunkCount: chunks.length,
      hash: `sha256:${whole.digest('hex')}`,
      chunkDir: `${chunkDir}/`,
      chunks,
    };
    const manifestPath = join(outDir, `${name}.json`);
    writeFileSync(`${manifestPath}.tmp`, JSON.stringify(manifest) + '\n');
    renameSync(`${manifestPath}.tmp`, manifestPath);
    return { manifestPath, manifest };
  } finally {
    closeSync(fd);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  let chunkSize = DEFAULT_CHUNK_SIZE;
  const k = args.indexOf('--chunk-size');
  if (k >= 0) {
    chunkSize = Number(args[k + 1]);
    args.splice(k, 2);
  }
  if (args.length < 1 || args.length > 2) {
    console.error('usage: node images/chunk.mjs IMAGE [OUTDIR] [--chunk-size BYTES]');
    process.exit(2);
  }
  try {
    const t0 = performance.now();
    const { manifestPath, manifest } = chunkImage(args[0], args[1] ?? '.', { chunkSize });
    const stored = new Set(manifest.chunks.filter((c) => c !== null)).size;
    console.log(`${manifestPath}: ${manifest.chunkCount} chunks of ${chunkSize} bytes, ${stored} stored (${manifest.chunks.filter((c) => c === null).length} all-zero), ${manifest.hash} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  } catch (e) {
    console.error(`chunk: ${e.message}`);
    process.exit(1);
  }
}
