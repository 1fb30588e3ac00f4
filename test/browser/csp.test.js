// A page whose Content-Security-Policy forbids eval (no 'unsafe-eval'), as
// some CMS and docs sites send: tier 1 (cpu/block-compiler.ts) compiles hot
// blocks with `new Function`, which such a policy blocks, so the VM must fall
// back to the interpreter and still run correctly. The worker is started
// from a blob: URL, as the element's bundle starts its own, so it inherits
// this document's policy. Expected outputs are what the shell prints by POSIX.
import { equal, ok, askWorker } from './assert.js';

// The loop runs its blocks far past the point where they would be compiled.
const LOOP = 'i=0; s=0; while [ $i -lt 3000 ]; do i=$((i+1)); s=$((s+i)); done; echo $i $s';

describe('under a Content-Security-Policy without unsafe-eval', () => {
  before(() => {
    const meta = document.createElement('meta');
    meta.httpEquiv = 'Content-Security-Policy';
    // 'unsafe-inline': the test runner's own page scripts; blob: the worker.
    meta.content = "script-src 'self' 'unsafe-inline' blob:; worker-src 'self' blob:";
    document.head.append(meta);
  });

  it('the page cannot eval, a blob worker inherits that, and busybox still runs a hot shell loop right', async () => {
    let pageEval = true;
    try {
      new Function('return 1')();
    } catch {
      pageEval = false;
    }
    equal(pageEval, false, 'the policy is in force on the page');
    const src = `import ${JSON.stringify(new URL('./smoke-worker.js', import.meta.url).href)};`;
    const url = URL.createObjectURL(new Blob([src], { type: 'text/javascript' }));
    const reply = await askWorker(url, { argv: ['/bin/busybox', 'sh', '-c', LOOP] });
    if (!reply.ok) throw new Error(reply.error);
    equal(reply.env.evalAllowed, false, 'the worker cannot eval either');
    equal(reply.stdout, '3000 4501500\n', 'stdout');
    equal(reply.exitCode, 0, 'exit code');
    equal(reply.compiledBlocks, 0, 'nothing was compiled: the interpreter ran it all');
  });
});

describe('without such a policy', () => {
  it('the same loop runs with hot blocks compiled', async () => {
    const reply = await askWorker(new URL('./smoke-worker.js', import.meta.url), { argv: ['/bin/busybox', 'sh', '-c', LOOP] });
    if (!reply.ok) throw new Error(reply.error);
    equal(reply.env.evalAllowed, true, 'this worker may eval');
    equal(reply.stdout, '3000 4501500\n', 'stdout');
    ok(reply.compiledBlocks > 0, `compiled blocks: ${reply.compiledBlocks}`);
  });
});
