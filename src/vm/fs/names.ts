/**
 * File names and symlink targets are byte strings in Linux: any byte but
 * NUL (and '/' inside a name). Everywhere in src/vm/fs — and in the
 * interfaces of ./types.ts — a name is a JS string holding one byte per
 * UTF-16 code unit, 0x00–0xFF ("latin1"/"binary" strings), so that every
 * byte sequence round-trips exactly. The kernel converts guest memory to
 * such strings and back without any UTF-8 decoding; a UI that shows names
 * to a person decodes them as UTF-8 itself.
 *
 * Do not use TextDecoder('latin1') for this: per the WHATWG Encoding
 * standard that label means windows-1252, which remaps 0x80–0x9F.
 */

/** Bytes [start, start+length) of `bytes` as a byte string. */
export function bytesToName(bytes: Uint8Array, start: number, length: number): string {
  // Names are at most 255 bytes and link targets 4095, far below any
  // argument-count limit of apply().
  return String.fromCharCode.apply(null, bytes.subarray(start, start + length) as unknown as number[]);
}

/** Whether `bytes[start .. start+length)` spells `name`, without allocating. */
export function nameEquals(name: string, bytes: Uint8Array, start: number, length: number): boolean {
  if (name.length !== length) return false;
  for (let i = 0; i < length; i++) {
    if (name.charCodeAt(i) !== bytes[start + i]) return false;
  }
  return true;
}
