/**
 * File-backed pages (mmap of a file, ELF segments): a page records where its
 * bytes live in a file and is read only when first touched (DESIGN.md
 * decisions 3 and 4). Reading is asynchronous, so AddressSpace.fill() throws
 * a CpuFault of kind NeedsPage; the kernel parks the task on
 * AddressSpace.pageIn() and then re-executes the faulting instruction.
 *
 * mem/ must not know the filesystem: the kernel wraps an inode in this
 * interface.
 */
export interface FileSource {
  /** Read up to `length` bytes at `offset` (shorter at end of file). */
  read(offset: number, length: number): Promise<Uint8Array>;
  /** A name for diagnostics (the path it was opened by). */
  readonly name: string;
}

/** Where one guest page's initial contents come from. */
export interface FilePage {
  readonly src: FileSource;
  /** Byte offset in the file of the page's first byte. */
  readonly offset: number;
  /** Bytes taken from the file (0..4096); the rest of the page reads as zero. */
  readonly length: number;
}

/**
 * Counters of page-ins, shared by every address space of the process (Node
 * test or browser worker): tests check that a big library is not read whole.
 */
export const pageInStats = { pages: 0, bytes: 0 };
