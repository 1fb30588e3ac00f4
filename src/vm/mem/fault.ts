/**
 * A CPU exception raised while executing an instruction. Thrown, caught by
 * the interpreter loop, which restores EIP to the faulting instruction so the
 * fault is precise (DESIGN.md decision 4); the kernel turns it into a signal.
 */
export const enum Vector {
  DE = 0, // divide error → SIGFPE (FPE_INTDIV)
  DB = 1, // debug (INT1/ICEBP) → SIGTRAP
  BP = 3, // breakpoint (INT3) → SIGTRAP
  OF = 4, // INTO → SIGSEGV
  BR = 5, // BOUND → SIGSEGV
  UD = 6, // invalid opcode → SIGILL
  NM = 7, // device not available (no FPU yet) → SIGILL here
  GP = 13, // general protection → SIGSEGV
  PF = 14, // page fault → SIGSEGV (or resolved by the kernel)
  MF = 16, // x87 error → SIGFPE
  XM = 19, // SIMD error → SIGFPE
}

export const enum FaultKind {
  /** No mapping at the address. */
  Unmapped = 1,
  /** Mapped, but the access is not permitted. */
  Protection = 2,
  /** Guest RAM exhausted while allocating a frame. */
  OutOfMemory = 3,
  /**
   * A file-backed page whose bytes have not been read yet (mem/file-backing.ts).
   * Not an error: the kernel reads the page (AddressSpace.pageIn) with the task
   * parked, then re-executes the instruction — or the system call — that met it.
   */
  NeedsPage = 4,
}

export class CpuFault {
  constructor(
    readonly vector: Vector,
    /** Faulting linear address for #PF; 0 otherwise. */
    readonly addr = 0,
    readonly kind: FaultKind | 0 = 0,
    /** 0 read, 1 write, 2 execute (for #PF). */
    readonly access = 0,
  ) {}
}
