// Path resolution over an ext2 image built from a tree written here. For
// relative paths the expected outcome is what Linux itself answers for the
// same path in the source tree (fs.statSync / fs.lstatSync); absolute link
// targets, `..` at the root and mounts, which the host would resolve against
// its own root, have hand-written expectations.
import { lstatSync, lutimesSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, utimesSync, writeFileSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { MemoryBlockDevice } from '../storage/block-device.js';
import { Ext2 } from './ext2.js';
import { MAXSYMLINKS, Mounts, resolve, resolveParent, sameInode } from './path.js';
import { makeExt2Image, removeWork, work } from './testing.js';
import { FsError, S_IFLNK, S_IFMT, type Inode } from './types.js';


const ERRNO: Record<string, number> = { ENOENT: 2, ENOTDIR: 20, ELOOP: 40, ENAMETOOLONG: 36, EACCES: 13, EBUSY: 16 };

const startDir = process.cwd();
after(() => {
  process.chdir(startDir);
  removeWork();
});

/** Give every entry a distinct mtime (mke2fs -d copies it), so an mtime identifies an inode. */
function stampTree(dir: string): void {
  let t = 0;
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, e.name);
      if (e.isDirectory()) walk(full);
      t++;
      if (e.isSymbolicLink()) lutimesSync(full, 1_600_000_000, 1_400_000_000 + t);
      else utimesSync(full, 1_600_000_000, 1_400_000_000 + t);
    }
  };
  walk(dir);
}

function buildMainTree(): string {
  const dir = join(work, 'main-tree');
  const p = (...parts: string[]): string => join(dir, ...parts);
  mkdirSync(p('dir', 'sub'), { recursive: true });
  mkdirSync(p('mnt'));
  writeFileSync(p('dir', 'file'), 'file\n');
  writeFileSync(p('dir', 'sub', 'deeper'), 'deeper\n');
  writeFileSync(p('top-file'), 'top\n');
  writeFileSync(p('n'.repeat(255)), 'long name\n');
  symlinkSync('sub', p('dir', 'link-to-sub'));
  symlinkSync('..', p('dir', 'link-up'));
  symlinkSync('file', p('dir', 'link-file'));
  symlinkSync('dir/file', p('rel-link'));
  symlinkSync('/dir/file', p('abs-link'));
  symlinkSync('/dir', p('abs-dir-link'));
  symlinkSync('/', p('root-link'));
  symlinkSync('/top-file', p('dir', 'abs-top'));
  symlinkSync('dir', p('dir-link'));
  symlinkSync('dir/', p('dir-link-slash'));
  symlinkSync('top-file/', p('file-link-slash'));
  symlinkSync('nowhere', p('dangling'));
  symlinkSync('loop-b', p('loop-a'));
  symlinkSync('loop-a', p('loop-b'));
  symlinkSync('self', p('self'));
  symlinkSync('dir/..', p('dotdot-link'));
  symlinkSync('mnt/inside', p('to-mnt'));
  // A slow link (target over 60 bytes) in the middle of a path.
  symlinkSync(`dir/${'./'.repeat(40)}sub`, p('slow-dir-link'));
  // chain-0 → chain-1 → … → chain-39 → top-file: 40 links; chain-x adds a 41st.
  for (let i = 0; i < MAXSYMLINKS; i++) symlinkSync(i === MAXSYMLINKS - 1 ? 'top-file' : `chain-${i + 1}`, p(`chain-${i}`));
  symlinkSync('chain-0', p('chain-x'));
  // A chain of 40 links to a directory, used in the middle of a path.
  for (let i = 0; i < MAXSYMLINKS; i++) symlinkSync(i === MAXSYMLINKS - 1 ? 'dir' : `dchain-${i + 1}`, p(`dchain-${i}`));
  stampTree(dir);
  return dir;
}

function buildMountedTree(): string {
  const dir = join(work, 'mounted-tree');
  mkdirSync(join(dir, 'bdir'), { recursive: true });
  writeFileSync(join(dir, 'inside'), 'inside the mounted filesystem\n');
  stampTree(dir);
  return dir;
}

async function mountTree(tree: string, name: string, dev: number): Promise<Ext2> {
  const image = makeExt2Image(tree, join(work, `${name}.ext2`), { blockSize: 1024, sizeKb: 4096 });
  return Ext2.mount(new MemoryBlockDevice(new Uint8Array(readFileSync(image))), { dev });
}

async function errnoOf(p: Promise<unknown>): Promise<number> {
  try {
    await p;
  } catch (e) {
    if (e instanceof FsError) return e.errno;
    throw e;
  }
  throw new Error('expected an FsError');
}

