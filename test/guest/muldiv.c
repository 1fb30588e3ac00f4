/* Multiply and divide: MUL/IMUL one-operand (8/16/32, register and memory),
 * IMUL two-operand (16/32), IMUL three-operand with imm8 (6B) and imm16/32
 * (69), DIV/IDIV (8/16/32, register and memory) over edge values.
 *
 * Flags (SDM Vol. 2 MUL, IMUL, DIV, IDIV): MUL/IMUL define only CF and OF
 * (mask 0x801); DIV/IDIV leave every flag undefined (not printed).
 * Divisions that would raise #DE (zero divisor, quotient out of range) are
 * skipped; test/guest/faults/div0.c covers the fault.
 */
#include "common.h"

#define F_MUL (F_CF | F_OF)

static const u32 EDGE[] = {
    0, 1, 2, 3, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000,
    0x7fffffff, 0x80000000, 0x80000001, 0xfffffffe, 0xffffffff, 0x81, 0xfe, 0x8001, 0xfffe,
    0x12345678, 0xdeadbeef, 10, 0x55,
};
#define NEDGE (sizeof EDGE / sizeof EDGE[0])

static int edges(int bits, u32 *out) {
  u32 mask = bits == 32 ? 0xffffffffu : (1u << bits) - 1;
  int n = 0;
  for (unsigned i = 0; i < NEDGE; i++) {
    u32 v = EDGE[i] & mask;
    int dup = 0;
    for (int j = 0; j < n; j++) dup |= out[j] == v;
    if (!dup) out[n++] = v;
  }
  return n;
}

/* ---- one-operand MUL/IMUL: result in (hi, lo) ---- */

#define MUL1_8(fn, insn, C, S)                                                     \
  static NOINLINE void fn(u32 a, u32 b, u32 fin, u32 *hi, u32 *lo, u32 *fout) {   \
    u16 ax = (u16)(0xa500 | (a & 0xff));                                           \
    S u8 y = (u8)b;                                                                \
    u32 f;                                                                         \
    __asm__ volatile(FLAGS_PRE insn " %[y]" FLAGS_POST                             \
                     : "+a"(ax), [fout] "=&r"(f)                                   \
                     : [y] C(y), [fin] "r"(fin)                                    \
                     : "cc");                                                      \
    *hi = 0;                                                                       \
    *lo = ax;                                                                      \
    *fout = f;                                                                     \
  }

#define MUL1_W(fn, insn, T, C, S)                                                  \
  static NOINLINE void fn(u32 a, u32 b, u32 fin, u32 *hi, u32 *lo, u32 *fout) {   \
    T x = (T)a, d = (T)0x5a5a5a5a;                                                 \
    S T y = (T)b;                                                                  \
    u32 f;                                                                         \
    __asm__ volatile(FLAGS_PRE insn " %[y]" FLAGS_POST                             \
                     : "+a"(x), "+d"(d), [fout] "=&r"(f)                           \
                     : [y] C(y), [fin] "r"(fin)                                    \
                     : "cc");                                                      \
    *hi = d;                                                                       \
    *lo = x;                                                                       \
    *fout = f;                                                                     \
  }

#define EMPTY
typedef void mul_fn(u32 a, u32 b, u32 fin, u32 *hi, u32 *lo, u32 *fout);

MUL1_8(mul8r, "mulb", "q", EMPTY)
MUL1_8(mul8m, "mulb", "m", volatile)
MUL1_8(imul8r, "imulb", "q", EMPTY)
MUL1_8(imul8m, "imulb", "m", volatile)
MUL1_W(mul16r, "mulw", u16, "r", EMPTY)
MUL1_W(mul16m, "mulw", u16, "m", volatile)
MUL1_W(imul16r, "imulw", u16, "r", EMPTY)
MUL1_W(imul16m, "imulw", u16, "m", volatile)
MUL1_W(mul32r, "mull", u32, "r", EMPTY)
MUL1_W(mul32m, "mull", u32, "m", volatile)
MUL1_W(imul32r, "imull", u32, "r", EMPTY)
MUL1_W(imul32m, "imull", u32, "m", volatile)

/* ---- two-operand IMUL r, r/m (0F AF) ---- */
#define IMUL2(fn, insn, T, C, S)                                                   \
  static NOINLINE void fn(u32 a, u32 b, u32 fin, u32 *hi, u32 *lo, u32 *fout) {   \
    T x = (T)a;                                                                    \
    S T y = (T)b;                                                                  \
    u32 f;                                                                         \
    __asm__ volatile(FLAGS_PRE insn " %[y], %[x]" FLAGS_POST                       \
                     : [x] "+r"(x), [fout] "=&r"(f)                                \
                     : [y] C(y), [fin] "r"(fin)                                    \
                     : "cc");                                                      \
    *hi = 0;                                                                       \
    *lo = x;                                                                       \
    *fout = f;                                                                     \
  }
