/**
 * CPUID.1 feature bits of the optional units, kept in a leaf module (no
 * imports) so every unit can read them without import cycles. Intel SDM
 * Vol. 2A, CPUID, Table 3-10/3-11. Set a bit only when the whole feature works.
 */
/** x87/MMX unit: FPU (EDX bit 0), MMX (bit 23), FXSR (bit 24, with FXSAVE/FXRSTOR). */
export const X87_CPUID_EDX = (1 << 0) | (1 << 23) | (1 << 24);
/** SSE unit: EDX SSE (25), SSE2 (26); ECX SSE3 (0), SSSE3 (9). */
export const SIMD_CPUID_EDX = (1 << 25) | (1 << 26);
export const SIMD_CPUID_ECX = (1 << 0) | (1 << 9);
