/* Shared by the conformance programs in test/guest/.
 *
 * Every program runs single instructions under inline asm with explicit
 * operands, captures EFLAGS with pushf/pop, masks the flags the Intel SDM
 * (Vol. 2, each instruction's "Flags Affected") leaves undefined, and prints
 * one deterministic line per case. The expected output is the same binary run
 * natively; see test/support/guest.mjs.
 *
 * No floating point anywhere (the VM has no FPU yet), no addresses, no time.
 */
#ifndef GUEST_COMMON_H
#define GUEST_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;

/* EFLAGS bits (SDM Vol. 1, 3.4.3). */
#define F_CF 0x001u
#define F_PF 0x004u
#define F_AF 0x010u
#define F_ZF 0x040u
#define F_SF 0x080u
#define F_DF 0x400u
#define F_OF 0x800u
/* The six status flags. */
#define F_ARITH (F_CF | F_PF | F_AF | F_ZF | F_SF | F_OF) /* 0x8d5 */
/* Status flags minus AF: logic ops (AND/OR/XOR/TEST) leave AF undefined. */
#define F_LOGIC (F_CF | F_PF | F_ZF | F_SF | F_OF) /* 0x8c5 */

/* The two input flag states used throughout: "c0" = every status flag clear,
 * "c1" = every status flag set. Besides carry-in this shows whether an
 * instruction preserves or overwrites each flag. Never TF, AC (Linux enables
 * alignment checking when AC is set) or DF. */
static const u32 FLAGS_IN[2] = {0x000u, F_ARITH};

#define NOINLINE __attribute__((noinline))

/* Run `insn` (a string of asm) with input flags `fin`, capture flags after it.
 * The push/popf pair is balanced before `insn` runs, so ESP-relative memory
 * operands chosen by the compiler stay valid inside `insn`. */
#define FLAGS_PRE "push %[fin]\n\tpopf\n\t"
#define FLAGS_POST "\n\tpushf\n\tpop %[fout]"

#endif
