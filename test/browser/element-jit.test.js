// <web-vm jit="…">: the attribute reaches the VM in the element's own worker.
// The element shows no counters, so the test watches its worker: window.Worker
// is swapped for a subclass that records the worker and what the element sends
// it (the boot request), and asks that worker for its counters with the
// protocol's `stats` request (src/worker/protocol.ts). Expected output: the
// shell's arithmetic, 1+2+…+3000 = 3000·3001/2.
import { equal, ok } from './assert.js';
import { busyboxUrl, mount, nextEvent } from './element-support.js';
import '/build/src/index.js';

const ENV = 'PATH=/bin;HOME=/root';
const LOOP = 'i=0; s=0; while [ $i -lt 3000 ]; do i=$((i+1)); s=$((s+i)); done; echo $i $s';

const workers = [];
const RealWorker = window.Worker;
class WatchedWorker extends RealWorker {
  constructor(url, opts) {
    super(url, opts);
    this.sent = [];
    workers.push(this);
  }
  postMessage(m, transfer) {
    this.sent.push(m);
    super.postMessage(m, transfer);
  }
}

/** The worker's counters, through the protocol (ids far above the element's own). */
let nextId = 1e9;
function stats(worker) {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no stats reply within 10 s')), 10_000);
    worker.addEventListener('message', function onReply(e) {
      if (e.data.kind !== 'reply' || e.data.id !== id) return;
      clearTimeout(timer);
      worker.removeEventListener('message', onReply);
      if (e.data.ok) resolve(e.data.result);
      else reject(new Error(e.data.error.message));
    });
    worker.postMessage({ kind: 'request', id, op: 'stats', params: {} });
  });
}

const bootParams = (w) => w.sent.find((m) => m.kind === 'request' && m.op === 'boot')?.params;

const cleanup = [];
before(() => (window.Worker = WatchedWorker));
after(() => (window.Worker = RealWorker));
afterEach(() => {
  for (const el of cleanup.splice(0)) el.remove();
});
const track = (el) => (cleanup.push(el), el);

describe('<web-vm jit>', () => {
  it('defaults to on and reflects the attribute as the jit property', async () => {
    const el = track(mount({ loading: 'click' }));
    await el.updateComplete;
    equal(el.jit, 'on', 'default');
    el.setAttribute('jit', 'eager');
    equal(el.jit, 'eager', 'jit → jit');
    el.setAttribute('jit', 'off');
    equal(el.jit, 'off', 'jit → jit');
  });

  it('eager and off run the same shell loop to the same output; eager compiled blocks to Wasm, off nothing; a change applies at the next start', async () => {
    const el = track(mount({ 'image-url': await busyboxUrl(), cmd: '', env: ENV, 'memory-mb': '32', jit: 'eager', loading: 'eager' }));
    const before = workers.length;
    await el.ready;
    equal(workers.length, before + 1, 'one worker started');
    const eagerWorker = workers.at(-1);
    equal(bootParams(eagerWorker)?.jit, 'eager', 'the boot request carries jit');
    const eager = await el.exec('/bin/sh', ['-c', LOOP]);
    const eagerStats = await stats(eagerWorker);

    // Like memory-mb: changing jit does not restart a running VM ...
    el.setAttribute('jit', 'off');
    await el.updateComplete;
    equal(workers.length, before + 1, 'no new worker on a jit change');
    // ... the next start takes it.
    await el.stop();
    await el.start();
    equal(workers.length, before + 2, 'a new worker after stop/start');
    const offWorker = workers.at(-1);
    equal(bootParams(offWorker)?.jit, 'off', 'the new boot request carries the new jit');
    const off = await el.exec('/bin/sh', ['-c', LOOP]);
    const offStats = await stats(offWorker);

    equal(eager.stdout, '3000 4501500\n', 'eager stdout');
    equal(eager.exitCode, 0, 'eager exit code');
    equal(off.stdout, eager.stdout, 'off stdout');
    equal(off.exitCode, 0, 'off exit code');
    ok(eagerStats.compiledBlocks > 0, `eager compiled blocks: ${eagerStats.compiledBlocks}`);
    ok(eagerStats.jitModules > 0, `eager Wasm modules: ${eagerStats.jitModules}`);
    equal(offStats.compiledBlocks, 0, 'off compiled blocks');
    equal(offStats.jitModules, 0, 'off Wasm modules');
    ok(offStats.instructions > 1e6, `off ran the loop on the interpreter: ${offStats.instructions} instructions`);
  });

  it('an invalid jit is an attribute error, and no worker starts', async () => {
    const before = workers.length;
    const el = track(mount({ 'image-url': await busyboxUrl(), cmd: '', env: ENV, 'memory-mb': '32', jit: 'turbo', loading: 'eager' }));
    const err = await nextEvent(el, 'web-vm-error');
    equal(err.detail.type, 'attribute', 'detail.type');
    ok(/jit must be on, off or eager; got turbo/.test(err.detail.message), `message: ${err.detail.message}`);
    equal(workers.length, before, 'no worker');
    let rejected = null;
    await el.ready.catch((e) => (rejected = e));
    equal(rejected?.type, 'attribute', 'ready rejects with the same type');
    await el.updateComplete;
    const panel = el.shadowRoot.querySelector('[part=error]');
    ok(panel && /jit must be/.test(panel.textContent), 'the error panel says it');
  });
});
