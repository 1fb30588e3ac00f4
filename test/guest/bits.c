/* Bit instructions and condition codes:
 *   BT/BTS/BTR/BTC 16/32 with register and imm8 offsets on register and
 *   memory operands, including register offsets beyond the operand (and
 *   negative) that address other words of a memory bit string;
 *   BSF/BSR 16/32 register and memory; BSWAP on every register;
 *   SETcc (register, memory), Jcc (rel8, rel32), CMOVcc (16/32, register,
 *   memory) for all 16 conditions under all 32 CF/PF/ZF/SF/OF combinations;
 *   XADD, CMPXCHG (both outcomes) 8/16/32 register and memory, CMPXCHG8B
 *   (both outcomes), and their LOCK forms.
 *
 * Defined flags (SDM Vol. 2):
 *   BT*: CF = selected bit; ZF unaffected (preserved); OF SF AF PF undefined.
 *   BSF/BSR: ZF; the rest undefined; destination undefined for a zero source
 *           (Intel), so it is not printed then.
 *   XADD, CMPXCHG: all six as for ADD/CMP.  CMPXCHG8B: ZF, the rest preserved.
 */
#include "common.h"

#define F_BT (F_CF | F_ZF)

/* ------------------------------------------------------------------ BT* */

static const int BTOFF[] = {0,   1,   7,    15,   16,   31,   32,  33,  63,  64,  100,
                            127, 200, 511,  -1,   -2,   -16,  -17, -31, -32, -33, -100,
                            -129, -300, -513};
#define NBTOFF (sizeof BTOFF / sizeof BTOFF[0])

/* Register destination, register offset (the CPU takes it mod operand size). */
#define BT_RR(fn, insn, T)                                                         \
  static NOINLINE void fn(u32 *v, int off, u32 fin, u32 *fout) {                   \
    T x = (T)*v, o = (T)off;                                                       \
    u32 f;                                                                         \
    __asm__ volatile(FLAGS_PRE insn " %[o], %[x]" FLAGS_POST                       \
                     : [x] "+r"(x), [fout] "=&r"(f)                                \
                     : [o] "r"(o), [fin] "r"(fin)                                  \
                     : "cc");                                                      \
    *v = x;                                                                        \
    *fout = f;                                                                     \
  }

/* Register or memory destination, imm8 offset (taken mod operand size). */
#define BTICASE(n, insn, C)                                                        \
  case n:                                                                          \
    __asm__ volatile(FLAGS_PRE insn " $" #n ", %[x]" FLAGS_POST                    \
                     : [x] "+" C(x), [fout] "=&r"(f)                               \
                     : [fin] "r"(fin)                                              \
                     : "cc");                                                      \
    break;
#define BT_I(fn, insn, T, C)                                                       \
  static NOINLINE void fn(u32 *v, int off, u32 fin, u32 *fout) {                   \
    T x = (T)*v;                                                                   \
    u32 f = 0;                                                                     \
    switch (off) {                                                                 \
      BTICASE(0, insn, C) BTICASE(1, insn, C) BTICASE(7, insn, C)                  \
      BTICASE(15, insn, C) BTICASE(16, insn, C) BTICASE(31, insn, C)               \
      BTICASE(32, insn, C) BTICASE(33, insn, C) BTICASE(63, insn, C)               \
      BTICASE(64, insn, C) BTICASE(100, insn, C) BTICASE(127, insn, C)             \
      BTICASE(200, insn, C) BTICASE(255, insn, C)                                  \
    }                                                                              \
    *v = x;                                                                        \
    *fout = f;                                                                     \
  }
static const int BTIMM[] = {0, 1, 7, 15, 16, 31, 32, 33, 63, 64, 100, 127, 200, 255};
#define NBTIMM (sizeof BTIMM / sizeof BTIMM[0])

/* Memory bit string, register offset: may address words before/after. */
static u32 bitstr[64];
#define BITBASE (bitstr + 32)
#define BT_MR(fn, insn, T)                                                         \
  static NOINLINE void fn(int off, u32 fin, u32 *fout) {                           \
    T o = (T)off;                                                                  \
    u32 f;                                                                         \
    __asm__ volatile(FLAGS_PRE insn " %[o], %[m]" FLAGS_POST                       \
                     : [fout] "=&r"(f)                                             \
                     : [m] "m"(*(T *)BITBASE), [o] "r"(o), [fin] "r"(fin)          \
                     : "cc", "memory");                                            \
    *fout = f;                                                                     \
  }

