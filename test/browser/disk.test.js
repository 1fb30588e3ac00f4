// The disk in a browser worker (issue 5): changes kept in IndexedDB through
// Dexie survive the worker (a reload), a quota error leaves the committed
// state whole, persist-keys are isolated, and a program runs from the image
// over HTTP with its changes saved. Database names are unique per run: the
// browser context is shared between test files.
import { equal, ok, askWorker } from './assert.js';

const worker = new URL('./disk-worker.js', import.meta.url);
const runId = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
const key = (name) => `test-${runId}-${name}`;

async function ask(msg) {
  const r = await askWorker(worker, msg);
  if (!r.ok) throw new Error(r.error);
  return r;
}

describe('disk: Dexie store in a worker', () => {
  it('commits, and a new worker reads the change back', async () => {
    const w = await ask({ op: 'write', key: key('a'), offset: 5000, text: 'hello dexie' });
    equal(w.generation, 1, 'first commit');
    equal((await ask({ op: 'read', key: key('a'), offset: 5000, length: 11 })).text, 'hello dexie', 'read back after reopening');
  });

  it('two persist-keys stay isolated', async () => {
    await ask({ op: 'write', key: key('one'), offset: 0, text: 'ONE' });
    await ask({ op: 'write', key: key('two'), offset: 0, text: 'TWO' });
    equal((await ask({ op: 'read', key: key('one'), offset: 0, length: 3 })).text, 'ONE');
    equal((await ask({ op: 'read', key: key('two'), offset: 0, length: 3 })).text, 'TWO');
  });

  it('a persist-key in use by one VM is refused to a second (Web Lock), and free again after close', async () => {
    const r = await ask({ op: 'twice', key: key('lock') });
    equal(r.refused?.type, 'store', 'second open');
    ok(/in use by another web-vm/.test(r.refused.message), r.refused.message);
    equal(r.resetRefused, 'store', 'reset while in use');
  });

  it('a quota error is reported as quota; changes stay in memory; the committed state is intact; the retry commits', async () => {
    const r = await ask({ op: 'quota', key: key('q'), offset: 9000 });
    ok(r.thrown, 'commit rejected');
    equal(r.thrown.type, 'quota', `error type (${r.thrown.message})`);
    equal(r.errors.join(), 'quota', 'onError');
    equal(r.uncommitted, 1, 'changed chunk still waiting');
    equal(r.seen, 'second', 'the running VM still sees its write');
    equal(r.committed.slice(0, 5), 'first', 'the saved state is the first commit');
    equal(r.generation, 2, 'retry committed');
    equal((await ask({ op: 'read', key: key('q'), offset: 9000, length: 6 })).text, 'second');
  });

  it('export, import into another key, reset, and image-mismatch', async () => {
    await ask({ op: 'write', key: key('src'), offset: 70000, text: 'travelling' });
    const { file } = await ask({ op: 'export', key: key('src') });
    ok(file instanceof Uint8Array && file.length > 4096, 'an export file');
    await ask({ op: 'import', key: key('dst'), file });
    equal((await ask({ op: 'read', key: key('dst'), offset: 70000, length: 10 })).text, 'travelling');
    const m = await ask({ op: 'mismatch', key: key('dst') });
    equal(m.type, 'image-mismatch', m.message);
    await ask({ op: 'reset', key: key('dst') });
    equal(m.message.includes('reset()'), true, 'the message names the way out');
    const after = await ask({ op: 'read', key: key('dst'), offset: 70000, length: 10 });
    ok(after.text !== 'travelling', 'reset dropped the change');
    equal((await ask({ op: 'mismatch', key: key('dst') })).type, null, 'an empty store opens on any image');
  });

  it('runs busybox from the image over HTTP; its file survives into a new worker; few bytes fetched', async () => {
    const a = await ask({ op: 'run', key: key('vm'), argv: ['/bin/busybox', 'sh', '-c', 'echo persisted > /root/kept; sync'] });
    equal(a.exitCode, 0, a.output);
    console.log(`busybox sh over HTTP fetched ${a.bytesFetched} of ${a.size} bytes`);
    ok(a.bytesFetched < a.size / 2, `fetched ${a.bytesFetched} of ${a.size}`);
    equal(a.progress.bytesFetched, a.bytesFetched, 'onProgress saw every byte');
    equal(a.progress.size, a.size, 'onProgress knows the size');
    const b = await ask({ op: 'run', key: key('vm'), argv: ['/bin/busybox', 'cat', '/root/kept'] });
    equal(b.output, 'persisted\n');
    equal(b.bytesFetched, 1, 'second run: a 1-byte probe checks the validator, every chunk comes from the Cache API');
  });

  it('survives the worker being terminated at random moments during writes (5 kills)', async () => {
    const k = key('crash');
    const synced = new Set();
    for (let it = 0; it < 5; it++) {
      const w = new Worker(worker, { type: 'module' });
      let out = '';
      w.onmessage = (e) => { if (e.data.out) out += e.data.out; };
      w.postMessage({ op: 'writer', key: k });
      await new Promise((r) => setTimeout(r, 1500 + Math.random() * 2500));
      w.terminate();
      for (const m of out.matchAll(/^synced (\d+)$/gm)) synced.add(Number(m[1]));
      ok(!/rror/.test(out), `writer output: ${out}`);
      const v = await ask({ op: 'verify', key: k });
      ok(v.files > 5, `read every file of the tree (${v.files})`);
      for (const n of synced) equal(v.crash[`f${n}`], `line${n}\n`, `iteration ${it}: f${n} was synced`);
      for (const [name, text] of Object.entries(v.crash)) {
        const m = /^[ft](\d+)$/.exec(name);
        ok(m, `unexpected file ${name}`);
        if (name.startsWith('f')) equal(text, `line${m[1]}\n`, name);
      }
    }
    console.log(`browser crash test: 5 kills, ${synced.size} files synced`);
    ok(synced.size >= 5, `progress across restarts (${synced.size} files)`);
  });
});
