/**
 * The Wasm tier's function ABI: imported functions and locals of a
 * compiled block (block-jit.ts), shared with the emitters (emitters.ts).
 */
/** Imported functions (module "j"). */
export const F_CALLOUT = 0; // (k, t) → cpu.stop: run insns[k]'s handler
export const F_TESTCC = 1; // (cc) → 0/1 from the lazy flags in memory
export const F_GETCF = 2; // () → CF from the lazy flags in memory

export const STOP_REFETCH = 2;

/** Locals: 0 = budget (param), 1–8 = EAX…EDI, then bookkeeping and temporaries. */
export const L_BUDGET = 0;
export const L_REG = 1;
export const L_T = 9; // instructions retired by earlier trips round a self-loop
export const L_FA = 10;
export const L_FB = 11;
export const L_FR = 12;
export const L_FCF = 13;
export const L_ADDR = 14;
export const L_ENTRY = 15;
export const L_V = 16;
export const L_W = 17;
/** The emitters' result temporary. */
export const L_R = 18;
/** Scaled copies of L_FA/L_FB/L_FR for the conditions of 8- and 16-bit ops. */
export const L_SA = 19;
export const L_SB = 20;
export const L_SR = 21;
export const LOCALS = 21; // beyond the parameter

/** Flag liveness effects. */
export const FX_NONE = 0; // leaves the arithmetic flags alone
export const FX_ALL = 1; // writes all of them, reads none
export const FX_READ = 2; // reads them (or anything unknown)

