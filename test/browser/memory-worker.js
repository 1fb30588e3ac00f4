// Module worker for worker.test.js: proves module workers load (including a
// static import), that a 256 MiB WebAssembly.Memory can be allocated and
// touched at both ends, and reports what isolation the page has.
import { PAGE_BYTES } from './memory-worker-constants.js';

self.onmessage = (e) => {
  const { mib } = e.data;
  const memory = new WebAssembly.Memory({ initial: (mib * 1024 * 1024) / PAGE_BYTES });
  const bytes = new Uint8Array(memory.buffer);
  bytes[0] = 0x5a;
  bytes[bytes.length - 1] = 0xa5;
  self.postMessage({
    byteLength: memory.buffer.byteLength,
    first: bytes[0],
    last: bytes[bytes.length - 1],
    isShared: typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer,
    sharedArrayBuffer: typeof SharedArrayBuffer,
    crossOriginIsolated: self.crossOriginIsolated,
  });
};
