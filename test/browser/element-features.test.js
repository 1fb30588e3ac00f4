// <web-vm> features beyond booting a command: ten lazy embeds cost nothing
// until one scrolls into view, a new image-url restarts on the new image,
// progress details, screen-reader mode, copy/paste, and SIGWINCH on resize.
// Expected guest output is what busybox sh prints by POSIX; the image size
// comes from the image manifest, not from the VM.
import { equal, ok } from './assert.js';
import { busyboxUrl, mount, nextEvent, requestCount, screenText, uniqueKey, waitForScreen } from './element-support.js';
import '/build/src/index.js';

const ENV = 'PATH=/bin;HOME=/root';
/** Built by web-test-runner.config.mjs at server start: the busybox tree with /etc/hostname = second-image. */
const SECOND_IMAGE = '/build/test-images/busybox-second.ext2';
const cleanup = [];
afterEach(() => {
  for (const el of cleanup.splice(0)) el.remove();
});
const track = (el) => (cleanup.push(el), el);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Count the workers the page makes and ends while `fn` runs. */
async function withWorkerSpy(fn) {
  const made = [], ended = [];
  const RealWorker = window.Worker;
  window.Worker = class extends RealWorker {
    constructor(...a) { super(...a); made.push(this); }
    terminate() { ended.push(this); super.terminate(); }
  };
  try {
    return await fn(made, ended);
  } finally {
    window.Worker = RealWorker;
  }
}

