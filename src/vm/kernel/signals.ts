import { S_EIP, S_FLAGS, S_LAZY_OP, S_SEG_BASE, S_SEG_SEL, SEG_CS, SEG_DS, SEG_ES, SEG_SS, USER_CS, USER_DS, X87_STATE } from '../mem/layout.js';
import { SyscallError } from './errors.js';
import { getFlags, materialize } from '../cpu/flags.js';
import { EAGAIN, EINTR } from './abi/errno.js';
import { O_NONBLOCK } from './abi/structs.js';
import type { OpenFile } from './files.js';
import * as S from './abi/structs.js';
import type { Kernel } from './kernel.js';
import { TASK_BLOCKED, TASK_ZOMBIE, type Task } from './task.js';
import { continueTask, isOrphanedPgrp, stopTask } from './job-control.js';

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

export function bit(sig: number): [number, number] {
  return sig <= 32 ? [1 << (sig - 1), 0] : [0, 1 << (sig - 33)];
}

export function isBlocked(t: Task, sig: number): boolean {
  const [lo, hi] = bit(sig);
  return ((t.sigmask[0] & lo) | (t.sigmask[1] & hi)) !== 0;
}

export function actionOf(t: Task, sig: number): { handler: number; flags: number; restorer: number; mask: [number, number] } {
  return t.sigactions.get(sig) ?? { handler: SIG_DFL, flags: 0, restorer: 0, mask: [0, 0] };
}

/** SIGRTMIN as the kernel counts (glibc keeps 32 and 33 for itself and calls 34 SIGRTMIN). */
const KERNEL_SIGRTMIN = 32;
/** Most instances of one real-time signal kept queued (a stand-in for RLIMIT_SIGPENDING). */
const RT_QUEUE_MAX = 1024;
const SYNCHRONOUS = new Set([S.SIGSEGV, S.SIGBUS, S.SIGILL, S.SIGTRAP, S.SIGFPE, S.SIGSYS]);

function signalOrder(a: number, b: number): number {
  const sa = SYNCHRONOUS.has(a) ? 0 : 1;
  const sb = SYNCHRONOUS.has(b) ? 0 : 1;
  return sa !== sb ? sa - sb : a - b;
}

/**
 * Instances of real-time signals queued behind the one in a pending map:
 * real-time signals queue, standard ones do not (signal(7)). Kept beside
 * the map so the map stays "signal → the siginfo delivered next".
 */
const rtQueued = new WeakMap<Map<number, SigInfo>, Map<number, SigInfo[]>>();

function enqueue(q: Map<number, SigInfo>, sig: number, info: SigInfo): void {
  if (!q.has(sig)) {
    q.set(sig, info);
    return;
  }
  if (sig < KERNEL_SIGRTMIN) return;
  let m = rtQueued.get(q);
  if (!m) rtQueued.set(q, (m = new Map()));
  let l = m.get(sig);
  if (!l) m.set(sig, (l = []));
  if (l.length < RT_QUEUE_MAX) l.push(info);
}

/** Take `sig` off the pending map `q`; the next queued instance of a real-time signal moves up. */
export function takeSignal(q: Map<number, SigInfo>, sig: number): void {
  q.delete(sig);
  const l = rtQueued.get(q)?.get(sig);
  if (l && l.length > 0) q.set(sig, l.shift()!);
}

/** Discard every pending instance of `sig` in `q` (its disposition became SIG_IGN). */
export function discardSignal(q: Map<number, SigInfo>, sig: number): void {
  q.delete(sig);
  rtQueued.get(q)?.delete(sig);
}

/** Whether `sig` is in the sigset `set`. */
export function inSet(set: [number, number], sig: number): boolean {
  const [lo, hi] = bit(sig);
  return ((set[0] & lo) | (set[1] & hi)) !== 0;
}

/** Whether `t` has a pending signal (its own or its process's) it would act on now. */
export function hasDeliverable(t: Task): boolean {
  for (const sig of t.pending.keys()) if (!isBlocked(t, sig) || sig === S.SIGKILL) return true;
  for (const sig of t.proc.sharedPending.keys()) if (!isBlocked(t, sig) || sig === S.SIGKILL) return true;
  return false;
}

/** Whether `sig` would be thrown away on arrival at `t`: ignored, and not blocked or waited for (sig_ignored in kernel/signal.c). */
function discarded(t: Task, sig: number): boolean {
  if (sig === S.SIGKILL || sig === S.SIGSTOP) return false;
  const act = actionOf(t, sig);
  const ignored = act.handler === SIG_IGN || (act.handler === SIG_DFL && DEFAULT_IGNORE.has(sig));
  return ignored && !isBlocked(t, sig) && !(t.sigWait !== null && inSet(t.sigWait.set, sig));
}

/** A thread of `t`'s process wants `sig` now: it waits for it, or does not block it (wants_signal). */
function wants(th: Task, sig: number): boolean {
  if (th.threadExited || th.state === TASK_ZOMBIE) return false;
  if (th.sigWait !== null && inSet(th.sigWait.set, sig)) return true;
  return !isBlocked(th, sig) || sig === S.SIGKILL;
}

/**
 * What arriving does before queueing (kernel/signal.c prepare_signal):
 * SIGCONT continues a stopped process whatever its disposition and
 * discards pending stops; a stop signal discards a pending SIGCONT.
 */
function prepare(k: Kernel, t: Task, sig: number): void {
  const queues = [t.proc.sharedPending, ...[...t.proc.threads].map((th) => th.pending)];
  if (sig === S.SIGCONT) {
    for (const q of queues) for (const s of DEFAULT_STOP) discardSignal(q, s);
    continueTask(k, t);
  } else if (DEFAULT_STOP.has(sig)) for (const q of queues) discardSignal(q, S.SIGCONT);
}

