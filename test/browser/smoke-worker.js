// Module worker for smoke.test.js: loads the VM core the way the element's
// worker will (ES modules from the server), fetches the busybox image whole,
// runs one program and posts back what it printed.
const decoder = new TextDecoder();
const join = (chunks) => decoder.decode(chunks.reduce((acc, c) => {
  const out = new Uint8Array(acc.length + c.length);
  out.set(acc); out.set(c, acc.length);
  return out;
}, new Uint8Array(0)));

/** Whether this worker may compile code from strings (a Content-Security-Policy without 'unsafe-eval' forbids it). */
function evalAllowed() {
  try {
    return new Function('return 1')() === 1;
  } catch {
    return false;
  }
}

self.onmessage = async (e) => {
  const { argv, memoryMb = 64 } = e.data;
  const env = { crossOriginIsolated: self.crossOriginIsolated, sharedArrayBuffer: typeof SharedArrayBuffer, evalAllowed: evalAllowed() };
  let vm;
  try {
    // Dynamic import, so a missing or broken core is reported as a message, not a bare worker error.
    vm = await import('/build/src/vm/index.js');
  } catch (err) {
    self.postMessage({ ok: false, env, error: `could not load /build/src/vm/index.js (is the core built?): ${err?.stack || err}` });
    return;
  }
  try {
    // Against this module's URL: the worker's own base may be a blob: URL (csp.test.js).
    const manifest = await (await fetch(new URL('/.cache/images/busybox.json', import.meta.url))).json();
    const res = await fetch(new URL(`/.cache/images/${manifest.image}`, import.meta.url));
    if (!res.ok) throw new Error(`GET /.cache/images/${manifest.image} answered ${res.status}`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    const stdout = [], stderr = [];
    const t0 = performance.now();
    const result = await vm.runProgram({
      device: new vm.MemoryBlockDevice(bytes),
      argv,
      env: ['PATH=/bin', 'HOME=/root', 'TERM=dumb'],
      cwd: '/',
      memoryMb,
      stdout: (d) => stdout.push(d.slice()),
      stderr: (d) => stderr.push(d.slice()),
      stdin: async () => null,
    });
    self.postMessage({
      ok: true, env, ms: performance.now() - t0,
      stdout: join(stdout), stderr: join(stderr),
      exitCode: result.exitCode, signal: result.signal, instructions: result.instructions,
      compiledBlocks: result.compiledBlocks,
    });
  } catch (err) {
    self.postMessage({ ok: false, env, error: String(err?.stack || err) });
  }
};