IMUL2(imul2_16r, "imulw", u16, "r", EMPTY)
IMUL2(imul2_16m, "imulw", u16, "m", volatile)
IMUL2(imul2_32r, "imull", u32, "r", EMPTY)
IMUL2(imul2_32m, "imull", u32, "m", volatile)

struct mulrow {
  const char *name;
  mul_fn *fn[3][2]; /* [size][reg, mem]; NULL where no such form */
};

static const struct mulrow MULS[] = {
    {"mul", {{mul8r, mul8m}, {mul16r, mul16m}, {mul32r, mul32m}}},
    {"imul", {{imul8r, imul8m}, {imul16r, imul16m}, {imul32r, imul32m}}},
    {"imul2", {{0, 0}, {imul2_16r, imul2_16m}, {imul2_32r, imul2_32m}}},
};

/* ---- three-operand IMUL r, r/m, imm ---- */
#define I3CASE(k, imm, insn, C)                                                    \
  case k:                                                                          \
    __asm__ volatile(FLAGS_PRE insn " $" #imm ", %[y], %[x]" FLAGS_POST            \
                     : [x] "=&r"(x), [fout] "=&r"(f)                               \
                     : [y] C(y), [fin] "r"(fin)                                    \
                     : "cc");                                                      \
    break;

/* Immediates per size; gas picks 6B (imm8) or 69 (imm16/32) by value. */
#define I3_16(insn, C)                                                             \
  I3CASE(0, 0, insn, C) I3CASE(1, 1, insn, C) I3CASE(2, -1, insn, C)               \
  I3CASE(3, 2, insn, C) I3CASE(4, 0x7f, insn, C) I3CASE(5, -128, insn, C)          \
  I3CASE(6, 0x80, insn, C) I3CASE(7, -129, insn, C) I3CASE(8, 0x7fff, insn, C)     \
  I3CASE(9, -0x8000, insn, C) I3CASE(10, 12345, insn, C)
#define I3_32(insn, C)                                                             \
  I3_16(insn, C) I3CASE(11, 0x7fffffff, insn, C) I3CASE(12, -0x80000000, insn, C)

#define IMUL3(fn, insn, T, C, CASES)                                               \
  static NOINLINE void fn(int k, u32 b, u32 fin, u32 *lo, u32 *fout) {            \
    T x = 0, y = (T)b;                                                             \
    u32 f = 0;                                                                     \
    switch (k) { CASES(insn, C) }                                                  \
    *lo = x;                                                                       \
    *fout = f;                                                                     \
  }
static const char *const IMM3[] = {"0",  "1",    "-1",    "2",        "7f",       "-128", "80",
                                   "-129", "7fff", "-8000", "12345", "7fffffff", "-80000000"};
IMUL3(imul3_16r, "imulw", u16, "r", I3_16)
IMUL3(imul3_16m, "imulw", u16, "m", I3_16)
IMUL3(imul3_32r, "imull", u32, "r", I3_32)
IMUL3(imul3_32m, "imull", u32, "m", I3_32)

/* ---- DIV/IDIV ---- */
#define DIV8(fn, insn, C)                                                          \
  static NOINLINE void fn(u32 hi, u32 lo, u32 b, u32 *q, u32 *r) {                 \
    u16 ax = (u16)((hi << 8) | (lo & 0xff));                                       \
    volatile u8 y = (u8)b;                                                         \
    __asm__ volatile(insn " %[y]" : "+a"(ax) : [y] C(y) : "cc");                  \
    *q = ax & 0xff;                                                                \
    *r = ax >> 8;                                                                  \
  }
#define DIVW(fn, insn, T, C)                                                       \
  static NOINLINE void fn(u32 hi, u32 lo, u32 b, u32 *q, u32 *r) {                 \
    T d = (T)hi, a = (T)lo;                                                        \
    volatile T y = (T)b;                                                           \
    __asm__ volatile(insn " %[y]" : "+a"(a), "+d"(d) : [y] C(y) : "cc");          \
    *q = a;                                                                        \
    *r = d;                                                                        \
  }
typedef void div_fn(u32 hi, u32 lo, u32 b, u32 *q, u32 *r);
DIV8(div8r, "divb", "q")
DIV8(div8m, "divb", "m")
DIV8(idiv8r, "idivb", "q")
DIV8(idiv8m, "idivb", "m")
DIVW(div16r, "divw", u16, "r")
DIVW(div16m, "divw", u16, "m")
DIVW(idiv16r, "idivw", u16, "r")
DIVW(idiv16m, "idivw", u16, "m")
DIVW(div32r, "divl", u32, "r")
DIVW(div32m, "divl", u32, "m")
DIVW(idiv32r, "idivl", u32, "r")
DIVW(idiv32m, "idivl", u32, "m")

