// Module worker for disk.test.js: the disk stack as the element's worker uses
// it — the busybox image over HTTP (Range requests), a PersistentDisk whose
// store is Dexie under a persist-key — one operation per worker, so each
// question is asked of a fresh worker, as after a page reload.
const enc = new TextEncoder();
const dec = new TextDecoder();

async function load() {
  const vm = await import('/build/src/vm/index.js');
  const dexie = await import('/build/src/vm/storage/dexie-store.js');
  return { vm, dexie };
}

async function imageUrl() {
  const manifest = await (await fetch('/.cache/images/busybox.json')).json();
  return `/.cache/images/${manifest.image}`;
}

async function openDisk(vm, dexie, key, opts = {}) {
  const image = await vm.openImage(await imageUrl(), opts.image ?? {});
  const store = await dexie.openDexieStore(key);
  const disk = await vm.PersistentDisk.open(image, store, { idleMs: 60_000, retryMs: 60_000, ...opts.disk });
  return { image, store, disk };
}

const ops = {
  // Write `text` at byte `offset` of the overlay and commit.
  async write({ key, offset, text }) {
    const { vm, dexie } = await load();
    const { disk } = await openDisk(vm, dexie, key);
    await disk.overlay.write(offset, enc.encode(text));
    await disk.commit();
    const generation = disk.committedGeneration;
    await disk.close();
    return { generation };
  },
  async read({ key, offset, length }) {
    const { vm, dexie } = await load();
    const { disk } = await openDisk(vm, dexie, key);
    const text = dec.decode(await disk.overlay.read(offset, length));
    await disk.close();
    return { text };
  },
  // A commit that hits the quota: a 'quota' error, changes kept, committed state intact, retry works.
  async quota({ key, offset }) {
    const { vm, dexie } = await load();
    const errors = [];
    const { disk } = await openDisk(vm, dexie, key, { disk: { onError: (e) => errors.push(e.type) } });
    await disk.overlay.write(offset, enc.encode('first'));
    await disk.commit();
    const put = IDBObjectStore.prototype.put;
    const add = IDBObjectStore.prototype.add;
    const full = () => { throw new DOMException('simulated: quota exceeded', 'QuotaExceededError'); };
    IDBObjectStore.prototype.put = full;
    IDBObjectStore.prototype.add = full;
    let thrown = null;
    await disk.overlay.write(offset, enc.encode('second'));
    try {
      await disk.commit();
    } catch (e) {
      thrown = { type: e.type, message: e.message };
    }
    IDBObjectStore.prototype.put = put;
    IDBObjectStore.prototype.add = add;
    const uncommitted = disk.uncommitted;
    const seen = dec.decode(await disk.overlay.read(offset, 6));
    // What a reload would find now: the first commit, whole.
    const other = await dexie.openDexieStore(key);
    const saved = await other.load();
    const block = saved.blocks.get(Math.floor(offset / 4096));
    const committed = dec.decode(block.subarray(offset % 4096, offset % 4096 + 6));
    await other.close();
    await disk.commit(); // the retry, quota back
    const generation = disk.committedGeneration;
    await disk.close();
    return { thrown, errors, uncommitted, seen, committed, generation };
  },
  // Boot: run a program from the HTTP image with changes in Dexie and fetched chunks in the Cache API.
  // …through openBrowserDisk, the one call the element's worker makes.
  async run({ key, argv }) {
    const { vm } = await load();
    const { openBrowserDisk } = await import('/build/src/vm/storage/browser-disk.js');
    let progress = null;
    const d = await openBrowserDisk({ imageUrl: await imageUrl(), persistKey: key, onProgress: (p) => (progress = p) });
    const out = [];
    const r = await vm.runProgram({
      device: d.device, disk: d.disk ?? undefined, argv, env: ['PATH=/bin'], memoryMb: 64,
      stdout: (x) => out.push(dec.decode(x)), stderr: (x) => out.push(dec.decode(x)),
    });
    await d.close();
    return { exitCode: r.exitCode, output: out.join(''), bytesFetched: d.image.bytesFetched, size: d.image.size, progress };
  },
  // The crash test's writer: posts each stdout chunk as it comes; never replies otherwise (it is terminated).
  async writer({ key }) {
    const { vm } = await load();
    const { openBrowserDisk } = await import('/build/src/vm/storage/browser-disk.js');
    const d = await openBrowserDisk({ imageUrl: await imageUrl(), persistKey: key });
    const script = [
      '/bin/busybox mkdir -p /root/crash',
      'i=0; while [ -e /root/crash/f$i ]; do i=$((i+1)); done',
      'while true; do',
      '  echo line$i > /root/crash/t$i; /bin/busybox sync',
      '  /bin/busybox mv /root/crash/t$i /root/crash/f$i; /bin/busybox sync',
      '  echo synced $i; i=$((i+1))',
      'done',
    ].join('\n');
    await vm.runProgram({
      device: d.device, disk: d.disk, argv: ['/bin/busybox', 'sh', '-c', script], env: ['PATH=/bin'], memoryMb: 64,
      stdout: (x) => self.postMessage({ ok: true, out: dec.decode(x) }), stderr: (x) => self.postMessage({ ok: true, out: dec.decode(x) }),
    });
    return { out: '', done: true };
  },
  // After a kill: mount what was saved, read every file of the tree (a broken one throws), list /root/crash.
  async verify({ key }) {
    const { openBrowserDisk } = await import('/build/src/vm/storage/browser-disk.js');
    const { Ext2 } = await import('/build/src/vm/fs/ext2.js');
    const d = await openBrowserDisk({ imageUrl: await imageUrl(), persistKey: key });
    const fs = await Ext2.mount(d.device, { writable: false });
    let files = 0;
    const walk = async (dir, depth) => {
      for (const e of await fs.readdir(dir)) {
        if (e.name === '.' || e.name === '..') continue;
        const child = await fs.lookup(dir, e.name);
        const st = child.stat();
        if ((st.mode & 0o170000) === 0o040000) await walk(child, depth + 1);
        else if ((st.mode & 0o170000) === 0o100000) { await fs.read(child, 0, st.size); files++; }
      }
    };
    await walk(await fs.root(), 0);
    const crash = {};
    try {
      const dir = await fs.lookup(await fs.root(), 'root').then((r) => fs.lookup(r, 'crash'));
      for (const e of await fs.readdir(dir)) {
        if (e.name === '.' || e.name === '..') continue;
        const f = await fs.lookup(dir, e.name);
        crash[e.name] = dec.decode(await fs.read(f, 0, 100));
      }
    } catch { /* no /root/crash yet */ }
    await d.close();
    return { files, crash };
  },
  // A second VM on a persist-key in use is refused; after the first closes, it opens.
  async twice({ key }) {
    const { openBrowserDisk, resetPersistKey } = await import('/build/src/vm/storage/browser-disk.js');
    const url = await imageUrl();
    const first = await openBrowserDisk({ imageUrl: url, persistKey: key });
    const refused = await openBrowserDisk({ imageUrl: url, persistKey: key }).then(() => null, (e) => ({ type: e.type, message: e.message }));
    const resetRefused = await resetPersistKey(key).then(() => null, (e) => e.type);
    await first.close();
    const second = await openBrowserDisk({ imageUrl: url, persistKey: key });
    await second.close();
    return { refused, resetRefused };
  },
  async export({ key }) {
    const { vm, dexie } = await load();
    const { disk } = await openDisk(vm, dexie, key);
    const file = await disk.export();
    await disk.close();
    return { file };
  },
  async import({ key, file }) {
    const { vm, dexie } = await load();
    const store = await dexie.openDexieStore(key);
    const meta = await vm.importStore(store, file);
    await store.close();
    return { generation: meta.generation };
  },
  async reset({ key }) {
    const { resetPersistKey } = await import('/build/src/vm/storage/browser-disk.js');
    await resetPersistKey(key);
    return {};
  },
  // Open the busybox store's changes over a different image: refused.
  async mismatch({ key }) {
    const { vm, dexie } = await load();
    const store = await dexie.openDexieStore(key);
    const other = Object.assign(new vm.MemoryBlockDevice(new Uint8Array(1 << 20)), { bytesFetched: 0, identity: { url: 'https://other.test/x.ext2', size: 1 << 20, validator: 'etag:"x"' } });
    try {
      await vm.PersistentDisk.open(other, store);
      return { type: null };
    } catch (e) {
      return { type: e.type, message: e.message };
    } finally {
      await store.close();
    }
  },
};

self.onmessage = async (e) => {
  try {
    self.postMessage({ ok: true, ...(await ops[e.data.op](e.data)) });
  } catch (err) {
    self.postMessage({ ok: false, error: String(err?.stack || err), type: err?.type });
  }
};
