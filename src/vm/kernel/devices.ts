import { ENOSPC, ESPIPE } from './abi/errno.js';
import type { Inode, Stat } from '../fs/types.js';
import type { Console } from './console.js';
import { SyscallError } from './errors.js';
import { OpenFile } from './files.js';

/** Open character devices of devfs (fs/devfs.ts): null, zero, full, random, urandom, tty. */
export class DeviceFile extends OpenFile {
  constructor(
    private readonly ino: Inode,
    private readonly name: string,
    flags: number,
    private readonly console: Console,
    private readonly random: (b: Uint8Array) => void,
  ) {
    super(flags, `/dev/${name}`);
  }
  stat(): Stat {
    return this.ino.stat();
  }
  override inode(): Inode {
    return this.ino;
  }
  override isTerminal(): boolean {
    return (this.name === 'tty' || this.name === 'console') && this.console.isTerminal(0);
  }
  read(len: number): Uint8Array | Promise<Uint8Array> {
    switch (this.name) {
      case 'null':
        return new Uint8Array(0);
      case 'zero':
      case 'full':
        return new Uint8Array(Math.min(len, 1 << 20));
      case 'random':
      case 'urandom': {
        const b = new Uint8Array(Math.min(len, 1 << 20));
        for (let o = 0; o < b.length; o += 65536) this.random(b.subarray(o, Math.min(b.length, o + 65536)));
        return b;
      }
      default:
        return this.console.read().then((d) => d ?? new Uint8Array(0));
    }
  }
  write(data: Uint8Array): number {
    if (this.name === 'full') throw new SyscallError(ENOSPC);
    if (this.name === 'tty' || this.name === 'console') this.console.write(1, data.slice());
    return data.length;
  }
  override seek(): number {
    if (this.name === 'tty') throw new SyscallError(ESPIPE);
    return 0;
  }
}