describe('path resolution', () => {
  let tree: string;
  let fs: Ext2;
  let root: Inode;
  let treeRootIno: number;

  before(async () => {
    tree = buildMainTree();
    treeRootIno = statSync(tree).ino;
    fs = await mountTree(tree, 'main', 0x0801);
    root = await fs.root();
  });

  /** What an inode is, comparable between the host tree and the image: 'root', or a unique mtime. */
  const nativeId = (st: Stats): string => (st.ino === treeRootIno ? 'root' : `mtime ${Math.floor(st.mtimeMs / 1000)}`);
  const ourId = (inode: Inode): string => (inode.ino === 2 ? 'root' : `mtime ${inode.stat().mtimeSec}`);

  /** Linux's answer for `path` relative to `cwd` (a directory of the tree): an id or an errno. */
  function native(cwd: string, path: string, follow: boolean): string {
    // Relative to a chdir'd working directory, so the path the kernel sees
    // (and its length limit) is exactly `path`.
    process.chdir(join(tree, cwd));
    try {
      return nativeId(follow ? statSync(path) : lstatSync(path));
    } catch (e) {
      const code = (e as { code?: string }).code!;
      assert.ok(code in ERRNO, `unexpected native error ${code}`);
      return `errno ${ERRNO[code]}`;
    }
  }

  async function ours(cwd: string, path: string, follow: boolean): Promise<string> {
    const cwdInode = cwd === '' ? root : await resolve(root, root, cwd, { followLast: true });
    try {
      return ourId(await resolve(root, cwdInode, path, { followLast: follow }));
    } catch (e) {
      if (e instanceof FsError) return `errno ${e.errno}`;
      throw e;
    }
  }

  // Relative paths whose answer the host can give: no absolute links, no `..` above the tree.
  const cases: Array<[cwd: string, path: string]> = [
    ['', 'top-file'], ['', 'dir'], ['', 'dir/'], ['', 'dir//sub///deeper'], ['', './dir/./sub/.'],
    ['', 'dir/sub/..'], ['', 'dir/sub/../file'], ['', 'dir/file/'], ['', 'dir/file/.'], ['', 'dir/file/..'],
    ['', 'top-file/'], ['', 'missing'], ['', 'missing/'], ['', 'missing/x'], ['', 'dir/missing/x'],
    ['', 'top-file/x'], ['', 'rel-link'], ['', 'rel-link/'], ['', 'dir-link'], ['', 'dir-link/'],
    ['', 'dir-link/file'], ['', 'dir-link-slash'], ['', 'dir-link-slash/file'], ['', 'file-link-slash'],
    ['', 'file-link-slash/'], ['', 'dangling'], ['', 'dangling/'], ['', 'loop-a'], ['', 'loop-a/'],
    ['', 'loop-a/x'], ['', 'self'], ['', 'dir/link-to-sub/deeper'], ['', 'dir/link-up'],
    ['', 'dir/link-up/top-file'], ['', 'dir/link-up/dir/link-up/dir/file'], ['', 'dir/link-file'],
    ['', 'dir/link-file/'], ['', 'dir/link-file/x'], ['', 'dotdot-link'], ['', 'dotdot-link/top-file'],
    ['', 'slow-dir-link/deeper'], ['', 'chain-0'], ['', 'chain-x'], ['', 'chain-39'], ['', 'chain-0/'],
    ['', 'dchain-0/file'], ['', 'dchain-0/sub/../file'], ['', 'n'.repeat(255)], ['', 'n'.repeat(256)],
    ['', 'missing/' + 'n'.repeat(256)], ['', 'top-file/' + 'n'.repeat(256)], ['', 'dir/' + 'n'.repeat(256) + '/x'],
    ['', '.' + '/'.repeat(4086) + 'top-file'], ['', '.' + '/'.repeat(4087) + 'top-file'],
    ['dir', 'file'], ['dir', '../top-file'], ['dir', 'sub/../../dir/file'], ['dir', 'link-up/rel-link'],
    ['dir', '.'], ['dir', '..'], ['dir/sub', '../link-to-sub/deeper'], ['dir/sub', '../../dir-link/../top-file'],
  ];

  it('agrees with Linux on relative paths, following the last link', async () => {
    for (const [cwd, path] of cases) {
      assert.equal(await ours(cwd, path, true), native(cwd, path, true), `stat(${JSON.stringify(path.length > 80 ? path.slice(0, 80) + '…' : path)}) in /${cwd}`);
    }
  });

  it('agrees with Linux on relative paths, not following the last link', async () => {
    for (const [cwd, path] of cases) {
      assert.equal(await ours(cwd, path, false), native(cwd, path, false), `lstat(${JSON.stringify(path.length > 80 ? path.slice(0, 80) + '…' : path)}) in /${cwd}`);
    }
  });

  it('covers the limits the cases were chosen for', () => {
    // The table above must really contain these outcomes (a guard against a fixture that lost them).
    const outcomes = new Set(cases.map(([c, p]) => native(c, p, true)));
    for (const errno of [2, 20, 40, 36]) assert.ok(outcomes.has(`errno ${errno}`), `errno ${errno} covered`);
    assert.equal(native('', 'chain-0', true), nativeId(statSync(join(tree, 'top-file'))));
    assert.equal(native('', 'chain-x', true), 'errno 40');
  });

  it('starts absolute paths and absolute link targets at the root', async () => {
    const id = (p: string): string => nativeId(lstatSync(join(tree, p)));
    const follow = async (path: string, cwd = root): Promise<string> => ourId(await resolve(root, cwd, path, { followLast: true }));
    const dir = await resolve(root, root, 'dir', { followLast: true });
    assert.equal(await follow('/dir/file'), id('dir/file'));
    assert.equal(await follow('dir/abs-top'), id('top-file'));
    assert.equal(await follow('abs-top', dir), id('top-file'));
    assert.equal(await follow('abs-link'), id('dir/file'));
    assert.equal(await follow('../abs-link', dir), id('dir/file'));
    assert.equal(await follow('/abs-dir-link/sub/deeper', dir), id('dir/sub/deeper'));
    assert.equal(await follow('dir/sub/../../abs-dir-link/file'), id('dir/file'));
    assert.equal(await follow('../root-link/top-file', dir), id('top-file'));
    assert.equal(await follow('/'), 'root');
    assert.equal(await follow('///'), 'root');
    assert.equal(await follow('root-link'), 'root');
    const link = await resolve(root, root, 'abs-link', { followLast: false });
    assert.equal(link.mode & S_IFMT, S_IFLNK);
  });

  it('keeps `..` at the root', async () => {
    const follow = async (path: string, cwd = root): Promise<string> => ourId(await resolve(root, cwd, path, { followLast: true }));
    assert.equal(await follow('..'), 'root');
    assert.equal(await follow('/..'), 'root');
    assert.equal(await follow('/../../top-file'), nativeId(lstatSync(join(tree, 'top-file'))));
    assert.equal(await follow('dir/../../..'), 'root');
    assert.equal(await follow('dir/link-up/..'), 'root');
    // A process chrooted into dir/ cannot climb out of it.
    const dir = await resolve(root, root, 'dir', { followLast: true });
    const inDir = await resolve(dir, dir, '../../sub/deeper', { followLast: true });
    assert.equal(ourId(inDir), nativeId(lstatSync(join(tree, 'dir/sub/deeper'))));
    assert.ok(sameInode(await resolve(dir, dir, '/..', { followLast: true }), dir));
    // Absolute link targets restart at the process root: /dir/file inside dir/ does not exist.
    assert.equal(await errnoOf(resolve(dir, dir, 'link-up/abs-link', { followLast: true })), ERRNO.ENOENT);
  });

  it('rejects an empty path and paths of 4096 bytes or more', async () => {
    assert.equal(await errnoOf(resolve(root, root, '', { followLast: true })), ERRNO.ENOENT);
    assert.equal(await errnoOf(resolve(root, root, '/'.repeat(4096), { followLast: true })), ERRNO.ENAMETOOLONG);
    assert.equal(ourId(await resolve(root, root, '/'.repeat(4095), { followLast: true })), 'root');
  });

  it('lets the kernel deny searching a directory', async () => {
    const dir = await resolve(root, root, 'dir', { followLast: true });
    const checkSearch = (d: Inode): void => {
      if (sameInode(d, dir)) throw new FsError(ERRNO.EACCES!, 'permission denied');
    };
    assert.equal(await errnoOf(resolve(root, root, 'dir/file', { followLast: true, checkSearch })), ERRNO.EACCES);
    assert.equal(ourId(await resolve(root, root, 'dir', { followLast: true, checkSearch })), ourId(dir));
  });

  describe('resolveParent', () => {
    const id = (p: string): string => (p === '' ? 'root' : nativeId(lstatSync(join(tree, p))));

    it('returns the directory and the last name, following links before it', async () => {
      for (const [path, parent, name] of [
        ['dir/file', 'dir', 'file'], ['dir/new-name', 'dir', 'new-name'], ['top-file', '', 'top-file'],
        ['dir-link/x', 'dir', 'x'], ['rel-link', '', 'rel-link'], ['/abs-dir-link/sub/new', 'dir/sub', 'new'],
        ['dangling', '', 'dangling'], ['dir//sub//', 'dir', 'sub'], ['dchain-0/new', 'dir', 'new'],
      ] as const) {
        const r = await resolveParent(root, root, path);
        assert.equal(ourId(r.parent), id(parent), path);
        assert.equal(r.name, name, path);
        assert.equal(r.kind, 'normal', path);
        assert.equal(r.trailingSlash, path.endsWith('/'), path);
      }
    });

    it('reports ".", ".." and "/" as such', async () => {
      let r = await resolveParent(root, root, 'dir/.');
      assert.deepEqual([ourId(r.parent), r.kind, r.name], [id('dir'), 'dot', '.']);
      r = await resolveParent(root, root, 'dir/sub/..');
      assert.deepEqual([ourId(r.parent), r.kind, r.name], [id('dir/sub'), 'dotdot', '..']);
      r = await resolveParent(root, root, '/');
      assert.deepEqual([ourId(r.parent), r.kind, r.name], ['root', 'root', '']);
      r = await resolveParent(root, root, '.');
      assert.deepEqual([ourId(r.parent), r.kind], ['root', 'dot']);
    });

    it('fails like a lookup would', async () => {
      for (const [path, errno] of [
        ['', 'ENOENT'], ['missing/x', 'ENOENT'], ['top-file/x', 'ENOTDIR'], ['loop-a/x', 'ELOOP'],
        ['n'.repeat(256), 'ENAMETOOLONG'], ['chain-x/x', 'ELOOP'], ['dangling/x', 'ENOENT'],
      ] as const) {
        assert.equal(await errnoOf(resolveParent(root, root, path)), ERRNO[errno], path);
      }
    });
  });

  describe('mount points', () => {
    let other: Ext2;
    let otherRoot: Inode;
    let mounts: Mounts;
    let mnt: Inode;

    before(async () => {
      other = await mountTree(buildMountedTree(), 'mounted', 0x0802);
      otherRoot = await other.root();
      mounts = new Mounts();
      mnt = await resolve(root, root, '/mnt', { followLast: true });
      mounts.mount(mnt, otherRoot);
    });

    const go = (path: string, cwd?: Inode, r?: Inode): Promise<Inode> =>
      resolve(r ?? root, cwd ?? root, path, { followLast: true, mounts });

    it('crosses into the mounted filesystem', async () => {
      assert.ok(sameInode(await go('/mnt'), otherRoot));
      assert.ok(sameInode(await go('mnt/'), otherRoot));
      const inside = await go('/mnt/inside');
      assert.equal(inside.fs, other);
      assert.equal(new TextDecoder().decode(await other.read(inside, 0, 100)), 'inside the mounted filesystem\n');
      assert.ok(sameInode(await go('to-mnt'), inside), 'a link into the mount');
      assert.ok(sameInode(await go('/mnt/bdir/..'), otherRoot));
      assert.ok(sameInode((await resolveParent(root, root, '/mnt/new', { mounts })).parent, otherRoot));
      // Without the table the walk stays on the first filesystem.
      assert.ok(sameInode(await resolve(root, root, '/mnt', { followLast: true }), mnt));
    });

    it('climbs out of a mounted root with ..', async () => {
      assert.ok(sameInode(await go('/mnt/..'), root));
      assert.ok(sameInode(await go('/mnt/bdir/../../dir/file'), await go('/dir/file')));
      assert.ok(sameInode(await go('..', otherRoot), root));
      assert.ok(sameInode(await go('../mnt/inside', otherRoot), await go('/mnt/inside')));
      // Chrooted at the mounted root, `..` stays there.
      assert.ok(sameInode(await go('/..', otherRoot, otherRoot), otherRoot));
      assert.ok(sameInode(await go('..', otherRoot, otherRoot), otherRoot));
    });

    it('refuses bad mounts and forgets unmounted ones', async () => {
      const file = await go('/top-file');
      assert.equal(await errnoOf(Promise.resolve().then(() => mounts.mount(file, otherRoot))), ERRNO.ENOTDIR);
      assert.equal(await errnoOf(Promise.resolve().then(() => mounts.mount(mnt, root))), ERRNO.EBUSY);
      const m2 = new Mounts();
      m2.mount(mnt, otherRoot);
      m2.umount(otherRoot);
      assert.ok(sameInode(await resolve(root, root, '/mnt', { followLast: true, mounts: m2 }), mnt));
      assert.equal(await errnoOf(resolve(root, root, '/mnt/inside', { followLast: true, mounts: m2 })), ERRNO.ENOENT);
    });
  });
});