#define BT_ALL(op)                                                                 \
  BT_RR(op##_rr16, #op "w", u16)                                                   \
  BT_RR(op##_rr32, #op "l", u32)                                                   \
  BT_I(op##_ri16, #op "w", u16, "r")                                               \
  BT_I(op##_ri32, #op "l", u32, "r")                                               \
  BT_I(op##_mi16, #op "w", u16, "m")                                               \
  BT_I(op##_mi32, #op "l", u32, "m")                                               \
  BT_MR(op##_mr16, #op "w", u16)                                                   \
  BT_MR(op##_mr32, #op "l", u32)

BT_ALL(bt)
BT_ALL(bts)
BT_ALL(btr)
BT_ALL(btc)

typedef void bt_fn(u32 *v, int off, u32 fin, u32 *fout);
typedef void btm_fn(int off, u32 fin, u32 *fout);
struct btops {
  const char *name;
  bt_fn *rr[2], *ri[2], *mi[2];
  btm_fn *mr[2];
};
#define BTOPS(op)                                                                  \
  {#op, {op##_rr16, op##_rr32}, {op##_ri16, op##_ri32}, {op##_mi16, op##_mi32},    \
   {op##_mr16, op##_mr32}}
static const struct btops BTS[] = {BTOPS(bt), BTOPS(bts), BTOPS(btr), BTOPS(btc)};

static void fill_bitstr(void) {
  for (int i = 0; i < 64; i++) bitstr[i] = 0x9e3779b9u * (u32)(i + 1) ^ (u32)(i << 7);
}

static void test_bt(void) {
  static const u32 VALS[] = {0x00000000, 0xffffffff, 0x80000001, 0x5a5a5a5a};
  for (int o = 0; o < 4; o++) {
    for (int s = 0; s < 2; s++) {
      int bits = s ? 32 : 16, w = bits / 4;
      u32 vmask = s ? 0xffffffffu : 0xffff;
      for (unsigned i = 0; i < 4; i++) {
        for (unsigned k = 0; k < NBTOFF; k++) {
          int c = k & 1;
          u32 v = VALS[i] & vmask, f;
          BTS[o].rr[s](&v, BTOFF[k], FLAGS_IN[c], &f);
          printf("%s%d r,r %0*x off=%d c%d -> %0*x %03x\n", BTS[o].name, bits, w,
                 VALS[i] & vmask, BTOFF[k], c, w, v & vmask, f & F_BT);
        }
        for (unsigned k = 0; k < NBTIMM; k++) {
          int c = (k + i) & 1;
          u32 v = VALS[i] & vmask, m = v, f1, f2;
          BTS[o].ri[s](&v, BTIMM[k], FLAGS_IN[c], &f1);
          BTS[o].mi[s](&m, BTIMM[k], FLAGS_IN[c], &f2);
          printf("%s%d r,i %0*x imm=%d c%d -> %0*x %03x | m,i %0*x %03x\n", BTS[o].name, bits,
                 w, VALS[i] & vmask, BTIMM[k], c, w, v & vmask, f1 & F_BT, w, m & vmask,
                 f2 & F_BT);
        }
      }
      /* bit string in memory, register offset */
      for (unsigned k = 0; k < NBTOFF; k++) {
        for (int c = 0; c < 2; c++) {
          u32 before[64], f;
          fill_bitstr();
          memcpy(before, bitstr, sizeof before);
          BTS[o].mr[s](BTOFF[k], FLAGS_IN[c], &f);
          printf("%s%d m,r off=%d c%d -> %03x", BTS[o].name, bits, BTOFF[k], c, f & F_BT);
          for (int i = 0; i < 64; i++)
            if (bitstr[i] != before[i]) printf(" [%d]=%08x", (i - 32) * 4, bitstr[i]);
          printf("\n");
        }
      }
    }
  }
}

/* ------------------------------------------------------------------ BSF/BSR */

#define BS(fn, insn, T, C)                                                         \
  static NOINLINE void fn(u32 v, u32 fin, u32 *r, u32 *fout) {                     \
    T x = (T)0x1234, y = (T)v;                                                     \
    u32 f;                                                                         \
    __asm__ volatile(FLAGS_PRE insn " %[y], %[x]" FLAGS_POST                       \
                     : [x] "+r"(x), [fout] "=&r"(f)                                \
                     : [y] C(y), [fin] "r"(fin)                                    \
                     : "cc");                                                      \
    *r = x;                                                                        \
    *fout = f;                                                                     \
  }
BS(bsf16r, "bsfw", u16, "r")
BS(bsf16m, "bsfw", u16, "m")
BS(bsf32r, "bsfl", u32, "r")
BS(bsf32m, "bsfl", u32, "m")
BS(bsr16r, "bsrw", u16, "r")
BS(bsr16m, "bsrw", u16, "m")
BS(bsr32r, "bsrl", u32, "r")
BS(bsr32m, "bsrl", u32, "m")
typedef void bs_fn(u32 v, u32 fin, u32 *r, u32 *fout);

static void test_bs(void) {
  static const u32 VALS[] = {0,          1,          2,          3,          0x80,
                             0x8000,     0x10000,    0x80000000, 0xffffffff, 0x00f00f00,
                             0x12345678, 0x7fffffff, 0xfffe0000, 0x00010001, 0x40000000};
  static bs_fn *const FNS[2][2][2] = {{{bsf16r, bsf16m}, {bsf32r, bsf32m}},
                                      {{bsr16r, bsr16m}, {bsr32r, bsr32m}}};
  for (int op = 0; op < 2; op++)
    for (int s = 0; s < 2; s++)
      for (unsigned i = 0; i < sizeof VALS / sizeof VALS[0]; i++) {
        u32 vmask = s ? 0xffffffffu : 0xffff;
        u32 v = VALS[i] & vmask;
        for (int c = 0; c < 2; c++) {
          printf("%s%d %08x c%d ->", op ? "bsr" : "bsf", s ? 32 : 16, v, c);
          for (int form = 0; form < 2; form++) {
            u32 r, f;
            FNS[op][s][form](v, FLAGS_IN[c], &r, &f);
            if (v == 0)
              printf(" zf=%d", !!(f & F_ZF));
            else
              printf(" %u zf=%d", r & vmask, !!(f & F_ZF));
          }
          printf("\n");
        }
      }
}

/* ------------------------------------------------------------------ BSWAP */

static NOINLINE void test_bswap(void) {
  static const u32 VALS[] = {0x12345678, 0x000000ff, 0x80000001, 0};
  for (unsigned i = 0; i < 4; i++) {
    u32 v = VALS[i], a = v, b = v, c = v, d = v, S = v, D = v, p = v;
    __asm__ volatile("bswap %0" : "+a"(a));
    __asm__ volatile("bswap %0" : "+b"(b));
    __asm__ volatile("bswap %0" : "+c"(c));
    __asm__ volatile("bswap %0" : "+d"(d));
    __asm__ volatile("bswap %0" : "+S"(S));
    __asm__ volatile("bswap %0" : "+D"(D));
    /* EBP may be the frame pointer: borrow it and give it back */
    __asm__ volatile("push %%ebp\n\tmov %0, %%ebp\n\tbswap %%ebp\n\tmov %%ebp, %0\n\tpop %%ebp"
                     : "+a"(p));
    printf("bswap %08x -> %08x %08x %08x %08x %08x %08x %08x\n", v, a, b, c, d, S, D, p);
  }
}

/* ------------------------------------------------------------------ conditions */

#define CONDS(X)                                                                   \
  X(0, o) X(1, no) X(2, b) X(3, ae) X(4, e) X(5, ne) X(6, be) X(7, a) X(8, s)      \
  X(9, ns) X(10, p) X(11, np) X(12, l) X(13, ge) X(14, le) X(15, g)

/* Each returns a 16-bit mask: bit n = condition n was true. */
static NOINLINE u32 cond_setcc_reg(u32 fin) {
  u32 mask = 0;
  u8 r;
#define X(n, cc)                                                                   \
  __asm__ volatile(FLAGS_PRE "set" #cc " %[r]"                                      \
                   : [r] "=q"(r)                                                   \
                   : [fin] "r"(fin)                                                \
                   : "cc");                                                        \
  mask |= (u32)(r & 1) << n;
  CONDS(X)
#undef X
  return mask;
}

static NOINLINE u32 cond_setcc_mem(u32 fin) {
  u32 mask = 0;
  static u8 m;
#define X(n, cc)                                                                   \
  m = 0xee;                                                                        \
  __asm__ volatile(FLAGS_PRE "set" #cc " %[m]" : [m] "+m"(m) : [fin] "r"(fin) : "cc"); \
  mask |= (u32)(m == 1) << n | (u32)(m > 1) << 16;
  CONDS(X)
#undef X
  return mask;
}

static NOINLINE u32 cond_jcc8(u32 fin) {
  u32 mask = 0, t;
#define X(n, cc)                                                                   \
  __asm__ volatile(FLAGS_PRE "mov $0, %[t]\n\tj" #cc " 1f\n\tjmp 2f\n1:\tmov $1, %[t]\n2:" \
                   : [t] "=&r"(t)                                                  \
                   : [fin] "r"(fin)                                                \
                   : "cc");                                                        \
  mask |= t << n;
  CONDS(X)
#undef X
  return mask;
}

/* rel32 forms (0F 8x) forced with gas's {disp32} pseudo-prefix. */
static NOINLINE u32 cond_jcc32(u32 fin) {
  u32 mask = 0, t;
#define X(n, cc)                                                                   \
  __asm__ volatile(FLAGS_PRE "mov $0, %[t]\n\t%{disp32%} j" #cc " 1f\n\t%{disp32%} jmp 2f\n1:\tmov $1, %[t]\n2:" \
                   : [t] "=&r"(t)                                                  \
                   : [fin] "r"(fin)                                                \
                   : "cc");                                                        \
  mask |= t << n;
  CONDS(X)
#undef X
  return mask;
}

#define CMOV_FN(fn, T, C, S)                                                       \
  static NOINLINE u32 fn(u32 fin) {                                                \
    u32 mask = 0;                                                                  \
    T r;                                                                           \
    S T one = 1;                                                                   \
    CONDS(CMOV_X)                                                                  \
    return mask;                                                                   \
  }
#define CMOV_X(n, cc)                                                              \
  r = 0;                                                                           \
  __asm__ volatile(FLAGS_PRE "cmov" #cc " %[one], %[r]"                            \
                   : [r] "+r"(r)                                                   \
                   : [one] CMOV_C(one), [fin] "r"(fin)                             \
                   : "cc");                                                        \
  mask |= (u32)r << n;
#define CMOV_C(x) "r"(x)
CMOV_FN(cond_cmov16r, u16, "r", )
CMOV_FN(cond_cmov32r, u32, "r", )
#undef CMOV_C
#define CMOV_C(x) "m"(x)
CMOV_FN(cond_cmov16m, u16, "m", volatile)
CMOV_FN(cond_cmov32m, u32, "m", volatile)
#undef CMOV_C

static void test_conditions(void) {
  static const u32 BITS5[5] = {F_CF, F_PF, F_ZF, F_SF, F_OF};
  for (int combo = 0; combo < 32; combo++) {
    u32 fin = 0;
    for (int b = 0; b < 5; b++)
      if (combo & (1 << b)) fin |= BITS5[b];
    /* AF never matters: toggle it to show that */
    if (combo & 1) fin |= F_AF;
    printf("cond flags=%03x setr=%04x setm=%05x j8=%04x j32=%04x cmov16=%04x/%04x "
           "cmov32=%04x/%04x\n",
           fin, cond_setcc_reg(fin), cond_setcc_mem(fin), cond_jcc8(fin), cond_jcc32(fin),
           cond_cmov16r(fin), cond_cmov16m(fin), cond_cmov32r(fin), cond_cmov32m(fin));
  }
}

/* ------------------------------------------------------------------ XADD, CMPXCHG */

#define XADD_R(fn, insn, T, C)                                                     \
  static NOINLINE void fn(u32 *d, u32 *s, u32 fin, u32 *fout) {                    \
    T x = (T)*d, y = (T)*s;                                                        \
    u32 f;                                                                         \
    __asm__ volatile(FLAGS_PRE insn " %[y], %[x]" FLAGS_POST                       \
                     : [x] "+" C(x), [y] "+" C(y), [fout] "=&r"(f)                 \
                     : [fin] "r"(fin)                                              \
                     : "cc");                                                      \
    *d = x;                                                                        \
    *s = y;                                                                        \
    *fout = f;                                                                     \
  }
#define XADD_M(fn, insn, T, C)                                                     \
  static NOINLINE void fn(u32 *d, u32 *s, u32 fin, u32 *fout) {                    \
    static T x;                                                                    \
    T y = (T)*s;                                                                   \
    u32 f;                                                                         \
    x = (T)*d;                                                                     \
    __asm__ volatile(FLAGS_PRE insn " %[y], %[x]" FLAGS_POST                       \
                     : [x] "+m"(x), [y] "+" C(y), [fout] "=&r"(f)                  \
                     : [fin] "r"(fin)                                              \
                     : "cc");                                                      \
    *d = x;                                                                        \
    *s = y;                                                                        \
    *fout = f;                                                                     \
  }
XADD_R(xadd8r, "xaddb", u8, "q")
XADD_R(xadd16r, "xaddw", u16, "r")
XADD_R(xadd32r, "xaddl", u32, "r")
XADD_M(xadd8m, "xaddb", u8, "q")
XADD_M(xadd16m, "xaddw", u16, "r")
XADD_M(xadd32m, "xaddl", u32, "r")
XADD_M(lxadd8m, "lock xaddb", u8, "q")
XADD_M(lxadd16m, "lock xaddw", u16, "r")
XADD_M(lxadd32m, "lock xaddl", u32, "r")

/* CMPXCHG r/m, r: compare accumulator with dest; equal: dest = src; else acc = dest. */
#define CX_R(fn, insn, T, C)                                                       \
  static NOINLINE void fn(u32 *acc, u32 *d, u32 s, u32 fin, u32 *fout) {           \
    T a = (T)*acc, x = (T)*d, y = (T)s;                                            \
    u32 f;                                                                         \
    __asm__ volatile(FLAGS_PRE insn " %[y], %[x]" FLAGS_POST                       \
                     : "+a"(a), [x] "+b"(x), [fout] "=&r"(f)                       \
                     : [y] C(y), [fin] "r"(fin)                                    \
                     : "cc");                                                      \
    *acc = a;                                                                      \
    *d = x;                                                                        \
    *fout = f;                                                                     \
  }
#define CX_M(fn, insn, T, C)                                                       \
  static NOINLINE void fn(u32 *acc, u32 *d, u32 s, u32 fin, u32 *fout) {           \
    static T x;                                                                    \
    T a = (T)*acc, y = (T)s;                                                       \
    u32 f;                                                                         \
    x = (T)*d;                                                                     \
    __asm__ volatile(FLAGS_PRE insn " %[y], %[x]" FLAGS_POST                       \
                     : "+a"(a), [x] "+m"(x), [fout] "=&r"(f)                       \
                     : [y] C(y), [fin] "r"(fin)                                    \
                     : "cc");                                                      \
    *acc = a;                                                                      \
    *d = x;                                                                        \
    *fout = f;                                                                     \
  }
/* The accumulator is EAX; dest is pinned to EBX, source to ECX/EDX. */
CX_R(cx8r, "cmpxchgb", u8, "c")
CX_R(cx16r, "cmpxchgw", u16, "c")
CX_R(cx32r, "cmpxchgl", u32, "c")
CX_M(cx8m, "cmpxchgb", u8, "d")
CX_M(cx16m, "cmpxchgw", u16, "d")
CX_M(cx32m, "cmpxchgl", u32, "d")
CX_M(lcx8m, "lock cmpxchgb", u8, "d")
CX_M(lcx16m, "lock cmpxchgw", u16, "d")
CX_M(lcx32m, "lock cmpxchgl", u32, "d")

typedef void xadd_fn(u32 *d, u32 *s, u32 fin, u32 *fout);
typedef void cx_fn(u32 *acc, u32 *d, u32 s, u32 fin, u32 *fout);

static void test_xadd_cmpxchg(void) {
  static const u32 VALS[] = {0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff,
                             0x7fffffff, 0x80000000, 0xffffffff, 0x12345678};
  enum { NV = sizeof VALS / sizeof VALS[0] };
  static xadd_fn *const XA[3][3] = {{xadd8r, xadd8m, lxadd8m},
                                    {xadd16r, xadd16m, lxadd16m},
                                    {xadd32r, xadd32m, lxadd32m}};
  static cx_fn *const CX[3][3] = {
      {cx8r, cx8m, lcx8m}, {cx16r, cx16m, lcx16m}, {cx32r, cx32m, lcx32m}};
  for (int s = 0; s < 3; s++) {
    int bits = 8 << s, w = bits / 4;
    u32 vmask = bits == 32 ? 0xffffffffu : (1u << bits) - 1;
    for (unsigned i = 0; i < NV; i++)
      for (unsigned j = 0; j < NV; j++) {
        u32 a0 = VALS[i] & vmask, b0 = VALS[j] & vmask;
        int c = (i ^ j) & 1;
        printf("xadd%d %0*x %0*x c%d ->", bits, w, a0, w, b0, c);
        for (int form = 0; form < 3; form++) {
          u32 d = a0, sv = b0, f;
          XA[s][form](&d, &sv, FLAGS_IN[c], &f);
          printf(" %0*x,%0*x %03x", w, d & vmask, w, sv & vmask, f & F_ARITH);
        }
        printf("\n");
      }
    /* cmpxchg: acc vs dest equal (dest gets src) and not equal (acc gets dest) */
    for (unsigned i = 0; i < NV; i++)
      for (unsigned j = 0; j < NV; j += 3) {
        for (int eq = 0; eq < 2; eq++) {
          u32 dst = VALS[i] & vmask, acc = eq ? dst : VALS[j] & vmask;
          u32 src = 0xa5c3e1f7 & vmask;
          int c = (i + j + eq) & 1;
          printf("cmpxchg%d acc=%0*x dst=%0*x src=%0*x c%d ->", bits, w, acc, w, dst, w, src, c);
          for (int form = 0; form < 3; form++) {
            u32 a = acc | ~vmask, d = dst, f; /* upper bits of EAX must survive */
            CX[s][form](&a, &d, src, FLAGS_IN[c], &f);
            printf(" %0*x,%0*x %03x", w, a & vmask, w, d & vmask, f & F_ARITH);
          }
          printf("\n");
        }
      }
  }
}

static u64 cx8b_mem;
static NOINLINE void cx8b(int locked, u64 *edxeax, u64 mem, u64 ecxebx, u32 fin, u32 *fout) {
  u32 lo = (u32)*edxeax, hi = (u32)(*edxeax >> 32);
  u32 blo = (u32)ecxebx, bhi = (u32)(ecxebx >> 32), f;
  cx8b_mem = mem;
  if (locked)
    __asm__ volatile(FLAGS_PRE "lock cmpxchg8b %[m]" FLAGS_POST
                     : "+a"(lo), "+d"(hi), [m] "+m"(cx8b_mem), [fout] "=&r"(f)
                     : "b"(blo), "c"(bhi), [fin] "S"(fin)
                     : "cc");
  else
    __asm__ volatile(FLAGS_PRE "cmpxchg8b %[m]" FLAGS_POST
                     : "+a"(lo), "+d"(hi), [m] "+m"(cx8b_mem), [fout] "=&D"(f)
                     : "b"(blo), "c"(bhi), [fin] "S"(fin)
                     : "cc");
  *edxeax = (u64)hi << 32 | lo;
  *fout = f;
}

static void test_cmpxchg8b(void) {
  static const u64 VALS[] = {0, 1, 0xffffffffull, 0x100000000ull, 0xffffffffffffffffull,
                             0x0123456789abcdefull, 0x8000000000000000ull};
  enum { NV = sizeof VALS / sizeof VALS[0] };
  for (unsigned i = 0; i < NV; i++)
    for (unsigned j = 0; j < NV; j++)
      for (int c = 0; c < 2; c++) {
        u64 cmp = VALS[j], mem = VALS[i], repl = 0xfedcba9876543210ull;
        printf("cmpxchg8b mem=%016llx edx:eax=%016llx c%d ->", (unsigned long long)mem,
               (unsigned long long)cmp, c);
        for (int locked = 0; locked < 2; locked++) {
          u64 de = cmp;
          u32 f;
          cx8b(locked, &de, mem, repl, FLAGS_IN[c], &f);
          printf(" %016llx %016llx %03x", (unsigned long long)de,
                 (unsigned long long)cx8b_mem, f & F_ARITH);
        }
        printf("\n");
      }
}

int main(void) {
  test_bt();
  test_bs();
  test_bswap();
  test_conditions();
  test_xadd_cmpxchg();
  test_cmpxchg8b();
  return 0;
}
