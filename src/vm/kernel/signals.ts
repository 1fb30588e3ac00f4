import { S_EIP, S_FLAGS, S_LAZY_OP, S_SEG_BASE, S_SEG_SEL, SEG_CS, SEG_DS, SEG_ES, SEG_SS, USER_CS, USER_DS, X87_STATE } from '../mem/layout.js';
import { SyscallError } from './errors.js';
import { getFlags, materialize } from '../cpu/flags.js';
import { EINTR } from './abi/errno.js';
import * as S from './abi/structs.js';
import type { Kernel } from './kernel.js';
import { TASK_BLOCKED, TASK_ZOMBIE, type Task } from './task.js';
import { continueTask, isOrphanedPgrp, stopTask } from './job-control.js';
import { signalQueued } from './signalfd.js';

/**
 * Signal delivery (signal(7), Linux arch/x86/kernel/signal_32.c): pending
 * signals, handlers run on a frame built on the user stack (sigcontext /
 * ucontext layouts generated from the i386 headers), sigreturn and
 * rt_sigreturn, interruption of blocking calls.
 *
 * Frames: non-RT  [pretcode][sig][sigcontext][extramask][retcode]
 *         RT      [pretcode][sig][pinfo][puc][siginfo][ucontext][retcode]
 * FPU/SSE state is kept kernel-side across the handler (a stack per task)
 * instead of in the frame's fpstate (which we leave 0).
 */
export const SIG_DFL = 0;
export const SIG_IGN = 1;
const DEFAULT_IGNORE = new Set([S.SIGCHLD, S.SIGCONT, S.SIGURG, S.SIGWINCH]);
const DEFAULT_CORE = new Set([S.SIGQUIT, S.SIGILL, S.SIGTRAP, S.SIGABRT, S.SIGBUS, S.SIGFPE, S.SIGSEGV, S.SIGXCPU, S.SIGXFSZ, S.SIGSYS]);
const DEFAULT_STOP = new Set([S.SIGSTOP, S.SIGTSTP, S.SIGTTIN, S.SIGTTOU]);

const FRAME_SIZE = 4 + 4 + S.SIGCONTEXT_SIZE + 4 + 8;
const RT_FRAME_SIZE = 16 + S.SIGINFO_SIZE + S.UCONTEXT_SIZE + 4 + 8;

export interface SigInfo {
  code: number;
  /** si_pid / si_addr / … : the first union word. */
  a?: number;
  b?: number;
  c?: number;
}

function bit(sig: number): [number, number] {
  return sig <= 32 ? [1 << (sig - 1), 0] : [0, 1 << (sig - 33)];
}

export function isBlocked(t: Task, sig: number): boolean {
  const [lo, hi] = bit(sig);
  return ((t.sigmask[0] & lo) | (t.sigmask[1] & hi)) !== 0;
}

function actionOf(t: Task, sig: number): { handler: number; flags: number; restorer: number; mask: [number, number] } {
  return t.sigactions.get(sig) ?? { handler: SIG_DFL, flags: 0, restorer: 0, mask: [0, 0] };
}

/** Whether `t` has a pending signal it would act on now. */
export function hasDeliverable(t: Task): boolean {
  for (const sig of t.pending.keys()) if (!isBlocked(t, sig) || sig === S.SIGKILL) return true;
  return false;
}

