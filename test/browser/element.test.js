// <web-vm> in Chromium, on a page without COOP/COEP: upgrade and defaults,
// a command's output in the terminal buffer, typed input, exec/writeFile/
// readFile, events with their details, errors, loading policies, several
// instances. Expected outputs are what the shell commands print by POSIX.
import { equal, ok } from './assert.js';
import { busyboxUrl, mount, nextEvent, requestCount, screenText, uniqueKey, waitForScreen } from './element-support.js';
import { WebVm } from '/build/src/index.js';

const ENV = 'PATH=/bin;HOME=/root';
const cleanup = [];
afterEach(() => {
  for (const el of cleanup.splice(0)) el.remove();
});
const track = (el) => (cleanup.push(el), el);

describe('<web-vm>', () => {
  it('upgrades, has defaults, reflects attributes to properties, and renders at a default size', async () => {
    equal(customElements.get('web-vm'), WebVm, 'registered class');
    const el = track(mount({ loading: 'click' }));
    await el.updateComplete;
    ok(el instanceof WebVm, 'upgraded');
    equal(el.memoryMb, 256, 'memoryMb default');
    equal(el.loading, 'click', 'loading');
    equal(el.imageUrl, null, 'imageUrl default');
    el.setAttribute('memory-mb', '64');
    el.setAttribute('image-url', '/x.ext2');
    el.setAttribute('persist-key', 'k');
    equal(el.memoryMb, 64, 'memory-mb → memoryMb');
    equal(el.imageUrl, '/x.ext2', 'image-url → imageUrl');
    equal(el.persistKey, 'k', 'persist-key → persistKey');
    const r = el.getBoundingClientRect();
    equal(r.width, 640, 'default width');
    equal(r.height, 360, 'default height');
    el.style.width = '300px';
    el.style.height = '200px';
    equal(el.getBoundingClientRect().width, 300, 'CSS width wins');
    equal(self.crossOriginIsolated, false, 'page is not cross-origin isolated');
  });

  it('boots busybox from the test image and shows the command output in the terminal', async () => {
    const el = track(mount({ 'image-url': await busyboxUrl(), cmd: "/bin/sh -c 'echo hello from x86; echo $((6*7))'", env: ENV, 'memory-mb': '64', loading: 'eager' }));
    const progress = [];
    el.addEventListener('web-vm-progress', (e) => progress.push(e.detail));
    const ready = nextEvent(el, 'web-vm-ready');
    const exit = await nextEvent(el, 'web-vm-exit');
    const readyEvent = await ready;
    ok(readyEvent.bubbles && readyEvent.composed, 'ready bubbles and is composed');
    ok(typeof readyEvent.detail.ms === 'number' && readyEvent.detail.ms > 0, `ready detail.ms: ${readyEvent.detail.ms}`);
    equal(exit.detail.exitCode, 0, 'exit detail.exitCode');
    equal(exit.detail.signal, 0, 'exit detail.signal');
    ok(exit.bubbles && exit.composed, 'exit bubbles and is composed');
    ok(progress.length > 0, 'some web-vm-progress events');
    ok(progress.every((p) => (p.phase === 'image' || p.phase === 'program') && p.loaded > 0), `progress details: ${JSON.stringify(progress.slice(0, 3))}`);
    const text = await waitForScreen(el, /Press Enter/);
    ok(/^hello from x86\n42\n/.test(text), `terminal shows the output:\n${text}`);
    ok(/exited with status 0/.test(text), 'exit line on the terminal');
    const status = el.shadowRoot.querySelector('[role=status]');
    ok(/status 0/.test(status.textContent), `live region: ${status.textContent}`);
  });

  it('delivers typed input to the shell, restarts the command on Enter after exit', async () => {
    const el = track(mount({ 'image-url': await busyboxUrl(), cmd: '/bin/sh', env: ENV, 'memory-mb': '64', loading: 'eager' }));
    await el.ready;
    await waitForScreen(el, /# $/m);
    el.terminal.input('echo typed-$((7*6))\r');
    await waitForScreen(el, /^typed-42$/m);
    const exit = nextEvent(el, 'web-vm-exit');
    el.terminal.input('exit 3\r');
    equal((await exit).detail.exitCode, 3, 'exit status of `exit 3`');
    await waitForScreen(el, /exited with status 3\. Press Enter/);
    el.terminal.input('\r');
    el.terminal.input('echo again\r');
    await waitForScreen(el, /^again$/m);
  });

  it('exec() captures stdout, stderr and the status; writeFile/readFile round-trip', async () => {
    const el = track(mount({ 'image-url': await busyboxUrl(), cmd: '/bin/sh', env: ENV, 'memory-mb': '64', loading: 'eager' }));
    const r = await el.exec('/bin/sh', ['-c', 'echo out; echo err >&2; exit 5']);
    equal(r.stdout, 'out\n', 'stdout');
    equal(r.stderr, 'err\n', 'stderr');
    equal(r.exitCode, 5, 'exitCode');
    const wc = await el.exec('/bin/busybox wc -w', [], { stdin: 'one two three\n' });
    equal(wc.stdout.trim(), '3', 'wc -w of stdin');
    await el.writeFile('/tmp/hello.txt', 'grüße\n');
    const cat = await el.exec('/bin/busybox cat /tmp/hello.txt');
    equal(cat.stdout, 'grüße\n', 'the guest reads what writeFile wrote');
    const bytes = new Uint8Array([0, 1, 2, 255, 254, 10]);
    await el.writeFile('/tmp/b.bin', bytes);
    const back = await el.readFile('/tmp/b.bin');
    equal(Array.from(back).join(','), '0,1,2,255,254,10', 'readFile returns the bytes');
    await el.exec('/bin/sh -c "echo made-by-guest > /root/m.txt"');
    equal(new TextDecoder().decode(await el.readFile('/root/m.txt')), 'made-by-guest\n', 'readFile sees what the guest wrote');
    let err = null;
    try { await el.readFile('/nope'); } catch (e) { err = e; }
    ok(err && /No such file or directory/.test(err.message), `readFile of a missing file rejects: ${err && err.message}`);
    // exec did not touch the terminal: only the shell prompt is there.
    ok(!/out|made-by-guest/.test(screenText(el)), `terminal untouched by exec:\n${screenText(el)}`);
  });

  it('a 404 image-url shows the error panel and fires web-vm-error', async () => {
    const el = track(mount({ 'image-url': '/.cache/images/does-not-exist.ext2', loading: 'eager' }));
    const e = await nextEvent(el, 'web-vm-error');
    equal(e.detail.type, 'http-status', 'detail.type');
    ok(/404/.test(e.detail.message), `detail.message names the status: ${e.detail.message}`);
    await el.updateComplete;
    const panel = el.shadowRoot.querySelector('[part~=error]');
    ok(panel, 'error panel rendered');
    ok(/404/.test(panel.textContent), 'panel shows the message');
    ok(el.shadowRoot.querySelector('[part~=retry-button]'), 'retry button');
    let rejected = false;
    await el.ready.catch(() => (rejected = true));
    ok(rejected, 'ready rejects');
  });

  it('loading="click" fetches nothing until the start button is pressed', async () => {
    const url = `${await busyboxUrl()}?click=${uniqueKey('click')}`;
    const el = track(mount({ 'image-url': url, cmd: '/bin/busybox echo clicked', env: ENV, 'memory-mb': '64', loading: 'click' }));
    await el.updateComplete;
    await new Promise((r) => setTimeout(r, 500));
    equal(await requestCount(url), 0, 'image requests before the click');
    ok(el.terminal === null, 'no terminal before the click');
    const button = el.shadowRoot.querySelector('[part~=start-button]');
    ok(button, 'start button rendered');
    const exit = nextEvent(el, 'web-vm-exit');
    button.click();
    await exit;
    await waitForScreen(el, /^clicked$/m);
    ok(await requestCount(url) > 0, 'the image was fetched after the click');
  });

  it('loading="lazy" fetches nothing while far out of view, and starts when scrolled to', async () => {
    const url = `${await busyboxUrl()}?lazy=${uniqueKey('lazy')}`;
    const spacer = track(document.createElement('div'));
    spacer.style.height = '5000px';
    document.body.append(spacer);
    const el = track(mount({ 'image-url': url, cmd: '/bin/busybox echo lazy-started', env: ENV, 'memory-mb': '32' }));
    equal(el.loading, 'lazy', 'lazy is the default');
    await new Promise((r) => setTimeout(r, 800));
    equal(await requestCount(url), 0, 'image requests while out of view');
    const exit = nextEvent(el, 'web-vm-exit');
    el.scrollIntoView();
    await exit;
    await waitForScreen(el, /^lazy-started$/m);
    ok(await requestCount(url) > 0, 'fetched once in view');
  });

  it('two instances run independently', async () => {
    const url = await busyboxUrl();
    const a = track(mount({ 'image-url': url, cmd: '/bin/sh', env: ENV, 'memory-mb': '32', loading: 'eager' }));
    const b = track(mount({ 'image-url': url, cmd: '/bin/sh', env: ENV, 'memory-mb': '32', loading: 'eager' }));
    await Promise.all([a.ready, b.ready]);
    await a.writeFile('/tmp/who', 'a');
    await b.writeFile('/tmp/who', 'b');
    equal((await a.exec('/bin/busybox cat /tmp/who')).stdout, 'a', 'a keeps its file');
    equal((await b.exec('/bin/busybox cat /tmp/who')).stdout, 'b', 'b keeps its file');
    a.terminal.input('echo only-in-a\r');
    await waitForScreen(a, /^only-in-a$/m);
    ok(!/only-in-a/.test(screenText(b)), 'b does not see a\'s input');
  });

  it('stty size follows the element\'s size', async () => {
    const el = track(mount({ 'image-url': await busyboxUrl(), cmd: '', env: ENV, 'memory-mb': '32', loading: 'eager' }));
    await el.ready;
    const r1 = await el.exec('/bin/busybox stty size');
    // stty reads the size from stdin: exec's stdin is a pipe, so it must fail…
    ok(r1.exitCode !== 0, 'stty on a pipe fails');
    // …while on the terminal it sees the terminal's size.
    equal(await el.run('/bin/busybox stty size'), 0, 'run() status');
    const { rows, cols } = el.terminal;
    await waitForScreen(el, new RegExp(`^${rows} ${cols}$`, 'm'));
    el.style.width = '400px';
    el.style.height = '240px';
    const start = performance.now();
    while (el.terminal.cols === cols && performance.now() - start < 5000) await new Promise((r) => setTimeout(r, 50));
    ok(el.terminal.cols < cols, `terminal narrowed: ${cols} → ${el.terminal.cols}`);
    el.terminal.clear();
    equal(await el.run('/bin/busybox stty size'), 0, 'run() status after resize');
    await waitForScreen(el, new RegExp(`^${el.terminal.rows} ${el.terminal.cols}$`, 'm'));
  });

  it('a persisted file survives re-creating the element; reset() drops it', async () => {
    const attrs = { 'image-url': await busyboxUrl(), cmd: '', env: ENV, 'persist-key': uniqueKey('persist'), 'memory-mb': '32', loading: 'eager' };
    const first = mount(attrs);
    await first.ready;
    await first.writeFile('/root/kept.txt', 'still here\n');
    await first.exec('/bin/sh -c "echo by-the-guest > /root/guest.txt"');
    // Removing commits, releases the key and ends the worker; a new element on the key right away waits for that.
    first.remove();
    const second = track(mount(attrs));
    await second.ready;
    equal(new TextDecoder().decode(await second.readFile('/root/kept.txt')), 'still here\n', 'writeFile survived');
    equal((await second.exec('/bin/busybox cat /root/guest.txt')).stdout, 'by-the-guest\n', 'the guest\'s write survived');
    await second.reset();
    const gone = await second.exec('/bin/busybox cat /root/kept.txt');
    equal(gone.exitCode, 1, 'cat of the dropped file fails');
    ok(/No such file/.test(gone.stderr), `after reset(): ${gone.stderr}`);
  });

  it('asks navigator.storage.persist() when it has a persist-key, and not without one', async () => {
    const storage = navigator.storage;
    const original = storage.persist;
    let calls = 0;
    storage.persist = async () => (calls++, true);
    try {
      const plain = track(mount({ 'image-url': await busyboxUrl(), cmd: '', env: ENV, 'memory-mb': '32', loading: 'eager' }));
      await plain.ready;
      equal(calls, 0, 'no persist() without a persist-key');
      const kept = track(mount({ 'image-url': await busyboxUrl(), cmd: '', env: ENV, 'persist-key': uniqueKey('ask'), 'memory-mb': '32', loading: 'eager' }));
      await kept.ready;
      equal(calls, 1, 'persist() asked once for the persist-key');
    } finally {
      storage.persist = original;
    }
  });

  it('a different persist-key starts from the pristine image', async () => {
    const el = track(mount({ 'image-url': await busyboxUrl(), cmd: '', env: ENV, 'persist-key': uniqueKey('other'), 'memory-mb': '32', loading: 'eager' }));
    equal((await el.exec('/bin/busybox cat /root/kept.txt')).exitCode, 1, 'no file from another key');
  });

  it('removing an element ends its worker; putting it back starts a new one', async () => {
    const made = [], ended = [];
    const RealWorker = window.Worker;
    window.Worker = class extends RealWorker {
      constructor(...a) { super(...a); made.push(this); }
      terminate() { ended.push(this); super.terminate(); }
    };
    try {
      const el = track(mount({ 'image-url': await busyboxUrl(), cmd: '/bin/sh', env: ENV, 'memory-mb': '32', loading: 'eager' }));
      await el.ready;
      equal(made.length, 1, 'one worker for the element');
      el.remove();
      const t0 = performance.now();
      while (ended.length === 0 && performance.now() - t0 < 10000) await new Promise((r) => setTimeout(r, 50));
      equal(ended[0], made[0], 'its worker was terminated');
      document.body.append(el);
      await el.ready;
      equal(made.length, 2, 'a new worker after re-adding');
      equal((await el.exec('/bin/busybox echo back')).stdout, 'back\n', 'the new VM answers');
    } finally {
      window.Worker = RealWorker;
    }
  });

  it('changing cmd after start restarts the VM with the new command', async () => {
    const el = track(mount({ 'image-url': await busyboxUrl(), cmd: '/bin/busybox echo first-cmd', env: ENV, 'memory-mb': '32', loading: 'eager' }));
    await nextEvent(el, 'web-vm-exit');
    const again = nextEvent(el, 'web-vm-exit');
    el.cmd = '/bin/sh -c "echo second-cmd; exit 9"';
    equal((await again).detail.exitCode, 9, 'exit status of the new command');
    const text = await waitForScreen(el, /^second-cmd$/m);
    ok(!/first-cmd/.test(text), `the terminal was cleared for the restart:\n${text}`);
  });

  it('stop() ends the VM and shows the start button; start() boots again', async () => {
    const el = track(mount({ 'image-url': await busyboxUrl(), cmd: '/bin/sh', env: ENV, 'memory-mb': '32', loading: 'eager' }));
    await el.ready;
    await el.stop();
    await el.updateComplete;
    ok(el.shadowRoot.querySelector('[part~=start-button]'), 'start button after stop()');
    await el.start();
    equal((await el.exec('/bin/busybox echo again')).stdout, 'again\n', 'exec after restart');
  });
});
