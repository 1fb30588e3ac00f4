/* Shifts and rotates: SHL SHR SAR ROL ROR RCL RCR (8/16/32) and SHLD SHRD
 * (16/32), count in CL and as imm8 (C0/C1, D0/D1 for 1), register and memory
 * destinations, counts 0,1,2,7,8,9,15,16,17,31,32,33,63,255 (the CPU masks
 * the count to 5 bits).
 *
 * Defined flags (SDM Vol. 2 SAL/SAR/SHL/SHR, RCL/RCR/ROL/ROR, SHLD, SHRD),
 * with mc = count & 31:
 *   mc == 0: nothing is affected, every flag is preserved.
 *   shifts: CF (except SHL/SHR with mc >= operand size), SF ZF PF;
 *           OF only when mc == 1; AF undefined.
 *   rotates: CF; OF only when mc == 1; SF ZF AF PF preserved.
 *   SHLD/SHRD: CF SF ZF PF; OF only when mc == 1; AF undefined;
 *           16-bit with mc > 16: result and flags undefined (not printed).
 */
#include "common.h"

enum { SHL, SHR, SAR, ROL, ROR, RCL, RCR, SHLD, SHRD };
static const char *const NAMES[] = {"shl", "shr", "sar", "rol", "ror", "rcl", "rcr", "shld", "shrd"};

static const u8 COUNTS[] = {0, 1, 2, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 255};
#define NCOUNTS (sizeof COUNTS / sizeof COUNTS[0])

static const u32 VALS[] = {0, 1, 0x80000000, 0x7fffffff, 0xffffffff, 0x12345678, 0x87654321,
                           0x81, 0x8001, 0x40, 0xc000, 0x00010000};
#define NVALS (sizeof VALS / sizeof VALS[0])

/* -1 when the result itself is undefined. */
static int defined_mask(int op, int bits, int count) {
  int mc = count & 31;
  if (mc == 0) return F_ARITH;
  switch (op) {
  case SHL: case SHR: case SAR: {
    u32 m = F_SF | F_ZF | F_PF;
    if (op == SAR || mc < bits) m |= F_CF;
    if (mc == 1) m |= F_OF;
    return m;
  }
  case ROL: case ROR: case RCL: case RCR:
    return F_CF | F_SF | F_ZF | F_AF | F_PF | (mc == 1 ? F_OF : 0);
  default: /* SHLD, SHRD */
    if (bits == 16 && mc > 16) return -1;
    return F_CF | F_SF | F_ZF | F_PF | (mc == 1 ? F_OF : 0);
  }
}

typedef void shift_fn(u32 *d, u32 src, int count, u32 fin, u32 *fout);

/* Count in CL, register destination. */
#define SH_CL(fn, insn, T, C)                                                          \
  static NOINLINE void fn(u32 *d, u32 src, int count, u32 fin, u32 *fout) {           \
    T x = (T)*d;                                                                       \
    u8 c = (u8)count;                                                                  \
    u32 f;                                                                             \
    (void)src;                                                                         \
    __asm__ volatile(FLAGS_PRE insn " %%cl, %[x]" FLAGS_POST                          \
                     : [x] "+" C(x), [fout] "=&r"(f)                                   \
                     : "c"(c), [fin] "r"(fin)                                          \
                     : "cc");                                                          \
    *d = x;                                                                            \
    *fout = f;                                                                         \
  }

/* Count in CL, memory destination. */
#define SH_CLM(fn, insn, T)                                                            \
  static NOINLINE void fn(u32 *d, u32 src, int count, u32 fin, u32 *fout) {           \
    static T x;                                                                        \
    u8 c = (u8)count;                                                                  \
    u32 f;                                                                             \
    (void)src;                                                                         \
    x = (T)*d;                                                                         \
    __asm__ volatile(FLAGS_PRE insn " %%cl, %[x]" FLAGS_POST                          \
                     : [x] "+m"(x), [fout] "=&r"(f)                                    \
                     : "c"(c), [fin] "r"(fin)                                          \
                     : "cc");                                                          \
    *d = x;                                                                            \
    *fout = f;                                                                         \
  }

/* Immediate count: one asm statement per count, register or memory ("m"). */
#define IMMCASE(n, insn, C)                                                            \
  case n:                                                                              \
    __asm__ volatile(FLAGS_PRE insn " $" #n ", %[x]" FLAGS_POST                        \
                     : [x] "+" C(x), [fout] "=&r"(f)                                   \
                     : [fin] "r"(fin)                                                  \
                     : "cc");                                                          \
    break;