/** Post `sig` to `t`: ignore it, act on it by default, or queue it for a handler. */
export function postSignal(k: Kernel, t: Task, sig: number, info: SigInfo = { code: S.SI_USER }): void {
  if (t.state === TASK_ZOMBIE || sig === 0) return;
  // SIGCONT continues a stopped process whatever its disposition and discards pending stops;
  // a stop signal discards a pending SIGCONT (kernel/signal.c prepare_signal).
  if (sig === S.SIGCONT) {
    for (const s of DEFAULT_STOP) t.pending.delete(s);
    continueTask(k, t);
  } else if (DEFAULT_STOP.has(sig)) t.pending.delete(S.SIGCONT);
  const act = actionOf(t, sig);
  if (sig !== S.SIGKILL && sig !== S.SIGSTOP) {
    if (act.handler === SIG_IGN) return;
    // A blocked signal is queued even when its default is to ignore it (signalfd and sigwait read it).
    if (act.handler === SIG_DFL && DEFAULT_IGNORE.has(sig) && !isBlocked(t, sig)) return;
  }
  t.pending.set(sig, info);
  signalQueued(t);
  const dfl = act.handler === SIG_DFL || sig === S.SIGKILL || sig === S.SIGSTOP;
  // A stopped process acts on nothing but SIGKILL until continued (kernel/signal.c wants_signal).
  if (t.stopped && sig !== S.SIGKILL) return;
  if (!isBlocked(t, sig) || sig === S.SIGKILL) {
    // A task parked in an interruptible call wakes up with EINTR: the kernel restarts the call
    // unless a handler without SA_RESTART runs (kernel.ts finishSyscall), so a stopped call
    // carries on once the task is continued.
    if (t.state === TASK_BLOCKED && t.interrupt !== null) t.interrupt();
    if (dfl) {
      t.pending.delete(sig);
      defaultAction(k, t, sig);
    }
  }
}

/** The default action of `sig` (not ignored): stop, or terminate (with a core for some). */
function defaultAction(k: Kernel, t: Task, sig: number): void {
  if (DEFAULT_STOP.has(sig)) {
    // Stops from the terminal or kill are discarded in an orphaned process group (POSIX), SIGSTOP is not.
    if (sig !== S.SIGSTOP && isOrphanedPgrp(k, t.pgid)) return;
    stopTask(k, t, sig);
    return;
  }
  k.exitTask(t, 0, sig, DEFAULT_CORE.has(sig));
}

/**
 * Act on the pending unblocked signals of `t` before it next runs in user
 * mode: default actions terminate; handlers get a frame. Returns whether
 * anything happened.
 */
export function deliverPending(k: Kernel, t: Task): boolean {
  let did = false;
  for (const [sig, info] of [...t.pending]) {
    if (t.state === TASK_ZOMBIE || t.stopped) return true;
    if (isBlocked(t, sig) && sig !== S.SIGKILL) continue;
    const act = actionOf(t, sig);
    if (act.handler === SIG_DFL || sig === S.SIGKILL || sig === S.SIGSTOP) {
      t.pending.delete(sig);
      if (DEFAULT_IGNORE.has(sig)) continue;
      defaultAction(k, t, sig);
      if (t.stopped) return true;
      if (t.state === TASK_ZOMBIE) return true;
      continue;
    }
    if (act.handler === SIG_IGN) {
      t.pending.delete(sig);
      continue;
    }
    // A handler can only be entered when the task is not inside a system call.
    if (t.state === TASK_BLOCKED) return did;
    t.pending.delete(sig);
    try {
      buildFrame(k, t, sig, info, act);
    } catch {
      // The frame could not be written (bad stack): SIGSEGV, like Linux's force_sigsegv.
      k.exitTask(t, 0, S.SIGSEGV, true);
      return true;
    }
    did = true;
    break;
  }
  return did;
}

