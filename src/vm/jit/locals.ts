/**
 * The Wasm tier's function ABI: imported functions and locals of a
 * compiled block (block-jit.ts), shared with the emitters (emitters.ts).
 */
/** Imported functions (module "j"). */
export const F_CALLOUT = 0; // (id, k, t) → cpu.stop: run block id's insns[k]'s handler
export const F_TESTCC = 1; // (cc) → 0/1 from the lazy flags in memory
export const F_GETCF = 2; // () → CF from the lazy flags in memory

export const STOP_REFETCH = 2;


/**
 * Parameters: 0 = budget, 1 = instructions retired before this block in
 * this call (earlier blocks of a chain); then locals: 2–9 = EAX…EDI,
 * bookkeeping and temporaries.
 */
export const L_BUDGET = 0;
export const L_T = 1; // retired so far: earlier blocks of a chain, earlier trips round a self-loop
export const L_REG = 2;
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
export const PARAMS = 2;
export const LOCALS = 20; // beyond the parameters

/** Flag liveness effects. */
export const FX_NONE = 0; // leaves the arithmetic flags alone
export const FX_ALL = 1; // writes all of them, reads none
export const FX_READ = 2; // reads them (or anything unknown)

