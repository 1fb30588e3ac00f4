/**
 * Path resolution over FileSystems, following path_resolution(7) and
 * Linux's fs/namei.c (link_path_walk, follow_dotdot).
 *
 * Paths and names are byte strings: one byte per JS character, 0x00–0xFF
 * (see names.ts), so `path.length` is the byte length the limits refer to.
 *
 * Mount points: a `Mounts` table maps a directory inode (fs, ino) to the
 * root of the filesystem mounted on it; resolution steps into that root
 * whenever a walk lands on the directory, and `..` at a mounted root climbs
 * to the directory it is mounted on before going up. Without a table the
 * walk stays within the filesystems the inodes belong to.
 */

import { EBUSY, EINVAL, ELOOP, ENAMETOOLONG, ENOENT, ENOTDIR } from '../kernel/abi/errno.js';
import { FsError, S_IFDIR, S_IFLNK, S_IFMT, type FileSystem, type Inode } from './types.js';

/** Longest path including its NUL (linux/limits.h); a path of 4096 bytes or more is ENAMETOOLONG. */
export const PATH_MAX = 4096;
/** Longest file name (linux/limits.h NAME_MAX). */
export const NAME_MAX = 255;
/** Symbolic links followed in one resolution before ELOOP (MAXSYMLINKS in fs/namei.c). */
export const MAXSYMLINKS = 40;

export function sameInode(a: Inode, b: Inode): boolean {
  return a.fs === b.fs && a.ino === b.ino;
}

function isDir(i: Inode): boolean {
  return (i.mode & S_IFMT) === S_IFDIR;
}

function isLink(i: Inode): boolean {
  return (i.mode & S_IFMT) === S_IFLNK;
}

/** The mount table: which filesystem root covers which directory. */
export class Mounts {
  /** mountpoint (fs, ino) → root of the filesystem mounted there. */
  private readonly down = new Map<FileSystem, Map<number, Inode>>();
  /** mounted root (fs, ino) → the directory it covers. */
  private readonly up = new Map<FileSystem, Map<number, Inode>>();

  /**
   * Mount the filesystem whose root is `root` on directory `mountpoint`.
   * Pass the mountpoint as resolution returns it (already crossed into any
   * mount on it), so mounting twice on one path stacks like Linux does.
   */
  mount(mountpoint: Inode, root: Inode): void {
    if (!isDir(mountpoint)) throw new FsError(ENOTDIR, 'mount: the mount point is not a directory');
    if (this.mountedOn(mountpoint) !== undefined) throw new FsError(EBUSY, 'mount: something is already mounted there');
    if (this.mountpointOf(root) !== undefined) throw new FsError(EBUSY, 'mount: that filesystem is already mounted');
    mapFor(this.down, mountpoint.fs).set(mountpoint.ino, root);
    mapFor(this.up, root.fs).set(root.ino, mountpoint);
  }

  /** Undo mount() of the filesystem whose root is `root`. */
  umount(root: Inode): void {
    const mp = this.mountpointOf(root);
    if (mp === undefined) throw new FsError(EINVAL, 'umount: not a mount root');
    this.down.get(mp.fs)!.delete(mp.ino);
    this.up.get(root.fs)!.delete(root.ino);
  }

  /** Root of the filesystem mounted on `dir`, if any. */
  mountedOn(dir: Inode): Inode | undefined {
    return this.down.get(dir.fs)?.get(dir.ino);
  }

  /** The directory that `root` is mounted on, if it is a mounted root. */
  mountpointOf(root: Inode): Inode | undefined {
    return this.up.get(root.fs)?.get(root.ino);
  }
}

function mapFor(m: Map<FileSystem, Map<number, Inode>>, fs: FileSystem): Map<number, Inode> {
  let inner = m.get(fs);
  if (inner === undefined) {
    inner = new Map();
    m.set(fs, inner);
  }
  return inner;
}

export interface WalkOptions {
  /** Mount table; absent means a single filesystem. */
  mounts?: Mounts;
  /**
   * Called before a directory is searched for a component; throw FsError
   * (EACCES) to deny. Permission checks belong to the kernel, which knows
   * the credentials.
   */
  checkSearch?: (dir: Inode) => void;
  /** Pid of the process resolving (what /proc/self names), passed to FileSystem.lookup. */
  caller?: number;
}

export interface ResolveOptions extends WalkOptions {
  /** Follow a symbolic link in the last component (stat vs lstat, O_NOFOLLOW). */
  followLast: boolean;
}

/** How the last component of a path looks (Linux's LAST_NORM, LAST_DOT, LAST_DOTDOT, LAST_ROOT). */
export type LastKind = 'normal' | 'dot' | 'dotdot' | 'root';

export interface ParentResult {
  /** The directory the last component is to be looked up, created or removed in. */
  parent: Inode;
  /** The last component; '' when kind is 'root'. */
  name: string;
  kind: LastKind;
  /** The path (or the link body it ended in) had a trailing slash: the object must be a directory. */
  trailingSlash: boolean;
}

/** Components still to walk: of the path itself, or of a link body. */
interface Frame {
  parts: string[];
  i: number;
  /** The last component must be a directory (a trailing '/'). */
  mustBeDir: boolean;
}

function frameOf(path: string): Frame {
  return { parts: path.split('/').filter((p) => p.length > 0), i: 0, mustBeDir: path.endsWith('/') };
}

/**
 * The inode `path` names. Relative paths start at `cwd`, absolute ones and
 * absolute link targets at `root` (the process root; `..` never leaves it).
 * Throws FsError: ENOENT (missing component, empty path or link target),
 * ENOTDIR (a component used as a directory is not one, or a trailing slash
 * on a non-directory), ELOOP (more than 40 links followed), ENAMETOOLONG
 * (path of 4096 bytes or more, a component over 255 bytes), or whatever the
 * filesystem raises (EIO on a corrupt image).
 */
