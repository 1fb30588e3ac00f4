// The ground the VM stands on in a browser: a module worker, a large
// WebAssembly.Memory with no SharedArrayBuffer, and a dev server that hands
// out build output and disk images (whole and by byte range).
import { equal, ok, askWorker } from './assert.js';

describe('browser platform', () => {
  it('is not cross-origin isolated (the VM must not need SharedArrayBuffer)', () => {
    console.log(`crossOriginIsolated=${self.crossOriginIsolated} typeof SharedArrayBuffer=${typeof SharedArrayBuffer}`);
    // Embedding pages usually send no COOP/COEP headers; neither does the test server.
    equal(self.crossOriginIsolated, false, 'test page crossOriginIsolated');
  });

  it('runs a module worker that allocates a 256 MiB WebAssembly.Memory', async () => {
    const reply = await askWorker(new URL('./memory-worker.js', import.meta.url), { mib: 256 });
    equal(reply.byteLength, 256 * 1024 * 1024, 'Memory byteLength');
    equal(reply.first, 0x5a, 'first byte written and read back');
    equal(reply.last, 0xa5, 'last byte written and read back');
    equal(reply.isShared, false, 'memory buffer is a SharedArrayBuffer');
    equal(reply.crossOriginIsolated, false, 'worker crossOriginIsolated');
  });

  it('serves the busybox image manifest and image from /.cache/ (hidden dirs are served)', async () => {
    const res = await fetch('/.cache/images/busybox.json');
    equal(res.status, 200, 'GET /.cache/images/busybox.json (run `npm run images` first)');
    const manifest = await res.json();
    ok(/^busybox-[0-9a-f]+\.ext2$/.test(manifest.image), `manifest names an image: ${manifest.image}`);
    const head = await fetch(`/.cache/images/${manifest.image}`, { method: 'HEAD' });
    equal(head.status, 200, 'HEAD image');
    equal(Number(head.headers.get('content-length')), manifest.bytes, 'image size');
  });

  it('answers byte-range requests on images (ext2 superblock magic at 1024+56)', async () => {
    const { image } = await (await fetch('/.cache/images/busybox.json')).json();
    const res = await fetch(`/.cache/images/${image}`, { headers: { Range: 'bytes=1024-2047' } });
    equal(res.status, 206, 'range status');
    equal(res.headers.get('content-range')?.split('/')[0], 'bytes 1024-2047', 'content-range');
    const sb = new DataView(await res.arrayBuffer());
    equal(sb.byteLength, 1024, 'range length');
    // ext2 superblock: s_magic (le16) at offset 56 is 0xEF53 (ext2 spec, "Superblock").
    equal(sb.getUint16(56, true), 0xef53, 'ext2 magic');
    // s_log_block_size at offset 24: block size = 1024 << n; the image uses 4 KiB blocks.
    equal(1024 << sb.getUint32(24, true), 4096, 'block size');
  });

  it('serves compiled modules from /build/', async () => {
    const res = await fetch('/build/src/vm/storage/block-device.js');
    equal(res.status, 200, 'GET /build/src/vm/storage/block-device.js (run `npm run build:ts` first)');
    const { MemoryBlockDevice } = await import('/build/src/vm/storage/block-device.js');
    const dev = new MemoryBlockDevice(new Uint8Array([1, 2, 3, 4]));
    equal(dev.size, 4, 'MemoryBlockDevice size');
    equal((await dev.read(1, 2)).join(','), '2,3', 'MemoryBlockDevice read');
  });
});
