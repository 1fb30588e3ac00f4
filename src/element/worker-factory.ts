/**
 * Starts the VM's module worker. This file is the unbundled version (the
 * element imported from build/ or an npm install): the worker script sits
 * next to this module. The CDN bundle replaces this module with one that
 * starts the worker from source embedded in the bundle (rollup.config.mjs),
 * so one file is all a page loads.
 *
 * `new Worker(url)` throws a SecurityError when `url` is on another origin
 * than the page (a CDN), whatever CORS says. A module worker started from a
 * Blob URL belongs to the page's origin and may import the cross-origin
 * script (CORS applies to module imports), so that is the fallback here.
 */
export function createVmWorker(): Worker {
  const url = new URL('../worker/worker.js', import.meta.url);
  if (url.origin === location.origin) return new Worker(url, { type: 'module', name: 'web-vm' });
  const shim = new Blob([`import ${JSON.stringify(url.href)};`], { type: 'text/javascript' });
  const blobUrl = URL.createObjectURL(shim);
  try {
    return new Worker(blobUrl, { type: 'module', name: 'web-vm' });
  } finally {
    // The worker has its own reference to the script once started; revoking later is safe.
    setTimeout(() => URL.revokeObjectURL(blobUrl), 60_000);
  }
}
