import type { Kernel } from '../kernel.js';
import type { Task } from '../task.js';

/**
 * A system call handler: arguments are EBX ECX EDX ESI EDI EBP (i386 Linux
 * convention). Returns the value for EAX (negative errno on failure, or
 * throw SyscallError), synchronously or as a Promise that parks the task.
 */
export type SyscallHandler = (
  k: Kernel, t: Task, a: number, b: number, c: number, d: number, e: number, f: number,
) => number | Promise<number>;

export type SyscallTable = Record<number, SyscallHandler>;

/** Write a NUL-terminated string, truncated to `size` bytes including the NUL. */
export function encodeString(s: string): Uint8Array {
  const b = new Uint8Array(s.length + 1);
  for (let k = 0; k < s.length; k++) b[k] = s.charCodeAt(k) & 0xff;
  return b;
}

/** Guest bytes (latin1 string) → UTF-8 aware nothing: names are byte strings (fs/names.ts). */
export function bytesToString(b: Uint8Array): string {
  let s = '';
  for (let k = 0; k < b.length; k += 4096) s += String.fromCharCode.apply(null, b.subarray(k, k + 4096) as unknown as number[]);
  return s;
}
