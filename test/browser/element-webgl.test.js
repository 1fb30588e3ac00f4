// The terminal draws with WebGL while on screen and falls back to xterm's
// DOM renderer when the WebGL context is lost (GPU reset, too many contexts).
import { equal, ok } from './assert.js';
import { busyboxUrl, mount, waitForScreen } from './element-support.js';
import '/build/src/index.js';

describe('<web-vm> renderer', () => {
  it('uses WebGL when visible and falls back to the DOM renderer on context loss', async function () {
    const el = mount({ 'image-url': await busyboxUrl(), cmd: '/bin/sh', env: 'PATH=/bin', 'memory-mb': '32', loading: 'eager' });
    try {
      await el.ready;
      const view = el.view; // internal: which renderer draws
      const t0 = performance.now();
      while (view.renderer !== 'webgl' && performance.now() - t0 < 3000) await new Promise((r) => setTimeout(r, 50));
      if (view.renderer !== 'webgl') {
        console.log('no WebGL2 in this browser: the DOM renderer is in use from the start');
        this.skip();
      }
      const canvas = [...el.shadowRoot.querySelectorAll('canvas')].find((c) => c.getContext('webgl2'));
      ok(canvas, 'a WebGL2 canvas in the shadow root');
      canvas.getContext('webgl2').getExtension('WEBGL_lose_context').loseContext();
      const t1 = performance.now();
      while (view.renderer !== 'dom' && performance.now() - t1 < 5000) await new Promise((r) => setTimeout(r, 50));
      equal(view.renderer, 'dom', 'renderer after context loss');
      el.terminal.input('echo still-$((2+3))\r');
      await waitForScreen(el, /^still-5$/m);
      // The buffer has it now; xterm's DOM renderer draws the rows on its next animation frame.
      const rows = () => el.shadowRoot.querySelector('.xterm-rows')?.textContent ?? '';
      const t2 = performance.now();
      while (!/still-5/.test(rows()) && performance.now() - t2 < 5000) await new Promise((r) => setTimeout(r, 50));
      ok(/still-5/.test(rows()), 'the DOM renderer shows the output');
    } finally {
      el.remove();
    }
  });
});