async function until(cond, ms, what) {
  const t0 = performance.now();
  while (!cond()) {
    if (performance.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe('<web-vm> features', () => {
  it('ten idle loading=lazy embeds cost nothing until one scrolls into view, which starts only that one', async () => {
    await withWorkerSpy(async (made) => {
      const base = await busyboxUrl();
      const key = uniqueKey('ten');
      const urls = [], els = [];
      for (let i = 0; i < 10; i++) {
        // Far apart, so bringing one into view (with the 200px margin) cannot bring a neighbour.
        const spacer = track(document.createElement('div'));
        spacer.style.height = '3000px';
        document.body.append(spacer);
        urls.push(`${base}?${key}=${i}`);
        els.push(track(mount({ 'image-url': urls[i], cmd: `/bin/busybox echo lazy-${i}-started`, env: ENV, 'memory-mb': '32' })));
      }
      window.scrollTo(0, 0);
      await sleep(1000);
      equal(made.length, 0, 'workers created while all ten are out of view');
      for (let i = 0; i < 10; i++) equal(await requestCount(urls[i]), 0, `image requests of embed ${i}`);
      ok(els.every((el) => el.terminal === null), 'no terminal is created while out of view');

      const chosen = els[6];
      const exit = nextEvent(chosen, 'web-vm-exit');
      chosen.scrollIntoView({ block: 'center' });
      await exit;
      await waitForScreen(chosen, /^lazy-6-started$/m);
      equal(made.length, 1, 'exactly one worker after scrolling one into view');
      ok(await requestCount(urls[6]) > 0, 'the visible embed fetched its image');
      for (let i = 0; i < 10; i++) if (i !== 6) equal(await requestCount(urls[i]), 0, `image requests of embed ${i}`);
      ok(els.every((el, i) => i === 6 || el.terminal === null), 'the others still have no terminal');
      window.scrollTo(0, 0);
    });
  });

  it('changing image-url after start restarts on the new image and ends the old worker', async () => {
    await withWorkerSpy(async (made, ended) => {
      const el = track(mount({ 'image-url': await busyboxUrl(), cmd: '/bin/busybox cat /etc/hostname', env: ENV, 'memory-mb': '32', loading: 'eager' }));
      await nextEvent(el, 'web-vm-exit');
      await waitForScreen(el, /^web-vm$/m);
      equal((await el.exec('/bin/busybox cat /etc/hostname')).stdout, 'web-vm\n', 'first image');
      equal(made.length, 1, 'one worker');

      const exit = nextEvent(el, 'web-vm-exit');
      el.setAttribute('image-url', SECOND_IMAGE);
      await exit;
      const text = await waitForScreen(el, /^second-image$/m);
      ok(!/^web-vm$/m.test(text), `the terminal was cleared for the restart:\n${text}`);
      equal((await el.exec('/bin/busybox cat /etc/hostname')).stdout, 'second-image\n', 'exec sees the new image');
      equal(made.length, 2, 'a new worker for the new image');
      equal(ended.length, 1, 'one worker ended');
      equal(ended[0], made[0], 'the ended worker is the old one');
    });
  });

  it('web-vm-progress reports the image size as total, the phases in order, throttled', async () => {
    const manifest = await (await fetch('/.cache/images/busybox.json')).json();
    const url = `${await busyboxUrl()}?progress=${uniqueKey('progress')}`;
    const events = [];
    const el = document.createElement('web-vm');
    el.addEventListener('web-vm-progress', (e) => events.push({ ...e.detail, t: performance.now() }));
    for (const [k, v] of Object.entries({ 'image-url': url, cmd: '/bin/busybox echo progress-done', env: ENV, 'memory-mb': '32', loading: 'eager' })) el.setAttribute(k, v);
    const t0 = performance.now();
    const ready = nextEvent(el, 'web-vm-ready');
    document.body.append(track(el));
    await ready;
    const elapsed = performance.now() - t0;
    ok(events.length > 0, 'progress events were fired');
    for (const e of events) {
      equal(e.total, manifest.bytes, `total is the image size (${JSON.stringify(e)})`);
      ok(e.loaded > 0 && e.loaded <= e.total, `0 < loaded <= total (${JSON.stringify(e)})`);
    }
    const phases = events.map((e) => e.phase);
    equal(phases[0], 'image', 'the first phase is the image');
    ok(phases.includes('program'), `a program phase follows: ${phases.join(',')}`);
    ok(phases.indexOf('program') > phases.lastIndexOf('image'), `image events all come before program ones: ${phases.join(',')}`);
    for (let i = 1; i < events.length; i++) ok(events[i].loaded >= events[i - 1].loaded, 'loaded never goes down');
    // At most one message per 100 ms, plus the flushes at the phase change and at the start.
    ok(events.length <= Math.ceil(elapsed / 100) + 3, `${events.length} events in ${Math.round(elapsed)} ms`);
  });

  it('screen-reader-mode reaches xterm, set at start or later', async () => {
    const a = track(mount({ 'image-url': await busyboxUrl(), cmd: '', env: ENV, 'memory-mb': '32', loading: 'eager', 'screen-reader-mode': '' }));
    await a.ready;
    equal(a.terminal.options.screenReaderMode, true, 'xterm option at start');
    ok(a.shadowRoot.querySelector('.xterm-accessibility-tree'), 'the accessibility tree is in the shadow root');

    const b = track(mount({ 'image-url': await busyboxUrl(), cmd: '', env: ENV, 'memory-mb': '32', loading: 'eager' }));
    await b.ready;
    equal(b.terminal.options.screenReaderMode, false, 'off by default');
    ok(!b.shadowRoot.querySelector('.xterm-accessibility-tree'), 'no accessibility tree by default');
    b.setAttribute('screen-reader-mode', '');
    await b.updateComplete;
    equal(b.terminal.options.screenReaderMode, true, 'xterm option after setting the attribute');
    ok(b.shadowRoot.querySelector('.xterm-accessibility-tree'), 'the accessibility tree appears');
    b.removeAttribute('screen-reader-mode');
    await b.updateComplete;
    equal(b.terminal.options.screenReaderMode, false, 'xterm option after removing the attribute');
  });

  it('Ctrl+Shift+C copies the selection, Ctrl+Shift+V and a paste event type into the guest', async () => {
    let clip = 'echo pasted-$((6*7))\n';
    const fake = { writeText: async (t) => { clip = t; }, readText: async () => clip };
    Object.defineProperty(navigator, 'clipboard', { value: fake, configurable: true });
    try {
      const el = track(mount({ 'image-url': await busyboxUrl(), cmd: '/bin/sh', env: ENV, 'memory-mb': '32', loading: 'eager' }));
      await el.ready;
      const key = (code) => el.terminal.textarea.dispatchEvent(new KeyboardEvent('keydown', { code, key: code.slice(3), ctrlKey: true, shiftKey: true, bubbles: true, cancelable: true }));
      // Paste: the shell evaluates the pasted line, so 42 proves it reached the guest.
      key('KeyV');
      await waitForScreen(el, /^pasted-42$/m);
      // Copy: select the whole buffer.
      el.terminal.selectAll();
      key('KeyC');
      await until(() => /pasted-42/.test(clip), 5000, 'the clipboard write');
      ok(/echo pasted-\$\(\(6\*7\)\)/.test(clip), `the selection was copied: ${JSON.stringify(clip)}`);
      // A paste event (the browser's own paste, e.g. from the context menu).
      const dt = new DataTransfer();
      dt.setData('text/plain', 'echo event-$((5+5))\n');
      el.terminal.textarea.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
      await waitForScreen(el, /^event-10$/m);
      ok(!/^\^C/m.test(screenText(el)), 'Ctrl+Shift+C did not interrupt the guest');
    } finally {
      delete navigator.clipboard;
    }
  });

  it('resizing the element sends SIGWINCH to the terminal\'s program', async () => {
    const el = track(mount({
      'image-url': await busyboxUrl(),
      cmd: `/bin/sh -c "trap 'echo winch-caught' WINCH; echo trap-set; while :; do /bin/busybox sleep 1; done"`,
      env: ENV, 'memory-mb': '32', loading: 'eager',
    }));
    el.style.width = '640px';
    el.style.height = '320px';
    await waitForScreen(el, /^trap-set$/m);
    await sleep(1500);
    ok(!/winch-caught/.test(screenText(el)), 'no SIGWINCH before a resize');
    const cols = el.terminal.cols;
    el.style.width = '400px';
    await until(() => el.terminal.cols !== cols, 5000, 'the terminal to narrow');
    await waitForScreen(el, /^winch-caught$/m, 10_000);
  });
});
