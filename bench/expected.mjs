// Outputs of bench workloads computed here independently of any x86 code, so
// a workload is checked against its specification and not only against the
// reference run of the same binary (which would agree with a wrong program).
import { createHash } from 'node:crypto';

/** sha256.c's output: Node's SHA-256 of "abc" and of the same 16 MiB of xorshift32 words (little-endian). */
function sha256() {
  const size = 16 << 20;
  const data = new DataView(new ArrayBuffer(size));
  let s = 2463534242;
  for (let i = 0; i < size; i += 4) {
    s = (s ^ (s << 13)) >>> 0;
    s = (s ^ (s >>> 17)) >>> 0;
    s = (s ^ (s << 5)) >>> 0;
    data.setUint32(i, s, true);
  }
  const hex = (d) => createHash('sha256').update(d).digest('hex');
  return `sha256(abc) ${hex('abc')}\nsha256(16 MiB xorshift32) ${hex(new Uint8Array(data.buffer))}\n`;
}

const EXPECTED = { sha256 };

/** The output workload `name` must print, or null when only the reference run says. */
export function expectedOutput(name) {
  return EXPECTED[name]?.() ?? null;
}
