// Pages whose Content-Security-Policy limits what may be compiled, as some
// CMS and docs sites send. Two things need it: the JavaScript tier
// (cpu/block-compiler.ts, `new Function`: 'unsafe-eval') and the Wasm JIT
// (src/vm/jit: 'wasm-unsafe-eval', which CSP3 also grants with 'unsafe-eval':
// https://w3c.github.io/webappsec-csp/#can-compile-wasm-bytes). Whatever the
// policy allows, busybox must run right, on the best tier left.
//
// Each policy gets its own document (a srcdoc iframe of this origin with the
// policy in a <meta>): policies only ever tighten a document, so one page
// cannot try several. Each frame starts smoke-worker.js from a blob: URL, as
// the element's bundle starts its own worker, so the worker inherits the
// frame's policy. Expected outputs are what the shell prints by POSIX
// (1+2+…+3000 = 3000·3001/2).
import { equal, ok, askWorker } from './assert.js';

// The loop runs its blocks far past the point where either tier compiles them.
const LOOP = 'i=0; s=0; while [ $i -lt 3000 ]; do i=$((i+1)); s=$((s+i)); done; echo $i $s';
const WANT = '3000 4501500\n';
// 'unsafe-inline': the frame's own script; blob: the worker.
const BASE = "'self' 'unsafe-inline' blob:";
const WASM_WARNING = /'wasm-unsafe-eval'/;

let frames = 0;

/**
 * Run `message` in smoke-worker.js started from a blob: URL by a document
 * under `policy`; resolve with what that document could do itself
 * (pageEval, pageWasm) and the worker's reply.
 */
function inPolicyFrame(policy, message, ms = 55_000) {
  const id = `csp-frame-${frames++}`;
  const workerSrc = `import ${JSON.stringify(new URL('./smoke-worker.js', import.meta.url).href)};`;
  const script = `
    const r = { id: ${JSON.stringify(id)} };
    try { r.pageEval = new Function('return 1')() === 1; } catch { r.pageEval = false; }
    try { new WebAssembly.Module(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0])); r.pageWasm = true; } catch { r.pageWasm = false; }
    const w = new Worker(URL.createObjectURL(new Blob([${JSON.stringify(workerSrc)}], { type: 'text/javascript' })), { type: 'module' });
    w.onmessage = (e) => { r.reply = e.data; w.terminate(); parent.postMessage(r, '*'); };
    w.onerror = (e) => { r.reply = { ok: false, error: 'the worker failed: ' + (e.message || 'its module did not load') }; parent.postMessage(r, '*'); };
    w.postMessage(${JSON.stringify(message)});`;
  const frame = document.createElement('iframe');
  frame.srcdoc = `<!doctype html><meta http-equiv="Content-Security-Policy" content="${policy}"><script>${script}<\/script>`;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (done(), reject(new Error(`the frame under "${policy}" did not answer within ${ms} ms`))), ms);
    const onMessage = (e) => {
      if (e.data?.id !== id) return;
      done();
      if (!e.data.reply.ok) reject(new Error(e.data.reply.error));
      else resolve(e.data);
    };
    const done = () => {
      clearTimeout(timer);
      window.removeEventListener('message', onMessage);
      frame.remove();
    };
    window.addEventListener('message', onMessage);
    document.body.append(frame);
  });
}

const wasmWarnings = (reply) => reply.warnings.filter((w) => WASM_WARNING.test(w));

