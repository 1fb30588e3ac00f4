/** WebAssembly page size (WebAssembly core spec §2.5.5: 64 KiB). */
export const PAGE_BYTES = 65536;
