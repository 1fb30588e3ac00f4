// Types for i386-reference.mjs, so TypeScript tests (the CPU's native oracles) can import it.
export interface I386Reference {
  /** i386 binaries run on the CPU itself. */
  native: boolean;
  /** They run through qemu-user (binfmt_misc) instead. */
  qemu: boolean;
  /** The binfmt_misc interpreter, when not native. */
  interpreter?: string;
  /** Its `--version` line, when it answers one. */
  version?: string;
  /** "native i386" or "qemu-i386 7.2.22": what test output calls the reference. */
  label: string;
}
export declare function i386Reference(): I386Reference;
export declare function referenceIsQemu(): boolean;
/** "reference is qemu-i386 7.2.22: WHAT not compared (WHY)". */
export declare function notCompared(what: string, why: string): string;
