/**
 * Layout of the one WebAssembly.Memory a VM owns (DESIGN.md decision 1).
 * The interpreter reads it through typed-array views; the JIT (a later issue)
 * imports the same memory, so these offsets are an ABI between the tiers.
 *
 *   0x0000_0000  CPU state of the running task (STATE_BYTES)
 *   0x0000_8000  the JIT's valid byte per compiled block id (JIT_VALID_BASE)
 *   0x0001_0000  TLB, read entries:  Int32[2^20], one per 4 KiB guest page
 *   0x0041_0000  TLB, write entries: Int32[2^20]
 *   0x0100_0000  frame pool: `memoryMb` MiB of 4 KiB physical frames
 *
 * A TLB entry is 0 (miss) or the byte offset of the page's frame in this
 * memory; the frame pool starts above 0, so a hit is never 0.
 */
export const PAGE_SIZE = 4096;
export const PAGE_SHIFT = 12;
export const PAGE_MASK = 0xfff;

export const STATE_BASE = 0;
export const STATE_BYTES = 0x1000;
/**
 * A byte per compiled block id (jit/): 1 while the block is valid. Compiled
 * code that calls another block directly checks it first, since a block can
 * be invalidated (its page written) while a module calling it lives on.
 */
export const JIT_VALID_BASE = 0x8000;
export const JIT_MAX_IDS = 0x8000;
export const TLB_READ_BASE = 0x10000;
export const TLB_WRITE_BASE = 0x410000;
export const TLB_ENTRIES = 1 << 20;
export const FRAMES_BASE = 0x1000000;

/**
 * Int32 indices into the state area (byte offset = index * 4).
 * General registers follow the x86 encoding order so a ModRM reg field
 * indexes them directly.
 */
export const R_EAX = 0;
export const R_ECX = 1;
export const R_EDX = 2;
export const R_EBX = 3;
export const R_ESP = 4;
export const R_EBP = 5;
export const R_ESI = 6;
export const R_EDI = 7;
export const S_EIP = 8;
/** Materialised EFLAGS bits; arithmetic bits are stale while S_LAZY_OP != 0. */
export const S_FLAGS = 9;
/** Lazy-flags: which operation last set the arithmetic flags (see cpu/flags.ts). */
export const S_LAZY_OP = 10;
export const S_LAZY_RES = 11;
export const S_LAZY_A = 12;
export const S_LAZY_B = 13;
/** Segment selectors ES, CS, SS, DS, FS, GS (x86 Sreg encoding order). */
export const S_SEG_SEL = 16;
/** Segment bases, same order. */
export const S_SEG_BASE = 24;
/** Bases of the three TLS descriptors (GDT entries 6–8, set_thread_area). */
export const S_TLS_BASE = 32;
/** Limits of the TLS descriptors (bytes - 1); -1 slot value 0 with S_TLS_USED 0 = empty. */
export const S_TLS_LIMIT = 35;
/** 1 when the TLS descriptor is present. */
export const S_TLS_USED = 38;
export const TLS_ENTRY_MIN = 6;
export const TLS_ENTRIES = 3;
/** Linux i386 user selectors (arch/x86/include/asm/segment.h). */
export const USER_CS = 0x73;
export const USER_DS = 0x7b;

/** Byte offsets in the state area of the x87/MMX unit (x87.ts defines the inside) and of SSE. */
export const X87_STATE = 0x200;
export const X87_STATE_BYTES = 0x200;
/** XMM0–7, 16 bytes each, little-endian. */
export const XMM_STATE = 0x400;
/** MXCSR (Int32). */
export const MXCSR_STATE = 0x480;

export const SEG_ES = 0;
export const SEG_CS = 1;
export const SEG_SS = 2;
export const SEG_DS = 3;
export const SEG_FS = 4;
export const SEG_GS = 5;

/** Bytes of memory a VM with `memoryMb` MiB of guest RAM needs. */
export function memoryBytes(memoryMb: number): number {
  return FRAMES_BASE + memoryMb * 1024 * 1024;
}
