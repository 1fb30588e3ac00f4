// Helpers for the <web-vm> element tests: the busybox test image's URL, a
// fresh element in the page, waiting for events and for terminal text.
export async function busyboxUrl() {
  const manifest = await (await fetch('/.cache/images/busybox.json')).json();
  return `/.cache/images/${manifest.image}`;
}

let seq = 0;
/** A unique persist-key: the launcher shares one browser context (one IndexedDB) across files. */
export const uniqueKey = (name) => `test-${name}-${Date.now()}-${seq++}`;

/** Create <web-vm> with `attrs`, append it to the body, return it. */
export function mount(attrs, parent = document.body) {
  const el = document.createElement('web-vm');
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  parent.append(el);
  return el;
}

/** The next `type` event of `el` (rejects after `ms`). */
export function nextEvent(el, type, ms = 50_000) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no ${type} within ${ms} ms`)), ms);
    el.addEventListener(type, (e) => { clearTimeout(t); resolve(e); }, { once: true });
  });
}

/** Every line of the terminal's active buffer, trailing blanks trimmed. */
export function screenText(el) {
  const b = el.terminal.buffer.active;
  const lines = [];
  for (let i = 0; i < b.length; i++) lines.push(b.getLine(i).translateToString(true));
  return lines.join('\n');
}

/** Wait until the terminal shows text matching `re`. */
export async function waitForScreen(el, re, ms = 50_000) {
  const t0 = performance.now();
  for (;;) {
    if (el.terminal && re.test(screenText(el))) return screenText(el);
    if (performance.now() - t0 > ms) throw new Error(`terminal never showed ${re}; it shows:\n${el.terminal ? screenText(el) : '(no terminal)'}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** How many requests the test server has answered for `url` (path and query). */
export async function requestCount(url) {
  return (await (await fetch(`/__request-count?url=${encodeURIComponent(url)}`)).json()).count;
}
