// The CDN case: the page loads the one-file bundle (dist/web-vm.js, from
// `npm run build`) from another origin than its own, as from jsDelivr. A
// cross-origin `new Worker(url)` would throw; the bundle starts its embedded
// worker from a Blob URL instead. The page has no COOP/COEP headers.
import { equal, ok } from './assert.js';
import { busyboxUrl, mount, nextEvent, waitForScreen } from './element-support.js';

const { origin } = await (await fetch('/__cdn-origin')).json();
const bundle = `${origin}/web-vm.js`;

describe('<web-vm> from a bundle on another origin', () => {
  it('is on another origin than the page', () => {
    ok(new URL(bundle).origin !== location.origin, `${bundle} vs ${location.origin}`);
    equal(self.crossOriginIsolated, false, 'crossOriginIsolated');
  });

  it('defines <web-vm>, and loading the script twice keeps working', async () => {
    const first = await import(bundle);
    // A second copy of the script (another URL: a separate module instance) must not throw.
    const second = await import(`${bundle}?copy=2`);
    ok(first.WebVm !== second.WebVm, 'two module instances');
    equal(customElements.get('web-vm'), first.WebVm, 'the first definition stays');
  });

  it('boots busybox and runs exec() with the worker embedded in the bundle', async () => {
    const { WebVm } = await import(bundle);
    const el = mount({ 'image-url': await busyboxUrl(), cmd: '/bin/busybox echo from-the-cdn', env: 'PATH=/bin', 'memory-mb': '32', loading: 'eager' });
    try {
      ok(el instanceof WebVm, 'upgraded by the bundle');
      const exit = await nextEvent(el, 'web-vm-exit');
      equal(exit.detail.exitCode, 0, 'exit status');
      await waitForScreen(el, /^from-the-cdn$/m);
      const r = await el.exec('/bin/busybox', ['echo', 'exec-ok']);
      equal(r.stdout, 'exec-ok\n', 'exec stdout');
    } finally {
      el.remove();
    }
  });
});