describe('under a Content-Security-Policy', () => {
  it("without 'unsafe-eval' or 'wasm-unsafe-eval': nothing compiles, the interpreter runs a hot shell loop right, and the console says once why", async () => {
    const r = await inPolicyFrame(`script-src ${BASE}; worker-src 'self' blob:`, { argv: ['/bin/busybox', 'sh', '-c', LOOP] });
    equal(r.pageEval, false, 'the policy forbids eval in the frame');
    equal(r.pageWasm, false, 'and Wasm compilation');
    equal(r.reply.env.evalAllowed, false, 'the blob worker inherits that: no eval');
    equal(r.reply.env.wasmAllowed, false, 'no Wasm compilation');
    equal(r.reply.stdout, WANT, 'stdout');
    equal(r.reply.exitCode, 0, 'exit code');
    equal(r.reply.compiledBlocks, 0, 'nothing was compiled: the interpreter ran it all');
    equal(r.reply.jitModules, 0, 'no Wasm modules');
    equal(wasmWarnings(r.reply).length, 1, `one warning naming 'wasm-unsafe-eval' (warnings: ${JSON.stringify(r.reply.warnings)})`);
  });

  it("with 'unsafe-eval' (no 'wasm-unsafe-eval'): CSP3 lets it compile Wasm too, so the Wasm JIT runs and nothing is said", async () => {
    const r = await inPolicyFrame(`script-src ${BASE} 'unsafe-eval'; worker-src 'self' blob:`, { argv: ['/bin/busybox', 'sh', '-c', LOOP] });
    equal(r.pageEval, true, 'the frame may eval');
    equal(r.pageWasm, true, "the frame may compile Wasm: 'unsafe-eval' covers it");
    equal(r.reply.env.evalAllowed, true, 'the worker may eval');
    equal(r.reply.env.wasmAllowed, true, 'the worker may compile Wasm');
    equal(r.reply.stdout, WANT, 'stdout');
    ok(r.reply.jitModules > 0, `Wasm modules: ${r.reply.jitModules}`);
    equal(r.reply.compiledBlocks, r.reply.jitBlocks, 'every compiled block is in a Wasm module (the JavaScript tier was not used)');
    equal(wasmWarnings(r.reply).length, 0, `no warning (warnings: ${JSON.stringify(r.reply.warnings)})`);
  });

  it("with 'wasm-unsafe-eval' but not 'unsafe-eval': the Wasm JIT compiles without eval", async () => {
    const r = await inPolicyFrame(`script-src ${BASE} 'wasm-unsafe-eval'; worker-src 'self' blob:`, { argv: ['/bin/busybox', 'sh', '-c', LOOP] });
    equal(r.pageEval, false, 'the frame cannot eval');
    equal(r.pageWasm, true, 'the frame may compile Wasm');
    equal(r.reply.env.evalAllowed, false, 'the worker cannot eval');
    equal(r.reply.env.wasmAllowed, true, 'the worker may compile Wasm');
    equal(r.reply.stdout, WANT, 'stdout');
    equal(r.reply.exitCode, 0, 'exit code');
    ok(r.reply.jitModules > 0, `Wasm modules: ${r.reply.jitModules}`);
    equal(r.reply.compiledBlocks, r.reply.jitBlocks, 'every compiled block is in a Wasm module');
    equal(wasmWarnings(r.reply).length, 0, `no warning (warnings: ${JSON.stringify(r.reply.warnings)})`);
  });

  it('jit="eager" under a policy without eval: every block is tried and none compiles, and the loop still runs right', async () => {
    const r = await inPolicyFrame(`script-src ${BASE}; worker-src 'self' blob:`, { argv: ['/bin/busybox', 'sh', '-c', LOOP], jit: 'eager' });
    equal(r.reply.stdout, WANT, 'stdout');
    equal(r.reply.compiledBlocks, 0, 'compiled blocks');
    equal(wasmWarnings(r.reply).length, 1, 'one warning');
  });
});

describe('where WebAssembly cannot be compiled but eval can', () => {
  // No policy does this (see 'unsafe-eval' above); the worker replaces
  // WebAssembly.Module/Instance with ones that throw CompileError, as an
  // embedder that refuses Wasm code would. The JavaScript tier takes over.
  it('the JavaScript tier compiles hot blocks, no Wasm module is made, and the console says once why', async () => {
    const reply = await askWorker(new URL('./smoke-worker.js', import.meta.url), { argv: ['/bin/busybox', 'sh', '-c', LOOP], refuseWasm: true });
    if (!reply.ok) throw new Error(reply.error);
    equal(reply.env.evalAllowed, true, 'this worker may eval');
    equal(reply.env.wasmAllowed, false, 'this worker cannot compile Wasm');
    equal(reply.stdout, WANT, 'stdout');
    equal(reply.jitModules, 0, 'no Wasm modules');
    ok(reply.compiledBlocks > 0, `blocks compiled by the JavaScript tier: ${reply.compiledBlocks}`);
    equal(wasmWarnings(reply).length, 1, `one warning naming 'wasm-unsafe-eval' (warnings: ${JSON.stringify(reply.warnings)})`);
  });
});

describe('without such a policy', () => {
  it('the same loop runs with hot blocks compiled to Wasm', async () => {
    const reply = await askWorker(new URL('./smoke-worker.js', import.meta.url), { argv: ['/bin/busybox', 'sh', '-c', LOOP] });
    if (!reply.ok) throw new Error(reply.error);
    equal(reply.env.evalAllowed, true, 'this worker may eval');
    equal(reply.env.wasmAllowed, true, 'this worker may compile Wasm');
    equal(reply.stdout, WANT, 'stdout');
    ok(reply.jitModules > 0, `Wasm modules: ${reply.jitModules}`);
    equal(reply.compiledBlocks, reply.jitBlocks, 'every compiled block is in a Wasm module');
    equal(reply.warnings.length, 0, `no warnings: ${JSON.stringify(reply.warnings)}`);
  });
});