#define SH_IMM(fn, insn, T, C)                                                         \
  static NOINLINE void fn(u32 *d, u32 src, int count, u32 fin, u32 *fout) {           \
    T x = (T)*d;                                                                       \
    u32 f = 0;                                                                         \
    (void)src;                                                                         \
    switch (count) {                                                                   \
      IMMCASE(0, insn, C) IMMCASE(1, insn, C) IMMCASE(2, insn, C) IMMCASE(7, insn, C)   \
      IMMCASE(8, insn, C) IMMCASE(9, insn, C) IMMCASE(15, insn, C)                     \
      IMMCASE(16, insn, C) IMMCASE(17, insn, C) IMMCASE(31, insn, C)                   \
      IMMCASE(32, insn, C) IMMCASE(33, insn, C) IMMCASE(63, insn, C)                   \
      IMMCASE(255, insn, C)                                                            \
    }                                                                                  \
    *d = x;                                                                            \
    *fout = f;                                                                         \
  }

#define SH_ALL(op, Op)                                                                 \
  SH_CL(op##_cl8, #op "b", u8, "q")                                                    \
  SH_CL(op##_cl16, #op "w", u16, "r")                                                  \
  SH_CL(op##_cl32, #op "l", u32, "r")                                                  \
  SH_CLM(op##_clm8, #op "b", u8)                                                       \
  SH_CLM(op##_clm16, #op "w", u16)                                                     \
  SH_CLM(op##_clm32, #op "l", u32)                                                     \
  SH_IMM(op##_i8, #op "b", u8, "q")                                                    \
  SH_IMM(op##_i16, #op "w", u16, "r")                                                  \
  SH_IMM(op##_i32, #op "l", u32, "r")                                                  \
  SH_IMM(op##_im8, #op "b", u8, "m")                                                   \
  SH_IMM(op##_im16, #op "w", u16, "m")                                                 \
  SH_IMM(op##_im32, #op "l", u32, "m")

SH_ALL(shl, SHL)
SH_ALL(shr, SHR)
SH_ALL(sar, SAR)
SH_ALL(rol, ROL)
SH_ALL(ror, ROR)
SH_ALL(rcl, RCL)
SH_ALL(rcr, RCR)

/* SHLD/SHRD: dst is register (or memory), src register. */
#define DSH_CL(fn, insn, T, C)                                                         \
  static NOINLINE void fn(u32 *d, u32 src, int count, u32 fin, u32 *fout) {           \
    T x = (T)*d, y = (T)src;                                                           \
    u8 c = (u8)count;                                                                  \
    u32 f;                                                                             \
    __asm__ volatile(FLAGS_PRE insn " %%cl, %[y], %[x]" FLAGS_POST                    \
                     : [x] "+" C(x), [fout] "=&r"(f)                                   \
                     : [y] "r"(y), "c"(c), [fin] "r"(fin)                              \
                     : "cc");                                                          \
    *d = x;                                                                            \
    *fout = f;                                                                         \
  }

#define DIMMCASE(n, insn, C)                                                           \
  case n:                                                                              \
    __asm__ volatile(FLAGS_PRE insn " $" #n ", %[y], %[x]" FLAGS_POST                  \
                     : [x] "+" C(x), [fout] "=&r"(f)                                   \
                     : [y] "r"(y), [fin] "r"(fin)                                      \
                     : "cc");                                                          \
    break;

#define DSH_IMM(fn, insn, T, C)                                                        \
  static NOINLINE void fn(u32 *d, u32 src, int count, u32 fin, u32 *fout) {           \
    T x = (T)*d, y = (T)src;                                                           \
    u32 f = 0;                                                                         \
    switch (count) {                                                                   \
      DIMMCASE(0, insn, C) DIMMCASE(1, insn, C) DIMMCASE(2, insn, C)                   \
      DIMMCASE(7, insn, C) DIMMCASE(8, insn, C) DIMMCASE(9, insn, C)                   \
      DIMMCASE(15, insn, C) DIMMCASE(16, insn, C) DIMMCASE(17, insn, C)                \
      DIMMCASE(31, insn, C) DIMMCASE(32, insn, C) DIMMCASE(33, insn, C)                \
      DIMMCASE(63, insn, C) DIMMCASE(255, insn, C)                                     \
    }                                                                                  \
    *d = x;                                                                            \
    *fout = f;                                                                         \
  }

#define DSH_ALL(op)                                                                    \
  DSH_CL(op##_cl16, #op "w", u16, "r")                                                 \
  DSH_CL(op##_cl32, #op "l", u32, "r")                                                 \
  DSH_CL(op##_clm16, #op "w", u16, "m")                                                \
  DSH_CL(op##_clm32, #op "l", u32, "m")                                                \
  DSH_IMM(op##_i16, #op "w", u16, "r")                                                 \
  DSH_IMM(op##_i32, #op "l", u32, "r")                                                 \
  DSH_IMM(op##_im16, #op "w", u16, "m")                                                \
  DSH_IMM(op##_im32, #op "l", u32, "m")

DSH_ALL(shld)
DSH_ALL(shrd)

/* The four forms of one operation at one size: reg/CL, mem/CL, reg/imm, mem/imm. */
struct forms {
  shift_fn *f[4];
};
#define FORMS(op, s) {{op##_cl##s, op##_clm##s, op##_i##s, op##_im##s}}

static const struct forms TABLE[9][3] = {
    {FORMS(shl, 8), FORMS(shl, 16), FORMS(shl, 32)},
    {FORMS(shr, 8), FORMS(shr, 16), FORMS(shr, 32)},
    {FORMS(sar, 8), FORMS(sar, 16), FORMS(sar, 32)},
    {FORMS(rol, 8), FORMS(rol, 16), FORMS(rol, 32)},
    {FORMS(ror, 8), FORMS(ror, 16), FORMS(ror, 32)},
    {FORMS(rcl, 8), FORMS(rcl, 16), FORMS(rcl, 32)},
    {FORMS(rcr, 8), FORMS(rcr, 16), FORMS(rcr, 32)},
    {{{0}}, FORMS(shld, 16), FORMS(shld, 32)},
    {{{0}}, FORMS(shrd, 16), FORMS(shrd, 32)},
};

static const u32 DSRC[] = {0, 0xffffffff, 0x9abcdef0};

/* The shift-by-one encodings gas does not pick by itself: C1 /n ib with ib=1
 * (gas would use D1), and the D0/D1 forms on memory. Flags/results must equal
 * the count-1 CL form. */
static NOINLINE void special_forms(void) {
  for (int c = 0; c < 2; c++) {
    for (unsigned i = 0; i < NVALS; i++) {
      u32 x = VALS[i], f1, f2, m = VALS[i];
      /* C1 /4 01 = shl $1, %eax */
      __asm__ volatile(FLAGS_PRE ".byte 0xc1, 0xe0, 0x01" FLAGS_POST
                       : "+a"(x), [fout] "=&r"(f1)
                       : [fin] "r"(FLAGS_IN[c])
                       : "cc");
      __asm__ volatile(FLAGS_PRE "sarl %[m]" FLAGS_POST /* D1 /7 on memory */
                       : [m] "+m"(m), [fout] "=&r"(f2)
                       : [fin] "r"(FLAGS_IN[c])
                       : "cc");
      printf("c1-shl1 %08x c%d -> %08x %03x | d1-sar-mem -> %08x %03x\n", VALS[i], c, x,
             f1 & (F_ARITH & ~F_AF), m, f2 & (F_ARITH & ~F_AF));
    }
  }
}

int main(void) {
  static const int BITS[3] = {8, 16, 32};
  for (int op = 0; op < 9; op++) {
    for (int s = (op >= SHLD ? 1 : 0); s < 3; s++) {
      int bits = BITS[s], w = bits / 4;
      u32 vmask = bits == 32 ? 0xffffffffu : (1u << bits) - 1;
      unsigned nsrc = op >= SHLD ? sizeof DSRC / sizeof DSRC[0] : 1;
      for (unsigned i = 0; i < NVALS; i++) {
        u32 v = VALS[i] & vmask;
        /* skip values that collapse onto an earlier one at this size */
        int dup = 0;
        for (unsigned j = 0; j < i; j++) dup |= (VALS[j] & vmask) == v;
        if (dup) continue;
        for (unsigned si = 0; si < nsrc; si++) {
          u32 src = DSRC[si] & vmask;
          for (unsigned k = 0; k < NCOUNTS; k++) {
            int count = COUNTS[k];
            int mask = defined_mask(op, bits, count);
            for (int c = 0; c < 2; c++) {
              if (op >= SHLD)
                printf("%s%d %0*x %0*x n=%d c%d ->", NAMES[op], bits, w, v, w, src, count, c);
              else
                printf("%s%d %0*x n=%d c%d ->", NAMES[op], bits, w, v, count, c);
              if (mask < 0) {
                printf(" undefined\n");
                continue;
              }
              for (int form = 0; form < 4; form++) {
                u32 d = v, f;
                TABLE[op][s].f[form](&d, src, count, FLAGS_IN[c], &f);
                printf(" %0*x %03x", w, d & vmask, f & (u32)mask);
              }
              printf("\n");
            }
          }
        }
      }
    }
  }
  special_forms();
  return 0;
}