export async function resolve(root: Inode, cwd: Inode, path: string, opts: ResolveOptions): Promise<Inode> {
  const r = await walk(root, cwd, path, opts, opts.followLast, false);
  return r.inode;
}

/**
 * The directory holding the last component of `path`, and that component,
 * for calls that create, remove or rename it. Symbolic links are followed
 * in every component but the last; a last component that is a link is
 * returned as a name (the caller decides whether to follow it, e.g. for
 * open(O_CREAT) without O_EXCL). "." and ".." as the last component come
 * back as kind 'dot' / 'dotdot' with `parent` the directory they were to be
 * looked up in; "/" comes back as kind 'root'.
 */
export async function resolveParent(root: Inode, cwd: Inode, path: string, opts: WalkOptions = {}): Promise<ParentResult> {
  const r = await walk(root, cwd, path, opts, false, true);
  return r.parent ?? { parent: r.inode, name: '', kind: 'root', trailingSlash: false };
}

async function walk(
  root: Inode, cwd: Inode, path: string, opts: WalkOptions, followLast: boolean, wantParent: boolean,
): Promise<{ inode: Inode; parent?: ParentResult }> {
  if (path.length === 0) throw new FsError(ENOENT, 'empty path');
  if (path.length >= PATH_MAX) throw new FsError(ENAMETOOLONG, `path of ${path.length} bytes is longer than 4095`);
  const mounts = opts.mounts;
  let cur = path.charCodeAt(0) === 0x2f ? root : cwd;
  const stack: Frame[] = [frameOf(path)];
  let links = 0;
  let lastMustBeDir = false;

  for (;;) {
    let top = stack[stack.length - 1]!;
    if (top.i === top.parts.length) {
      stack.pop();
      if (stack.length === 0) break;
      continue;
    }
    const name = top.parts[top.i++]!;
    const isLast = top.i === top.parts.length && stack.length === 1;
    const mustBeDir = isLast && top.mustBeDir;
    if (isLast) lastMustBeDir = mustBeDir;

    // Every component is looked up in a directory (path_resolution(7), step 2).
    if (!isDir(cur)) throw new FsError(ENOTDIR, `${JSON.stringify(name)} is looked up in something that is not a directory`);
    opts.checkSearch?.(cur);

    if (isLast && wantParent) {
      if (name.length > NAME_MAX) throw new FsError(ENAMETOOLONG, `name of ${name.length} bytes is longer than 255`);
      const kind: LastKind = name === '.' ? 'dot' : name === '..' ? 'dotdot' : 'normal';
      return { inode: cur, parent: { parent: cur, name, kind, trailingSlash: mustBeDir } };
    }
    if (name === '.') continue;
    if (name === '..') {
      cur = await dotdot(cur, root, mounts);
      continue;
    }
    if (name.length > NAME_MAX) throw new FsError(ENAMETOOLONG, `name of ${name.length} bytes is longer than 255`);

    const next = crossDown(await cur.fs.lookup(cur, name, opts.caller), mounts);
    if (isLink(next) && (!isLast || followLast || mustBeDir)) {
      if (++links > MAXSYMLINKS) throw new FsError(ELOOP, `too many levels of symbolic links (more than ${MAXSYMLINKS})`);
      const target = await next.fs.readlink(next);
      if (target.length === 0) throw new FsError(ENOENT, `symbolic link ${JSON.stringify(name)} is empty`);
      const body = frameOf(target);
      if (top.i === top.parts.length) {
        // The link ends its frame: its body replaces the frame and inherits
        // the frame's trailing-slash requirement.
        stack.pop();
        body.mustBeDir ||= top.mustBeDir;
      }
      stack.push(body);
      // Absolute targets restart at the process root, relative ones at the link's directory.
      if (target.charCodeAt(0) === 0x2f) cur = root;
      continue;
    }
    cur = next;
  }

  // In parent mode only a path without components ("/", "//") gets here.
  return { inode: finish(cur, lastMustBeDir) };
}

/** Check the trailing-slash rule on the inode a walk ended at. */
function finish(inode: Inode, mustBeDir: boolean): Inode {
  if (mustBeDir && !isDir(inode)) throw new FsError(ENOTDIR, 'a path with a trailing slash names something that is not a directory');
  return inode;
}

/** Step onto the root of whatever is mounted on `dir` (repeatedly, for stacked mounts). */
function crossDown(inode: Inode, mounts: Mounts | undefined): Inode {
  if (mounts === undefined) return inode;
  for (let depth = 0; ; depth++) {
    const over = mounts.mountedOn(inode);
    if (over === undefined) return inode;
    if (depth >= MAXSYMLINKS) throw new FsError(ELOOP, 'mount table loops');
    inode = over;
  }
}

/**
 * `..` of `cur` (follow_dotdot in fs/namei.c): the process root is its own
 * parent; at the root of a mounted filesystem, first climb to the directory
 * it is mounted on, then go up from there.
 */
async function dotdot(cur: Inode, root: Inode, mounts: Mounts | undefined): Promise<Inode> {
  for (let depth = 0; ; depth++) {
    if (sameInode(cur, root)) return cur;
    const mp = mounts?.mountpointOf(cur);
    if (mp === undefined) break;
    if (depth >= MAXSYMLINKS) throw new FsError(ELOOP, 'mount table loops');
    cur = mp;
  }
  return crossDown(await cur.fs.lookup(cur, '..'), mounts);
}
