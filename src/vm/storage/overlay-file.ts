/**
 * The byte format of a saved overlay: the Node store's journal and the
 * export/import file (one format, so an exported file is a journal that was
 * compacted to one transaction).
 *
 *   "WEBVMOV1"                                      8-byte magic
 *   record*    u32 LE payload length, u32 LE CRC-32 of the payload, payload
 *   payload    u8 kind, then
 *                1 meta:   UTF-8 JSON (StoreMeta)
 *                2 block:  f64 LE chunk number, then the chunk's bytes
 *                3 commit: f64 LE generation — ends a transaction
 *
 * Records after the last commit record (a write cut short by a crash) are
 * not part of the state; a damaged record (bad CRC, short) ends the journal.
 */
import type { ImageIdentity } from './block-device.js';
import { StorageError } from './errors.js';

export const OVERLAY_MAGIC = 'WEBVMOV1';
const KIND_META = 1;
const KIND_BLOCK = 2;
const KIND_COMMIT = 3;

/** What a store remembers besides the changed blocks. */
export interface StoreMeta {
  /** The base image the changes were made against. */
  image: ImageIdentity;
  /** Bytes per overlay chunk. */
  blockSize: number;
  /** Commits so far (1 after the first). */
  generation: number;
  /** Wall-clock ms of the last commit. */
  savedAt: number;
}

const CRC_TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

/** CRC-32 (IEEE 802.3, as zlib's crc32). */
export function crc32(b: Uint8Array): number {
  let c = -1;
  for (let i = 0; i < b.length; i++) c = CRC_TABLE[(c ^ b[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

export function encodeMagic(): Uint8Array {
  return new TextEncoder().encode(OVERLAY_MAGIC);
}

/** One transaction: every block, the meta, and the commit record that makes them count. */
export function encodeTransaction(blocks: Map<number, Uint8Array>, meta: StoreMeta): Uint8Array {
  const metaBytes = new TextEncoder().encode(JSON.stringify(meta));
  let total = 8 + 1 + metaBytes.length + 8 + 1 + 8;
  for (const b of blocks.values()) total += 8 + 1 + 8 + b.length;
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  let at = 0;
  const record = (kind: number, num: number | null, body: Uint8Array | null) => {
    const start = at + 8;
    out[start] = kind;
    let p = start + 1;
    if (num !== null) {
      dv.setFloat64(p, num, true);
      p += 8;
    }
    if (body !== null) {
      out.set(body, p);
      p += body.length;
    }
    dv.setUint32(at, p - start, true);
    dv.setUint32(at + 4, crc32(out.subarray(start, p)), true);
    at = p;
  };
  for (const [n, b] of blocks) record(KIND_BLOCK, n, b);
  record(KIND_META, null, metaBytes);
  record(KIND_COMMIT, meta.generation, null);
  return out;
}

/** A whole file holding `blocks` and `meta` as one transaction (export; a compacted journal). */
export function encodeOverlayFile(blocks: Map<number, Uint8Array>, meta: StoreMeta): Uint8Array {
  const t = encodeTransaction(blocks, meta);
  const out = new Uint8Array(8 + t.length);
  out.set(encodeMagic());
  out.set(t, 8);
  return out;
}

export interface Replayed {
  meta: StoreMeta | null;
  blocks: Map<number, Uint8Array>;
  /** Byte length of the committed prefix; anything after it is a torn write. */
  committedEnd: number;
}

/** Apply every committed transaction of a journal / overlay file. */
export function replayOverlayFile(bytes: Uint8Array): Replayed {
  if (bytes.length < 8 || new TextDecoder().decode(bytes.subarray(0, 8)) !== OVERLAY_MAGIC) {
    throw new StorageError('bad-export', `not a web-vm overlay file (no ${OVERLAY_MAGIC} header)`);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const blocks = new Map<number, Uint8Array>();
  let meta: StoreMeta | null = null;
  let committedEnd = 8;
  let pending = new Map<number, Uint8Array>();
  let pendingMeta: StoreMeta | null = null;
  let at = 8;
  while (at + 8 <= bytes.length) {
    const len = dv.getUint32(at, true);
    const crc = dv.getUint32(at + 4, true);
    if (len < 1 || at + 8 + len > bytes.length) break;
    const payload = bytes.subarray(at + 8, at + 8 + len);
    if (crc32(payload) !== crc) break;
    const kind = payload[0];
    if (kind === KIND_BLOCK && len >= 9) {
      pending.set(dv.getFloat64(at + 9, true), payload.slice(9));
    } else if (kind === KIND_META) {
      try {
        pendingMeta = JSON.parse(new TextDecoder().decode(payload.subarray(1))) as StoreMeta;
      } catch {
        break;
      }
    } else if (kind === KIND_COMMIT && len === 9) {
      for (const [n, b] of pending) blocks.set(n, b);
      if (pendingMeta !== null) meta = pendingMeta;
      pending = new Map();
      pendingMeta = null;
      committedEnd = at + 8 + len;
    } else {
      break;
    }
    at += 8 + len;
  }
  return { meta, blocks, committedEnd };
}

/** Parse an exported overlay file strictly: it must be whole and committed. */
export function decodeOverlayFile(bytes: Uint8Array): { meta: StoreMeta; blocks: Map<number, Uint8Array> } {
  const r = replayOverlayFile(bytes);
  if (r.meta === null || r.committedEnd !== bytes.length) {
    throw new StorageError('bad-export', `the overlay file is damaged or cut short (${bytes.length - r.committedEnd} bytes after the last good transaction)`);
  }
  const m = r.meta;
  if (typeof m.image?.url !== 'string' || !Number.isSafeInteger(m.image.size) || !Number.isSafeInteger(m.blockSize)) {
    throw new StorageError('bad-export', 'the overlay file has no valid image identity');
  }
  for (const [n, b] of r.blocks) {
    if (!Number.isSafeInteger(n) || n < 0 || n * m.blockSize >= m.image.size || b.length !== Math.min(m.blockSize, m.image.size - n * m.blockSize)) {
      throw new StorageError('bad-export', `the overlay file holds a block (${n}) that does not fit its image`);
    }
  }
  return { meta: m, blocks: r.blocks };
}
