// Module worker for smoke.test.js and csp.test.js: loads the VM core the way
// the element's worker will (ES modules from the server), fetches the busybox
// image whole, runs one program and posts back what it printed, which tiers
// could run here, what the JIT compiled, and the console warnings of the VM.
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

/** Whether this worker may compile WebAssembly (a policy with neither 'wasm-unsafe-eval' nor 'unsafe-eval' forbids it). */
function wasmAllowed() {
  try {
    new WebAssembly.Module(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
    return true;
  } catch {
    return false;
  }
}

// The VM's console warnings (it says once why the JIT is off), kept to be posted back.
const warnings = [];
const realWarn = console.warn.bind(console);
console.warn = (...args) => {
  warnings.push(args.map(String).join(' '));
  realWarn(...args);
};

/**
 * Stand in for a realm that refuses to compile WebAssembly but may eval (no
 * Content-Security-Policy does that: CSP3 lets 'unsafe-eval' allow Wasm too).
 * WebAssembly.Memory stays: the VM's memory is one, and it is not compiled code.
 * The error is the one Chromium throws under such a policy.
 */
function refuseWasmCompilation() {
  const refuse = () => {
    throw new WebAssembly.CompileError("WebAssembly.Module(): Refused to compile or instantiate WebAssembly module because 'wasm-unsafe-eval' is not an allowed source of script (simulated by the test)");
  };
  WebAssembly.Module = function Module() { refuse(); };
  WebAssembly.Instance = function Instance() { refuse(); };
  WebAssembly.compile = async () => refuse();
  WebAssembly.instantiate = async () => refuse();
}

self.onmessage = async (e) => {
  const { argv, memoryMb = 64, jit, refuseWasm = false } = e.data;
  if (refuseWasm) refuseWasmCompilation();
  const env = { crossOriginIsolated: self.crossOriginIsolated, sharedArrayBuffer: typeof SharedArrayBuffer, evalAllowed: evalAllowed(), wasmAllowed: wasmAllowed() };
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
      jit,
      stdout: (d) => stdout.push(d.slice()),
      stderr: (d) => stderr.push(d.slice()),
      stdin: async () => null,
    });
    self.postMessage({
      ok: true, env, ms: performance.now() - t0,
      stdout: join(stdout), stderr: join(stderr),
      exitCode: result.exitCode, signal: result.signal, instructions: result.instructions,
      compiledBlocks: result.compiledBlocks, jitModules: result.jitModules, jitBlocks: result.jitBlocks,
      warnings,
    });
  } catch (err) {
    self.postMessage({ ok: false, env, error: String(err?.stack || err) });
  }
};
