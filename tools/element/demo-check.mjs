#!/usr/bin/env node
// Opens each demo page from `npm start` in headless Chromium, waits for its
// terminal(s) to show a prompt or output, saves a screenshot per page to
// .cache/screenshots/ (to check by eye; nothing is asserted on pixels) and
// prints the time from navigation to the first prompt, cold and warm, with
// the bytes the page fetched. Usage: node tools/element/demo-check.mjs [page…]
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer from 'puppeteer-core';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const out = join(repoRoot, '.cache', 'screenshots');
mkdirSync(out, { recursive: true });
const port = 8400 + Math.floor(Math.random() * 500);
const base = `http://localhost:${port}`;

const server = spawn(process.execPath, [join(repoRoot, 'demo', 'serve.mjs')], { env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'inherit'] });
await new Promise((ok) => server.stdout.on('data', (d) => String(d).includes('web-vm demo') && ok()));

/** Text of every <web-vm> terminal on the page. */
const screens = () => [...document.querySelectorAll('web-vm')].map((el) => {
  const b = el.terminal?.buffer.active;
  if (!b) return '';
  const lines = [];
  for (let i = 0; i < b.length; i++) lines.push(b.getLine(i).translateToString(true));
  return lines.join('\n').trim();
});

const pages = {
  'index.html': { ready: /\$\s*$/, action: null, type: 'gcc -o hello hello.c && ./hello\r', expect: /Hello from C on web-vm!/ },
  'blog.html': { ready: />>>\s*$/, action: async (page) => {
    await page.evaluate(() => document.querySelector('#c-embed').scrollIntoView());
    await page.evaluate(() => document.querySelector('#c-embed').shadowRoot.querySelector('[part~=start-button]').click());
  } },
  'tutorial.html': { ready: /\$\s*$/, action: null, verify: async (page) => {
    // Step 1 as a reader would do it: a failing check, the fix, a passing check.
    const check = (n) => page.evaluate(async (n) => {
      const li = document.getElementById(`step${n}`);
      li.querySelector('button').click();
      const out = li.querySelector('.result');
      const t0 = performance.now();
      while (/^(Checking…)?$/.test(out.textContent) && performance.now() - t0 < 120000) await new Promise((r) => setTimeout(r, 100));
      return out.textContent;
    }, n);
    await page.waitForFunction(() => document.querySelector('web-vm').readFile('/home/user/lesson/.progress').then(() => true, () => false), { timeout: 120000 });
    const before = await check(1);
    await page.evaluate(() => document.querySelector('web-vm').writeFile('/home/user/lesson/hello.py', 'print("Hello, world")\n'));
    const after = await check(1);
    await page.evaluate(() => document.querySelector('web-vm').writeFile('/home/user/lesson/sum.c', '#include <stdio.h>\nint main(void){int s=0;for(int i=1;i<=100;i++)s+=i;printf("%d\\n",s);return 0;}\n'));
    const c = await check(2);
    return `step 1 before fix: ${JSON.stringify(before)}; after: ${JSON.stringify(after)}; step 2: ${JSON.stringify(c)}`;
  } },
};

const browser = await puppeteer.launch({
  executablePath: process.env.CHROME_PATH || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-extensions'],
});
const wanted = process.argv.slice(2);
try {
  for (const [name, spec] of Object.entries(pages)) {
    if (wanted.length && !wanted.includes(name)) continue;
    for (const run of ['cold', 'warm']) {
      const page = await browser.newPage();
      await page.setViewport({ width: 1200, height: 800 });
      let bytes = 0;
      page.on('response', async (r) => {
        const len = Number(r.headers()['content-length'] || 0);
        bytes += len;
      });
      page.on('console', (m) => m.type() === 'error' && console.log(`  [${name} console] ${m.text()}`));
      if (run === 'cold') {
        const cdp = await page.createCDPSession();
        await cdp.send('Network.clearBrowserCache');
      }
      const t0 = performance.now();
      await page.goto(`${base}/${name}`);
      if (spec.action) await spec.action(page);
      let text = [];
      const deadline = Date.now() + 180_000;
      while (Date.now() < deadline) {
        text = await page.evaluate(screens);
        if (text.some((t) => spec.ready.test(t))) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      const ms = performance.now() - t0;
      const ok = text.some((t) => spec.ready.test(t));
      console.log(`${name} (${run}): ${ok ? 'prompt' : 'NO PROMPT'} after ${(ms / 1000).toFixed(1)} s, ${(bytes / 1048576).toFixed(1)} MiB fetched`);
      if (!ok) console.log(text.map((t) => t.split('\n').slice(-8).join('\n')).join('\n---\n'));
      if (ok && spec.type && run === 'cold') {
        // Type into the first terminal like a reader and wait for the answer.
        const t1 = performance.now();
        await page.evaluate((t) => document.querySelector('web-vm').terminal.input(t), spec.type);
        let seen = false;
        while (!seen && performance.now() - t1 < 240_000) {
          seen = (await page.evaluate(screens)).some((t) => spec.expect.test(t));
          if (!seen) await new Promise((r) => setTimeout(r, 250));
        }
        console.log(`  typed ${JSON.stringify(spec.type)}: ${seen ? 'answered' : 'NO ANSWER'} after ${((performance.now() - t1) / 1000).toFixed(1)} s`);
        if (!seen) console.log((await page.evaluate(screens))[0].split('\n').slice(-10).join('\n'));
      }
      if (ok && spec.verify && run === 'cold') console.log(`  ${await spec.verify(page)}`);
      if (run === 'cold') {
        await new Promise((r) => setTimeout(r, 1500));
        await page.screenshot({ path: join(out, name.replace('.html', '.png')) });
      }
      await page.close();
    }
  }
} finally {
  await browser.close();
  server.kill();
}
console.log(`screenshots in ${out}`);
