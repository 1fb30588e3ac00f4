/** A system call failure: the handler throws it, the dispatcher returns -errno. */
export class SyscallError extends Error {
  constructor(readonly errno: number, message = '') {
    super(message);
    this.name = 'SyscallError';
  }
}

/**
 * A failure the user must see (bad image, not an ELF…): carries a type for
 * the element's `web-vm-error` and a status for the CLI.
 */
export class VmError extends Error {
  constructor(
    readonly type: 'image' | 'not-found' | 'exec-format' | 'internal' | 'permission',
    message: string,
    /** Shell-style exit status for the CLI (125 VM error, 126 cannot execute, 127 not found). */
    readonly status = 125,
  ) {
    super(message);
    this.name = 'VmError';
  }
}