static s64 sext(u64 v, int bits) {
  u64 sign = 1ull << (bits - 1);
  v &= (sign << 1) - 1;
  return (s64)((v ^ sign) - sign);
}

/* Would DIV/IDIV of (hi:lo) by b at `bits` raise #DE? (SDM Vol. 2 DIV/IDIV) */
static int div_faults(int sgn, int bits, u32 hi, u32 lo, u32 b) {
  u32 mask = bits == 32 ? 0xffffffffu : (1u << bits) - 1;
  u64 dividend = ((u64)(hi & mask) << bits) | (lo & mask);
  if ((b & mask) == 0) return 1;
  if (!sgn) return dividend / (b & mask) > mask;
  s64 n = sext(dividend, bits * 2), d = sext(b, bits);
  if (n == INT64_MIN && d == -1) return 1; /* would overflow in C too */
  s64 q = n / d;
  return q < -(s64)(1ull << (bits - 1)) || q > (s64)((1ull << (bits - 1)) - 1);
}

int main(void) {
  static const int BITS[3] = {8, 16, 32};
  u32 vals[NEDGE];

  for (unsigned m = 0; m < sizeof MULS / sizeof MULS[0]; m++) {
    for (int s = 0; s < 3; s++) {
      if (!MULS[m].fn[s][0]) continue;
      int bits = BITS[s], w = bits / 4, n = edges(bits, vals);
      for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
          int c = (i + j) & 1; /* alternate the input flags; they never matter */
          printf("%s%d %0*x %0*x c%d ->", MULS[m].name, bits, w, vals[i], w, vals[j], c);
          for (int form = 0; form < 2; form++) {
            u32 hi, lo, f;
            MULS[m].fn[s][form](vals[i], vals[j], FLAGS_IN[c], &hi, &lo, &f);
            if (bits == 8 || m == 2)
              printf(" %0*x %03x", bits == 8 ? 4 : w, lo, f & F_MUL);
            else
              printf(" %0*x:%0*x %03x", w, hi, w, lo, f & F_MUL);
          }
          printf("\n");
        }
    }
  }

  for (int s = 1; s < 3; s++) {
    int bits = BITS[s], w = bits / 4, n = edges(bits, vals);
    for (int k = 0; k < (s == 1 ? 11 : 13); k++)
      for (int i = 0; i < n; i++) {
        u32 r1, f1, r2, f2;
        int c = (i + k) & 1;
        if (s == 1) {
          imul3_16r(k, vals[i], FLAGS_IN[c], &r1, &f1);
          imul3_16m(k, vals[i], FLAGS_IN[c], &r2, &f2);
        } else {
          imul3_32r(k, vals[i], FLAGS_IN[c], &r1, &f1);
          imul3_32m(k, vals[i], FLAGS_IN[c], &r2, &f2);
        }
        printf("imul3_%d %0*x $%s c%d -> %0*x %03x %0*x %03x\n", bits, w, vals[i], IMM3[k], c,
               w, r1, f1 & F_MUL, w, r2, f2 & F_MUL);
      }
  }

  static div_fn *const DIVS[2][3][2] = {
      {{div8r, div8m}, {div16r, div16m}, {div32r, div32m}},
      {{idiv8r, idiv8m}, {idiv16r, idiv16m}, {idiv32r, idiv32m}},
  };
  for (int sgn = 0; sgn < 2; sgn++)
    for (int s = 0; s < 3; s++) {
      int bits = BITS[s], w = bits / 4, n = edges(bits, vals);
      for (int h = 0; h < n; h++)
        for (int l = 0; l < n; l++)
          for (int d = 0; d < n; d++) {
            if (div_faults(sgn, bits, vals[h], vals[l], vals[d])) continue;
            /* keep the output small: the full cube only for 8 bits */
            if (bits > 8 && ((l % 4 != 0 && l != n - 1) || (h + d) % 2)) continue;
            u32 q1, r1, q2, r2;
            DIVS[sgn][s][0](vals[h], vals[l], vals[d], &q1, &r1);
            DIVS[sgn][s][1](vals[h], vals[l], vals[d], &q2, &r2);
            printf("%s%d %0*x:%0*x/%0*x -> %0*x %0*x %0*x %0*x\n",
                   sgn ? "idiv" : "div", bits, w, vals[h], w, vals[l], w, vals[d], w, q1, w, r1,
                   w, q2, w, r2);
          }
    }
  return 0;
}
