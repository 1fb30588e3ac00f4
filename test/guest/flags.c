/* Flags of the basic integer ALU instructions, 8/16/32-bit, over an edge-value
 * table, with all status flags clear (c0) or set (c1) on input.
 *
 * Defined flags per SDM Vol. 2 "Flags Affected":
 *   ADD ADC SUB SBB CMP NEG: OF SF ZF AF PF CF set by result      -> 0x8d5
 *   AND OR XOR TEST: OF=CF=0, SF ZF PF by result, AF undefined    -> 0x8c5
 *   INC DEC: CF unaffected (so defined: preserved), rest by result -> 0x8d5
 *   NOT: no flags affected (all preserved)                         -> 0x8d5
 * Line format: op<size> <dst> <src> c<in> -> <result> <flags>
 */
#include "common.h"

static const u32 EDGE[] = {
    0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000,
    0x7fffffff, 0x80000000, 0x80000001, 0xfffffffe, 0xffffffff,
    /* sign edges of the narrower sizes; masked and de-duplicated below */
    0x81, 0xfe, 0x8001, 0xfffe,
};
#define NEDGE (sizeof EDGE / sizeof EDGE[0])

/* EDGE masked to `bits` without duplicates, in table order. */
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

typedef void binop_fn(u32 *d, u32 s, u32 fin, u32 *fout);

#define BIN(fn, insn, T, C)                                                   \
  static NOINLINE void fn(u32 *d, u32 s, u32 fin, u32 *fout) {               \
    T x = (T)*d, y = (T)s;                                                    \
    u32 f;                                                                    \
    __asm__ volatile(FLAGS_PRE insn " %[y], %[x]" FLAGS_POST                 \
                     : [x] "+" C(x), [fout] "=&r"(f)                          \
                     : [y] C(y), [fin] "r"(fin)                               \
                     : "cc");                                                 \
    *d = x;                                                                   \
    *fout = f;                                                                \
  }

#define BIN3(op)                   \
  BIN(op##8, #op "b", u8, "q")     \
  BIN(op##16, #op "w", u16, "r")   \
  BIN(op##32, #op "l", u32, "r")

BIN3(add)
BIN3(adc)
BIN3(sub)
BIN3(sbb)
BIN3(cmp)
BIN3(and)
BIN3(or)
BIN3(xor)
BIN3(test)

#define UN(fn, insn, T, C)                                                    \
  static NOINLINE void fn(u32 *d, u32 s, u32 fin, u32 *fout) {               \
    T x = (T)*d;                                                              \
    u32 f;                                                                    \
    (void)s;                                                                  \
    __asm__ volatile(FLAGS_PRE insn " %[x]" FLAGS_POST                       \
                     : [x] "+" C(x), [fout] "=&r"(f)                          \
                     : [fin] "r"(fin)                                         \
                     : "cc");                                                 \
    *d = x;                                                                   \
    *fout = f;                                                                \
  }

#define UN3(op)                  \
  UN(op##8, #op "b", u8, "q")    \
  UN(op##16, #op "w", u16, "r")  \
  UN(op##32, #op "l", u32, "r")

UN3(inc)
UN3(dec)
UN3(neg)
UN3(not)

struct op {
  const char *name;
  binop_fn *fn[3]; /* 8, 16, 32 */
  u32 mask;
  int unary;
};

#define OPB(n, m) {#n, {n##8, n##16, n##32}, m, 0}
#define OPU(n, m) {#n, {n##8, n##16, n##32}, m, 1}

static const struct op OPS[] = {
    OPB(add, F_ARITH), OPB(adc, F_ARITH), OPB(sub, F_ARITH),
    OPB(sbb, F_ARITH), OPB(cmp, F_ARITH), OPB(and, F_LOGIC),
    OPB(or, F_LOGIC),  OPB(xor, F_LOGIC), OPB(test, F_LOGIC),
    OPU(inc, F_ARITH), OPU(dec, F_ARITH), OPU(neg, F_ARITH),
    OPU(not, F_ARITH),
};

int main(void) {
  static const int BITS[3] = {8, 16, 32};
  u32 vals[NEDGE];
  for (unsigned o = 0; o < sizeof OPS / sizeof OPS[0]; o++) {
    const struct op *op = &OPS[o];
    for (int s = 0; s < 3; s++) {
      int bits = BITS[s], w = bits / 4;
      int n = edges(bits, vals);
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < (op->unary ? 1 : n); j++) {
          for (int c = 0; c < 2; c++) {
            u32 d = vals[i], f;
            op->fn[s](&d, vals[j], FLAGS_IN[c], &f);
            if (op->unary)
              printf("%s%d %0*x c%d -> %0*x %03x\n", op->name, bits, w, vals[i], c, w, d,
                     f & op->mask);
            else
              printf("%s%d %0*x %0*x c%d -> %0*x %03x\n", op->name, bits, w, vals[i], w,
                     vals[j], c, w, d, f & op->mask);
          }
        }
      }
    }
  }
  return 0;
}