/**
 * A process-directed signal (kill(2), SIGCHLD, timers): queued for the
 * process and taken by the first thread that does not block it — the one
 * named first, else any other (complete_signal in kernel/signal.c).
 */
export function signalProcess(k: Kernel, t: Task, sig: number, info: SigInfo = { code: S.SI_USER }): void {
  const p = t.proc;
  if (p.exited || sig === 0) return;
  prepare(k, t, sig);
  if (discarded(t, sig)) return;
  // Standard signals do not queue: one pending instance at a time.
  enqueue(p.sharedPending, sig, info);
  p.signalQueue.wake();
  let target: Task | null = wants(t, sig) ? t : null;
  if (target === null) for (const th of p.threads) if (wants(th, sig)) { target = th; break; }
  if (target === null) return; // every thread blocks it: it stays pending
  wakeFor(k, target, sig, p.sharedPending);
}

/** Post `sig` to the thread `t` (tkill, faults, SIGPIPE): ignore it, act on it by default, or queue it for a handler. */
export function postSignal(k: Kernel, t: Task, sig: number, info: SigInfo = { code: S.SI_USER }): void {
  if (t.state === TASK_ZOMBIE || t.proc.exited || sig === 0) return;
  prepare(k, t, sig);
  if (discarded(t, sig)) return;
  enqueue(t.pending, sig, info);
  t.proc.signalQueue.wake();
  wakeFor(k, t, sig, t.pending);
}

/** `sig` is pending for `t` (in `q`): end a sigtimedwait for it, interrupt a blocking call, or act on a default action now. */
function wakeFor(k: Kernel, t: Task, sig: number, q: Map<number, SigInfo>): void {
  if (t.sigWait !== null && inSet(t.sigWait.set, sig)) {
    t.sigWait.wake();
    return;
  }
  // A stopped process acts on nothing but SIGKILL until continued (kernel/signal.c wants_signal).
  if (t.stopped && sig !== S.SIGKILL) return;
  const act = actionOf(t, sig);
  const dfl = act.handler === SIG_DFL || sig === S.SIGKILL || sig === S.SIGSTOP;
  if (!isBlocked(t, sig) || sig === S.SIGKILL) {
    // A task parked in an interruptible call wakes up with EINTR: the kernel restarts the call
    // unless a handler without SA_RESTART runs (kernel.ts finishSyscall), so a stopped call
    // carries on once the task is continued.
    if (t.state === TASK_BLOCKED && t.interrupt !== null) t.interrupt();
    if (dfl) {
      takeSignal(q, sig);
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
  // Like the kernel's exit-to-user loop, deliver every deliverable signal now: each
  // handler's frame goes on top of the last, so the last one set up runs first.
  for (let framed = true; framed; ) {
    framed = false;
    // The thread's own signals first, then the process's; in each, the synchronous (fault)
    // signals first, then the lowest number (dequeue_signal, next_signal in kernel/signal.c).
    const queued: [number, SigInfo, Map<number, SigInfo>][] = [];
    for (const q of [t.pending, t.proc.sharedPending]) {
      for (const sig of [...q.keys()].sort(signalOrder)) queued.push([sig, q.get(sig)!, q]);
    }
    for (const [sig, info, from] of queued) {
      if (t.state === TASK_ZOMBIE || t.proc.exited || t.stopped) return true;
      if (isBlocked(t, sig) && sig !== S.SIGKILL) continue;
      const act = actionOf(t, sig);
      if (act.handler === SIG_DFL || sig === S.SIGKILL || sig === S.SIGSTOP) {
        takeSignal(from, sig);
        if (DEFAULT_IGNORE.has(sig)) continue;
        defaultAction(k, t, sig);
        if (t.stopped || t.state === TASK_ZOMBIE || t.proc.exited) return true;
        continue;
      }
      if (act.handler === SIG_IGN) {
        takeSignal(from, sig);
        continue;
      }
      // A handler can only be entered when the task is not inside a system call.
      if (t.state === TASK_BLOCKED) return did;
      takeSignal(from, sig);
      try {
        buildFrame(k, t, sig, info, act);
      } catch {
        // The frame could not be written (bad stack): SIGSEGV, like Linux's force_sigsegv.
        k.exitTask(t, 0, S.SIGSEGV, true);
        return true;
      }
      did = true;
      framed = true;
      break;
    }
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

/**
 * Run `attempt` (a read or write of a file that never waits itself, see
 * OpenFile.waitsByPoll); while it says EAGAIN on a blocking descriptor,
 * wait for the file's next readiness change (a signal ends the wait with
 * EINTR) and try again.
 */
export function retryWhenReady<T>(t: Task, f: OpenFile, attempt: () => T): T | Promise<T> {
  const again = (e: unknown): boolean => e instanceof SyscallError && e.errno === EAGAIN && (f.flags & O_NONBLOCK) === 0;
  try {
    return attempt();
  } catch (e) {
    if (!again(e)) throw e;
  }
  return (async () => {
    for (;;) {
      await interruptible(t, f.pollChange());
      try {
        return attempt();
      } catch (e) {
        if (!again(e)) throw e;
      }
    }
  })();
}

/** The lowest pending signal of `t` (its own, then its process's) in `set`, taken off its queue. */
export function dequeueSignal(t: Task, set: [number, number]): [number, SigInfo] | null {
  for (const q of [t.pending, t.proc.sharedPending]) {
    let best = 0;
    for (const sig of q.keys()) if (inSet(set, sig) && (best === 0 || sig < best)) best = sig;
    if (best !== 0) {
      const info = q.get(best)!;
      takeSignal(q, best);
      return [best, info];
    }
  }
  return null;
}