function buildFrame(k: Kernel, t: Task, sig: number, info: SigInfo, act: { handler: number; flags: number; restorer: number; mask: [number, number] }): void {
  const r = k.regsOf(t);
  materialize(r);
  const rt = (act.flags & S.SA_SIGINFO) !== 0;
  let sp = r[4] >>> 0;
  if ((act.flags & S.SA_ONSTACK) && t.altStack !== null && !onAltStack(t, sp)) sp = (t.altStack.sp + t.altStack.size) >>> 0;
  const size = rt ? RT_FRAME_SIZE : FRAME_SIZE;
  // The handler starts as if called: (sp + 4) is 16-byte aligned (i386 ABI).
  let frame = ((sp - size) & ~15) - 4;
  frame >>>= 0;
  const mask = t.savedMask ?? t.sigmask;
  t.savedMask = null;
  const sc = new Uint8Array(S.SIGCONTEXT_SIZE);
  const dv = new DataView(sc.buffer);
  const sel = (n: number): number => r[S_SEG_SEL + n] & 0xffff;
  dv.setUint32(S.SC_GS, sel(5), true);
  dv.setUint32(S.SC_FS, sel(4), true);
  dv.setUint32(S.SC_ES, sel(SEG_ES), true);
  dv.setUint32(S.SC_DS, sel(SEG_DS), true);
  dv.setUint32(S.SC_EDI, r[7], true);
  dv.setUint32(S.SC_ESI, r[6], true);
  dv.setUint32(S.SC_EBP, r[5], true);
  dv.setUint32(S.SC_ESP, r[4], true);
  dv.setUint32(S.SC_EBX, r[3], true);
  dv.setUint32(S.SC_EDX, r[2], true);
  dv.setUint32(S.SC_ECX, r[1], true);
  dv.setUint32(S.SC_EAX, r[0], true);
  dv.setUint32(S.SC_TRAPNO, info.code === -1 ? 14 : 0, true);
  dv.setUint32(S.SC_EIP, r[S_EIP], true);
  dv.setUint32(S.SC_CS, sel(SEG_CS), true);
  dv.setUint32(S.SC_EFLAGS, getFlags(r), true);
  dv.setUint32(S.SC_ESP_AT_SIGNAL, r[4], true);
  dv.setUint32(S.SC_SS, sel(SEG_SS), true);
  dv.setUint32(S.SC_FPSTATE, 0, true);
  dv.setUint32(S.SC_OLDMASK, mask[0], true);
  const retcode = new Uint8Array(8);
  let restorer = act.restorer >>> 0;
  if (rt) {
    const f = new Uint8Array(RT_FRAME_SIZE);
    const fv = new DataView(f.buffer);
    const pinfo = frame + 16;
    const puc = pinfo + S.SIGINFO_SIZE;
    // retcode: mov $173, %eax; int $0x80 (used when there is no SA_RESTORER)
    retcode.set([0xb8, 173, 0, 0, 0, 0xcd, 0x80, 0]);
    if (!(act.flags & S.SA_RESTORER)) restorer = puc + S.UCONTEXT_SIZE + 4;
    fv.setUint32(0, restorer, true);
    fv.setUint32(4, sig, true);
    fv.setUint32(8, pinfo, true);
    fv.setUint32(12, puc, true);
    fv.setInt32(16, sig, true);
    fv.setInt32(16 + 8, info.code, true);
    fv.setUint32(16 + 12, (info.a ?? 0) >>> 0, true);
    fv.setUint32(16 + 16, (info.b ?? 0) >>> 0, true);
    fv.setUint32(16 + 20, (info.c ?? 0) >>> 0, true);
    const uc = 16 + S.SIGINFO_SIZE;
    fv.setUint32(uc + S.UC_STACK, t.altStack ? t.altStack.sp : 0, true);
    fv.setUint32(uc + S.UC_STACK + 4, t.altStack ? (onAltStack(t, sp) ? 1 : 0) : 2, true);
    fv.setUint32(uc + S.UC_STACK + 8, t.altStack ? t.altStack.size : 0, true);
    f.set(sc, uc + S.UC_MCONTEXT);
    fv.setUint32(uc + S.UC_SIGMASK, mask[0], true);
    fv.setUint32(uc + S.UC_SIGMASK + 4, mask[1], true);
    f.set(retcode, uc + S.UCONTEXT_SIZE + 4);
    t.as.write(frame, f);
    r[0] = sig;
    r[2] = pinfo;
    r[1] = puc;
  } else {
    const f = new Uint8Array(FRAME_SIZE);
    const fv = new DataView(f.buffer);
    // retcode: popl %eax; movl $119, %eax; int $0x80
    retcode.set([0x58, 0xb8, 119, 0, 0, 0, 0xcd, 0x80]);
    if (!(act.flags & S.SA_RESTORER)) restorer = frame + 8 + S.SIGCONTEXT_SIZE + 4;
    fv.setUint32(0, restorer, true);
    fv.setUint32(4, sig, true);
    f.set(sc, 8);
    fv.setUint32(8 + S.SIGCONTEXT_SIZE, mask[1], true);
    f.set(retcode, 8 + S.SIGCONTEXT_SIZE + 4);
    t.as.write(frame, f);
    r[0] = sig;
    r[2] = 0;
    r[1] = 0;
  }
  // FPU/SSE state across the handler (restored by sigreturn).
  t.fpuStack.push(r.slice(X87_STATE >> 2, (X87_STATE + 0x300) >> 2));
  if (t.fpuStack.length > 64) t.fpuStack.shift();
  r[4] = frame;
  r[S_EIP] = act.handler;
  r[S_FLAGS] &= ~(0x400 | 0x100); // DF and TF clear on entry
  r[S_SEG_SEL + SEG_DS] = USER_DS;
  r[S_SEG_SEL + SEG_ES] = USER_DS;
  r[S_SEG_SEL + SEG_SS] = USER_DS;
  r[S_SEG_SEL + SEG_CS] = USER_CS;
  r[S_SEG_BASE + SEG_DS] = 0;
  r[S_SEG_BASE + SEG_ES] = 0;
  r[S_SEG_BASE + SEG_SS] = 0;
  // Block sa_mask and (unless SA_NODEFER) the signal itself while the handler runs.
  const [lo, hi] = act.flags & S.SA_NODEFER ? [0, 0] : bit(sig);
  t.sigmask = [mask[0] | act.mask[0] | lo, mask[1] | act.mask[1] | hi];
  t.sigmask[0] &= ~((1 << (S.SIGKILL - 1)) | (1 << (S.SIGSTOP - 1)));
  if (act.flags & S.SA_RESETHAND) t.sigactions.delete(sig);
}

