// Randomized (seeded, deterministic) mixed operations on a writable ext2
// against a model of what the tree must hold; e2fsck -fn and debugfs rdump
// judge the image every hundred operations and at the end.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { MemoryBlockDevice } from '../storage/block-device.js';
import { Ext2 } from './ext2.js';
import { makeExt2Image, pattern, removeWork, work } from './testing.js';
import { dumpTree, fsck, mountWritable, prng, sha, tickingClock, writeMerged, type Mounted } from './testing.js';
import { FsError, type Inode } from './types.js';

after(removeWork);

interface FileNode {
  data: Buffer;
  links: number;
}
type Node = { kind: 'file'; file: FileNode } | { kind: 'dir' } | { kind: 'link'; target: string };

const ERR = { ENOENT: 2, EEXIST: 17, ENOTDIR: 20, EISDIR: 21, EINVAL: 22, ENOTEMPTY: 39 };

async function at(fs: Ext2, path: string): Promise<Inode> {
  let cur = await fs.root();
  for (const p of path.split('/').filter((x) => x !== '')) cur = await fs.lookup(cur, p);
  return cur;
}

const parentOf = (p: string): string => p.slice(0, p.lastIndexOf('/')) || '/';
const baseOf = (p: string): string => p.slice(p.lastIndexOf('/') + 1);
const join2 = (d: string, n: string): string => (d === '/' ? `/${n}` : `${d}/${n}`);

async function check(m: Mounted, model: Map<string, Node>, label: string): Promise<void> {
  const image = await writeMerged(m, label);
  const r = fsck(image);
  assert.equal(r.status, 0, `${label}: e2fsck -fn found problems:\n${r.output}`);
  const got = dumpTree(image);
  for (const [p, n] of model) {
    const g = got.get(p);
    assert.ok(g !== undefined, `${label}: ${p} missing in debugfs rdump`);
    if (n.kind === 'file') {
      assert.equal(g.type, 'file', p);
      if (g.type === 'file') assert.ok(g.data.equals(n.file.data), `${label}: ${p} differs: ${g.data.length} bytes vs ${n.file.data.length} expected`);
    } else if (n.kind === 'dir') assert.equal(g.type, 'dir', p);
    else {
      assert.equal(g.type, 'link', p);
      if (g.type === 'link') assert.equal(g.target, n.target, p);
    }
  }
  for (const p of got.keys()) assert.ok(model.has(p), `${label}: ${p} should not exist`);
  const ro = await Ext2.mount(new MemoryBlockDevice(new Uint8Array(readFileSync(image))));
  for (const [p, n] of model) {
    const ino = await at(ro, p);
    if (n.kind === 'file') {
      assert.equal(ino.stat().nlink, n.file.links, `${p}: link count`);
      assert.ok(Buffer.from(await ro.read(ino, 0, n.file.data.length + 1)).equals(n.file.data), `${p}: our reader differs`);
    }
  }
}

