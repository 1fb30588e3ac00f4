import { resolve } from './fs/path.js';
import type { FileSystem } from './fs/types.js';
import { VmError } from './kernel/errors.js';

/** Who the first process runs as: a passwd(5) entry of the image, or bare ids. */
export interface UserInfo {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
}

const ROOT: UserInfo = { name: 'root', uid: 0, gid: 0, home: '/root', shell: '/bin/sh' };

async function passwd(root: FileSystem): Promise<string[][]> {
  try {
    const r = await root.root();
    const ino = await resolve(r, r, '/etc/passwd', { followLast: true });
    const size = ino.stat().size;
    const text = new TextDecoder().decode(await root.read(ino, 0, Math.min(size, 1 << 20)));
    return text.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(':'));
  } catch {
    return [];
  }
}

/**
 * `--user NAME|UID[:GID]` (like docker run --user): a name must be in the
 * image's /etc/passwd; a numeric uid takes its entry when there is one.
 * Undefined means root.
 */
export async function lookupUser(root: FileSystem, spec: string | undefined): Promise<UserInfo> {
  const entries = await passwd(root);
  const entryOf = (e: string[]): UserInfo => ({ name: e[0], uid: Number(e[2]), gid: Number(e[3]), home: e[5] || '/', shell: e[6] || '/bin/sh' });
  if (spec === undefined || spec === '') {
    const e = entries.find((x) => x[2] === '0');
    return e ? entryOf(e) : ROOT;
  }
  const m = /^([^:]+)(?::(\d+))?$/.exec(spec);
  if (!m) throw new VmError('not-found', `web-vm: --user expects NAME or UID[:GID], got '${spec}'`, 125);
  const [, who, gidText] = m;
  let u: UserInfo;
  if (/^\d+$/.test(who)) {
    const e = entries.find((x) => x[2] === who);
    u = e ? entryOf(e) : { name: who, uid: Number(who), gid: Number(who), home: '/', shell: '/bin/sh' };
  } else {
    const e = entries.find((x) => x[0] === who);
    if (!e) throw new VmError('not-found', `web-vm: no user '${who}' in the image's /etc/passwd`, 125);
    u = entryOf(e);
  }
  if (gidText !== undefined) u = { ...u, gid: Number(gidText) };
  return u;
}

/** The environment a login gives (WebVM's defaults): HOME, USER, LOGNAME, SHELL, PATH, TERM, LANG. */
export function loginEnvironment(u: UserInfo): string[] {
  const path = u.uid === 0
    ? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
    : '/usr/local/bin:/usr/bin:/bin:/usr/local/games:/usr/games';
  return [`HOME=${u.home}`, `USER=${u.name}`, `LOGNAME=${u.name}`, `SHELL=${u.shell}`, `PATH=${path}`, 'TERM=xterm-256color', 'LANG=C.UTF-8'];
}