function onAltStack(t: Task, sp: number): boolean {
  return t.altStack !== null && sp >= t.altStack.sp && sp < t.altStack.sp + t.altStack.size;
}

/** sigreturn / rt_sigreturn: restore the context saved in the frame. */
export function sigreturn(k: Kernel, t: Task, rt: boolean): number {
  const r = k.regsOf(t);
  const sp = r[4] >>> 0;
  // sigreturn runs after the restorer popped pretcode (and, non-RT, the sig argument).
  const scAddr = rt ? sp - 4 + 16 + S.SIGINFO_SIZE + S.UC_MCONTEXT : sp;
  const sc = new DataView(t.as.read(scAddr, S.SIGCONTEXT_SIZE).buffer);
  let mask: [number, number];
  if (rt) {
    const ucm = t.as.read(sp - 4 + 16 + S.SIGINFO_SIZE + S.UC_SIGMASK, 8);
    const mv = new DataView(ucm.buffer);
    mask = [mv.getUint32(0, true), mv.getUint32(4, true)];
  } else {
    mask = [sc.getUint32(S.SC_OLDMASK, true), t.as.read32(sp + S.SIGCONTEXT_SIZE)];
  }
  const u = (o: number): number => sc.getUint32(o, true) | 0;
  r[7] = u(S.SC_EDI);
  r[6] = u(S.SC_ESI);
  r[5] = u(S.SC_EBP);
  r[4] = u(S.SC_ESP);
  r[3] = u(S.SC_EBX);
  r[2] = u(S.SC_EDX);
  r[1] = u(S.SC_ECX);
  r[S_EIP] = u(S.SC_EIP);
  // User-changeable flags only (POPF rules).
  r[S_FLAGS] = (r[S_FLAGS] & ~0x244dd5) | (u(S.SC_EFLAGS) & 0x244dd5) | 2;
  r[S_LAZY_OP] = 0;
  const fpu = t.fpuStack.pop();
  if (fpu) r.set(fpu, X87_STATE >> 2);
  t.sigmask = [mask[0] & ~((1 << (S.SIGKILL - 1)) | (1 << (S.SIGSTOP - 1))), mask[1]];
  return u(S.SC_EAX);
}

/**
 * Wrap a blocking call so a signal interrupts it with EINTR. (`p` may still settle after an
 * interruption, during a later call: it then leaves that call's interrupt alone.)
 */
export function interruptible<T>(t: Task, p: Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const interrupt = (): void => {
      t.interrupt = null;
      t.interrupted = true;
      reject(new SyscallError(EINTR));
    };
    t.interrupt = interrupt;
    const done = (): void => {
      if (t.interrupt === interrupt) t.interrupt = null;
    };
    p.then(
      (v) => {
        done();
        resolve(v);
      },
      (e) => {
        done();
        reject(e);
      },
    );
  });
}