describe('writable ext2: randomized operations against a model', () => {
  // The last case checks the image after every single call: each is a commit point (DESIGN.md decision 7).
  const cases: [seed: number, blockSize: number, steps: number, every: number, extra: string[]][] = [
    [1, 1024, 400, 100, []],
    [2, 4096, 400, 100, []],
    [3, 1024, 400, 100, ['-g', '1024']],
    [4, 1024, 40, 1, []],
    // Group descriptors in meta groups, and bitmaps/tables packed by flex_bg.
    [5, 1024, 300, 100, ['-g', '256', '-O', 'meta_bg,^resize_inode']],
    [6, 4096, 300, 100, ['-O', 'flex_bg', '-g', '2048']],
    // rec_len 65536 has its own on-disk encoding.
    [7, 65536, 150, 150, ['-N', '4096']],
  ];
  for (const [seed, blockSize, steps, every, extra] of cases) {
    it(`seed ${seed}, ${blockSize}-byte blocks ${extra.join(' ')}: ${steps} operations, e2fsck clean after every ${every}`, async () => {
      const src = join(work, `rsrc-${seed}`);
      mkdirSync(join(src, 'd0'), { recursive: true });
      writeFileSync(join(src, 'd0', 'seed'), pattern(5000, seed));
      const image = makeExt2Image(src, join(work, `random-${seed}.ext2`), { blockSize, extra, sizeKb: blockSize === 65536 ? 96 * 1024 : every === 1 ? 6 * 1024 : 24 * 1024 });
      const baseHash = sha(readFileSync(image));
      const m = await mountWritable(image, tickingClock());
      const { fs } = m;
      const rnd = prng(seed);
      const pick = <T>(a: T[]): T => a[Math.floor(rnd() * a.length)]!;
      const model = new Map<string, Node>();
      model.set('/lost+found', { kind: 'dir' });
      model.set('/d0', { kind: 'dir' });
      model.set('/d0/seed', { kind: 'file', file: { data: pattern(5000, seed), links: 1 } });
      const dirs = (): string[] => ['/', ...[...model].filter(([, n]) => n.kind === 'dir').map(([p]) => p)];
      const files = (): string[] => [...model].filter(([, n]) => n.kind === 'file').map(([p]) => p);
      const children = (d: string): string[] => [...model.keys()].filter((p) => parentOf(p) === d);
      let counter = 0;
      const newName = (): string => `n${counter++}${'_'.repeat(Math.floor(rnd() * 30))}`;
      const expectErr = async (p: Promise<unknown>, errno: number, what: string): Promise<void> => {
        await assert.rejects(p, (e: unknown) => e instanceof FsError && e.errno === errno, what);
      };

      const done = new Map<string, number>();
      const count = (k: string): void => void done.set(k, (done.get(k) ?? 0) + 1);
      const one = async (step: number): Promise<void> => {
        const op = rnd();
        if (op < 0.15) {
          const d = pick(dirs());
          const name = newName();
          const f = await fs.create(await at(fs, d), name, 0o644, 0, 0);
          void f;
          count('create');
          model.set(join2(d, name), { kind: 'file', file: { data: Buffer.alloc(0), links: 1 } });
        } else if (op < 0.4) {
          const fl = files();
          if (fl.length === 0) return;
          const p = pick(fl);
          const node = (model.get(p) as { file: FileNode }).file;
          const big = rnd() < 0.2;
          const off = Math.floor(rnd() * (big ? 400_000 : node.data.length + 3000));
          const len = Math.floor(rnd() * (big ? 70_000 : 9000)) + 1;
          const data = pattern(len, step);
          assert.equal(await fs.write(await at(fs, p), off, data), len);
          if (off + len > node.data.length) node.data = Buffer.concat([node.data, Buffer.alloc(off + len - node.data.length)]);
          data.copy(node.data, off);
          count('write');
        } else if (op < 0.5) {
          const fl = files();
          if (fl.length === 0) return;
          const p = pick(fl);
          const node = (model.get(p) as { file: FileNode }).file;
          const size = Math.floor(rnd() * (node.data.length + 20000));
          await fs.truncate(await at(fs, p), size);
          count('truncate');
          node.data = size <= node.data.length ? Buffer.from(node.data.subarray(0, size)) : Buffer.concat([node.data, Buffer.alloc(size - node.data.length)]);
        } else if (op < 0.6) {
          const fl = files();
          if (fl.length === 0) return;
          const p = pick(fl);
          await fs.unlink(await at(fs, parentOf(p)), baseOf(p));
          (model.get(p) as { file: FileNode }).file.links--;
          model.delete(p);
          count('unlink');
        } else if (op < 0.7) {
          const d = pick(dirs());
          const name = newName();
          await fs.mkdir(await at(fs, d), name, 0o755, 0, 0);
          model.set(join2(d, name), { kind: 'dir' });
          count('mkdir');
        } else if (op < 0.77) {
          const ds = dirs().filter((d) => d !== '/' && d !== '/lost+found');
          if (ds.length === 0) return;
          const d = pick(ds);
          const parent = await at(fs, parentOf(d));
          if (children(d).length > 0) await expectErr(fs.rmdir(parent, baseOf(d)), ERR.ENOTEMPTY, `rmdir ${d}`);
          else {
            await fs.rmdir(parent, baseOf(d));
            model.delete(d);
            count('rmdir');
          }
        } else if (op < 0.9) {
          // rename: a file or directory to a new name or over an existing one.
          const all = [...model.keys()].filter((p) => p !== '/lost+found');
          if (all.length === 0) return;
          const src = pick(all);
          const sn = model.get(src)!;
          const dstDir = pick(dirs());
          const existing = children(dstDir).filter((p) => p !== '/lost+found');
          const dst = rnd() < 0.3 && existing.length > 0 ? pick(existing) : join2(dstDir, newName());
          const dn = model.get(dst);
          const call = async (): Promise<void> => fs.rename(await at(fs, parentOf(src)), baseOf(src), await at(fs, dstDir), baseOf(dst));
          if (sn.kind === 'dir' && (dstDir === src || dstDir.startsWith(src + '/'))) {
            await expectErr(call(), ERR.EINVAL, `rename ${src} into itself`);
            return;
          }
          if (dst === src) {
            await call();
            return;
          }
          if (dn !== undefined) {
            if (dn.kind === 'file' && sn.kind === 'file' && dn.file === sn.file) {
              // Two names of one inode: rename(2) does nothing.
              await call();
              return;
            }
            if (sn.kind === 'dir' && dn.kind !== 'dir') {
              await expectErr(call(), ERR.ENOTDIR, `rename dir ${src} over ${dst}`);
              return;
            }
            if (sn.kind !== 'dir' && dn.kind === 'dir') {
              await expectErr(call(), ERR.EISDIR, `rename ${src} over dir ${dst}`);
              return;
            }
            if (dn.kind === 'dir' && children(dst).length > 0) {
              await expectErr(call(), ERR.ENOTEMPTY, `rename ${src} over full ${dst}`);
              return;
            }
          }
          await call();
          count(dn !== undefined ? 'rename-replace' : sn.kind === 'dir' ? 'rename-dir' : 'rename');
          if (dn !== undefined && dn.kind === 'file') dn.file.links--;
          model.delete(dst);
          const moved = [...model].filter(([p]) => p === src || p.startsWith(src + '/'));
          for (const [p] of moved) model.delete(p);
          for (const [p, n] of moved) model.set(dst + p.slice(src.length), n);
        } else if (op < 0.95) {
          const fl = files();
          if (fl.length === 0) return;
          const p = pick(fl);
          const d = pick(dirs());
          const name = newName();
          await fs.link(await at(fs, d), name, await at(fs, p));
          const node = model.get(p)!;
          (node as { file: FileNode }).file.links++;
          model.set(join2(d, name), node);
          count('link');
        } else {
          const d = pick(dirs());
          const name = newName();
          const target = 'T'.repeat(1 + Math.floor(rnd() * (rnd() < 0.5 ? 58 : Math.min(blockSize, 4096) - 2)));
          await fs.symlink(await at(fs, d), name, target, 0, 0);
          model.set(join2(d, name), { kind: 'link', target });
          count('symlink');
        }
      };
      for (let step = 0; step < steps; step++) {
        await one(step);
        if (step % every === every - 1) await check(m, model, `seed${seed}-step${step}`);
      }
      await check(m, model, `seed${seed}-end`);
      const kinds = steps >= 300 ? ['create', 'write', 'truncate', 'unlink', 'mkdir', 'rmdir', 'rename', 'rename-dir', 'link', 'symlink'] : ['create', 'write', 'mkdir'];
      if (steps >= 400) kinds.push('rename-replace');
      for (const k of kinds) {
        assert.ok((done.get(k) ?? 0) > 0, `no successful ${k} in ${JSON.stringify([...done])}`);
      }
      assert.equal(sha(readFileSync(image)), baseHash, 'the base image file changed');
      assert.equal(sha(m.base), baseHash, 'the in-memory base changed');
    });
  }
});
