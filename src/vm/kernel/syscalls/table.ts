import { fsSyscalls } from './fs.js';
import { fsWriteSyscalls } from './fs-write.js';
import { mmSyscalls } from './mm.js';
import { procSyscalls } from './proc.js';
import { futexSyscalls } from './futex.js';
import { pollSyscalls } from './poll.js';
import { processSyscalls } from './process.js';
import { signalSyscalls } from './signal.js';
import { timeSyscalls } from './time.js';
import { socketSyscalls } from './socket.js';
import { credSyscalls } from './cred.js';
import { ioSyscalls } from './io.js';
import { rusageSyscalls } from './rusage.js';
import { eventSyscalls } from './events.js';
import { schedSyscalls } from './sched.js';
import type { SyscallHandler } from './types.js';

/** i386 system call number → handler. Numbers missing here answer ENOSYS. */
export const SYSCALLS: (SyscallHandler | undefined)[] = [];
for (const family of [fsSyscalls, fsWriteSyscalls, pollSyscalls, futexSyscalls, mmSyscalls, procSyscalls, processSyscalls, timeSyscalls, signalSyscalls, rusageSyscalls, eventSyscalls, schedSyscalls, socketSyscalls, credSyscalls, ioSyscalls]) {
  for (const [nr, h] of Object.entries(family)) {
    if (SYSCALLS[Number(nr)] !== undefined) throw new Error(`syscall ${nr} defined twice`);
    SYSCALLS[Number(nr)] = h;
  }
}
