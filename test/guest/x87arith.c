/* x87 arithmetic, compares and integer conversions over a table of doubles
 * (±0, denormals, ±inf, NaNs, huge/tiny, ordinary values) under all four
 * rounding modes. The table avoids operands whose exact results land within
 * 2^-11 ulp of a double's rounding midpoint (1+ulp, DBL_MAX): the VM rounds
 * once to double where a real x87 rounds to 64 bits then to 53 (see
 * src/vm/cpu/README-x87.md); the unary/conversion table UVALS has them. Each case: FNCLEX, FLDCW, the operation on m64 operands,
 * FSTP m64 (or FISTP), FNSTSW; prints the result bits and the exception
 * flags IE DE ZE OE UE PE SF (C1 and the condition codes the SDM leaves
 * undefined after arithmetic are masked). */
#include "common.h"

static const u64 VALS[] = {
  0x0000000000000000ull, 0x8000000000000000ull, /* ±0 */
  0x3ff0000000000000ull, 0xbff0000000000000ull, /* ±1 */
  0x4000000000000000ull, 0x3fd5555555555555ull, /* 2, 1/3 */
  0x3fb999999999999aull, 0xc024000000000000ull, /* 0.1, -10 */
  0x400921fb54442d18ull, 0x4271f71fb04cb600ull, /* pi, 1234567890123.375 */
  0x7fe1234500000000ull, 0xffe1234500000000ull, /* ±1.06e308 */
  0x0010000000000000ull, 0x0000000000000001ull, /* DBL_MIN, min denormal */
  0x800fffffffffffffull, 0x3ff4000000000000ull, /* -max denormal, 1.25 */
  0x7ff0000000000000ull, 0xfff0000000000000ull, /* ±inf */
  0x7ff8000000000000ull, 0xfff8000000000123ull, /* QNaNs */
  0x7ff4000000000000ull,                        /* SNaN */
  0x43e0000000000000ull, 0xc3e0000000000000ull, /* ±2^63 */
  0x41dfffffffc00000ull, 0x40dfffc000000000ull, /* 2^31-1, 32767 */
  0x3fe0000000000000ull, 0x3ff8000000000000ull, /* 0.5, 1.5 */
  0x4004000000000000ull, 0xc004000000000000ull, /* ±2.5 */
  0x5fe0000000000000ull, 0x2000000000000000ull, /* 2^511, 2^-511 */
};
#define NV (sizeof(VALS) / sizeof(VALS[0]))
static const u64 UVALS[] = {
  0x7fefffffffffffffull, 0xffefffffffffffffull, 0x3ff0000000000001ull, 0x47efffffe0000000ull,
  0x47efffffefffffffull, 0x47effffff0000000ull, 0x36a0000000000000ull, 0x3690000000000001ull,
  0x41e0000000000000ull, 0xc1e0000000000000ull, 0xc1e0000000200000ull, 0x40dfffe000000000ull,
  0xc0e0000000000000ull, 0xc0e0001000000000ull, 0x43dfffffffffffffull, 0xc3e0000000000001ull,
  0x4330000000000001ull, 0x4320000000000001ull, 0xbfe0000000000001ull, 0x3fdfffffffffffffull,
};
#define NU (sizeof(UVALS) / sizeof(UVALS[0]))
static u64 uval(unsigned i) { return i < NV ? VALS[i] : UVALS[i - NV]; }

static u16 cw_for(int rc) { return (u16)(0x037f | (rc << 10)); }

#define ARITH(name, insn)                                                              \
  static u16 name(u64 a, u64 b, u16 cw, u64 *r) {                                      \
    u16 sw;                                                                            \
    __asm__ volatile("fnclex\n\tfldcw %[cw]\n\tfldl %[a]\n\t" insn " %[b]\n\t"         \
                     "fstpl %[r]\n\tfnstsw %[sw]\n\tfldcw %[d]"                         \
                     : [r] "=m"(*r), [sw] "=m"(sw)                                      \
                     : [a] "m"(a), [b] "m"(b), [cw] "m"(cw), [d] "m"(dflt));           \
    return sw;                                                                         \
  }
static const u16 dflt = 0x037f;
ARITH(op_add, "faddl")
ARITH(op_sub, "fsubl")
ARITH(op_subr, "fsubrl")
ARITH(op_mul, "fmull")
ARITH(op_div, "fdivl")
ARITH(op_divr, "fdivrl")

/* Register forms: ST(1) op= ST(0) with pop (DE), and ST(0) op ST(1) (D8). */
static u16 op_faddp(u64 a, u64 b, u16 cw, u64 *r) {
  u16 sw;
  __asm__ volatile("fnclex\n\tfldcw %[cw]\n\tfldl %[a]\n\tfldl %[b]\n\tfdivrp %%st, %%st(1)\n\t"
                   "fstpl %[r]\n\tfnstsw %[sw]\n\tfldcw %[d]"
                   : [r] "=m"(*r), [sw] "=m"(sw)
                   : [a] "m"(a), [b] "m"(b), [cw] "m"(cw), [d] "m"(dflt));
  return sw;
}
static u16 op_fsubst(u64 a, u64 b, u16 cw, u64 *r) {
  u16 sw;
  __asm__ volatile("fnclex\n\tfldcw %[cw]\n\tfldl %[b]\n\tfldl %[a]\n\tfsub %%st(1), %%st\n\t"
                   "fstpl %[r]\n\tfstp %%st(0)\n\tfnstsw %[sw]\n\tfldcw %[d]"
                   : [r] "=m"(*r), [sw] "=m"(sw)
                   : [a] "m"(a), [b] "m"(b), [cw] "m"(cw), [d] "m"(dflt));
  return sw;
}

static u16 op_sqrt(u64 a, u16 cw, u64 *r) {
  u16 sw;
  __asm__ volatile("fnclex\n\tfldcw %[cw]\n\tfldl %[a]\n\tfsqrt\n\tfstpl %[r]\n\tfnstsw %[sw]\n\tfldcw %[d]"
                   : [r] "=m"(*r), [sw] "=m"(sw) : [a] "m"(a), [cw] "m"(cw), [d] "m"(dflt));
  return sw;
}
static u16 op_rnd(u64 a, u16 cw, u64 *r) {
  u16 sw;
  __asm__ volatile("fnclex\n\tfldcw %[cw]\n\tfldl %[a]\n\tfrndint\n\tfstpl %[r]\n\tfnstsw %[sw]\n\tfldcw %[d]"
                   : [r] "=m"(*r), [sw] "=m"(sw) : [a] "m"(a), [cw] "m"(cw), [d] "m"(dflt));
  return sw;
}
static u16 op_st32(u64 a, u16 cw, u32 *r) {
  u16 sw;
  __asm__ volatile("fnclex\n\tfldcw %[cw]\n\tfldl %[a]\n\tfstps %[r]\n\tfnstsw %[sw]\n\tfldcw %[d]"
                   : [r] "=m"(*r), [sw] "=m"(sw) : [a] "m"(a), [cw] "m"(cw), [d] "m"(dflt));
  return sw;
}
static u16 op_ld32(u32 a, u64 *r) {
  u16 sw;
  __asm__ volatile("fnclex\n\tflds %[a]\n\tfstpl %[r]\n\tfnstsw %[sw]"
                   : [r] "=m"(*r), [sw] "=m"(sw) : [a] "m"(a));
  return sw;
}
static u16 op_ist16(u64 a, u16 cw, u16 *r) {
  u16 sw;
  __asm__ volatile("fnclex\n\tfldcw %[cw]\n\tfldl %[a]\n\tfistps %[r]\n\tfnstsw %[sw]\n\tfldcw %[d]"
                   : [r] "=m"(*r), [sw] "=m"(sw) : [a] "m"(a), [cw] "m"(cw), [d] "m"(dflt));
  return sw;
}
static u16 op_ist32(u64 a, u16 cw, u32 *r) {
  u16 sw;
  __asm__ volatile("fnclex\n\tfldcw %[cw]\n\tfldl %[a]\n\tfistpl %[r]\n\tfnstsw %[sw]\n\tfldcw %[d]"
                   : [r] "=m"(*r), [sw] "=m"(sw) : [a] "m"(a), [cw] "m"(cw), [d] "m"(dflt));
  return sw;
}
static u16 op_ist64(u64 a, u16 cw, u64 *r) {
  u16 sw;
  __asm__ volatile("fnclex\n\tfldcw %[cw]\n\tfldl %[a]\n\tfistpll %[r]\n\tfnstsw %[sw]\n\tfldcw %[d]"
                   : [r] "=m"(*r), [sw] "=m"(sw) : [a] "m"(a), [cw] "m"(cw), [d] "m"(dflt));
  return sw;
}
static u16 op_istt32(u64 a, u32 *r) {
  u16 sw;
  __asm__ volatile("fnclex\n\tfldl %[a]\n\tfisttpl %[r]\n\tfnstsw %[sw]"
                   : [r] "=m"(*r), [sw] "=m"(sw) : [a] "m"(a));
  return sw;
}
static u16 op_fcom(u64 a, u64 b, int kind) {
  u16 sw;
  if (kind == 0)
    __asm__ volatile("fnclex\n\tfldl %[a]\n\tfcompl %[b]\n\tfnstsw %[sw]" : [sw] "=m"(sw) : [a] "m"(a), [b] "m"(b));
  else if (kind == 1)
    __asm__ volatile("fnclex\n\tfldl %[b]\n\tfldl %[a]\n\tfucompp\n\tfnstsw %[sw]" : [sw] "=m"(sw) : [a] "m"(a), [b] "m"(b));
  else
    __asm__ volatile("fnclex\n\tfldl %[b]\n\tfldl %[a]\n\tfcompp\n\tfnstsw %[sw]" : [sw] "=m"(sw) : [a] "m"(a), [b] "m"(b));
  return sw;
}
static u32 op_fcomi(u64 a, u64 b, int unordered, u16 *sw) {
  u32 fl;
  if (unordered)
    __asm__ volatile("fnclex\n\tfldl %[b]\n\tfldl %[a]\n\tfucomip %%st(1), %%st\n\tfstp %%st(0)\n\tpushf\n\tpop %[fl]\n\tfnstsw %[sw]"
                     : [fl] "=r"(fl), [sw] "=m"(*sw) : [a] "m"(a), [b] "m"(b) : "cc");
  else
    __asm__ volatile("fnclex\n\tfldl %[b]\n\tfldl %[a]\n\tfcomip %%st(1), %%st\n\tfstp %%st(0)\n\tpushf\n\tpop %[fl]\n\tfnstsw %[sw]"
                     : [fl] "=r"(fl), [sw] "=m"(*sw) : [a] "m"(a), [b] "m"(b) : "cc");
  return fl & F_ARITH;
}
static u16 op_ficom(u64 a, s32 b) {
  u16 sw;
  __asm__ volatile("fnclex\n\tfldl %[a]\n\tficompl %[b]\n\tfnstsw %[sw]" : [sw] "=m"(sw) : [a] "m"(a), [b] "m"(b));
  return sw;
}
static const s16 three = -3;
static u16 op_fiadd(u64 a, s32 b, u64 *r) {
  u16 sw;
  __asm__ volatile("fnclex\n\tfldl %[a]\n\tfiaddl %[b]\n\tfimuls %[c]\n\tfstpl %[r]\n\tfnstsw %[sw]"
                   : [r] "=m"(*r), [sw] "=m"(sw) : [a] "m"(a), [b] "m"(b), [c] "m"(three));
  return sw;
}

#define EXC(sw) ((sw) & 0x7f)
#define CC(sw) ((sw) & 0x4500)

int main(void) {
  typedef u16 (*binop)(u64, u64, u16, u64 *);
  static const binop ops[] = {op_add, op_sub, op_subr, op_mul, op_div, op_divr, op_faddp, op_fsubst};
  static const char *names[] = {"fadd", "fsub", "fsubr", "fmul", "fdiv", "fdivr", "fdivrp", "fsubst"};
  for (int rc = 0; rc < 4; rc++) {
    u16 cw = cw_for(rc);
    for (unsigned o = 0; o < sizeof(ops) / sizeof(ops[0]); o++)
      for (unsigned i = 0; i < NV; i++)
        for (unsigned j = 0; j < NV; j++) {
          u64 r = 0;
          u16 sw = ops[o](VALS[i], VALS[j], cw, &r);
          printf("rc%d %s %u %u: %016llx %02x\n", rc, names[o], i, j, (unsigned long long)r, EXC(sw));
        }
    for (unsigned i = 0; i < NV + NU; i++) {
      u64 r = 0, r2 = 0, i64 = 0;
      u32 f = 0, i32 = 0;
      u16 i16 = 0;
      u64 v = uval(i);
      /* sqrt(DBL_MAX) and friends round twice on a real x87: table VALS only. */
      u16 s1 = i < NV ? op_sqrt(v, cw, &r) : 0;
      u16 s2 = op_rnd(v, cw, &r2);
      u16 s3 = op_st32(v, cw, &f);
      u16 s4 = op_ist16(v, cw, &i16);
      u16 s5 = op_ist32(v, cw, &i32);
      u16 s6 = op_ist64(v, cw, &i64);
      printf("rc%d un %u: sqrt %016llx %02x rnd %016llx %02x st32 %08x %02x i16 %04x %02x i32 %08x %02x i64 %016llx %02x\n",
             rc, i, (unsigned long long)r, EXC(s1), (unsigned long long)r2, EXC(s2), f, EXC(s3), i16, EXC(s4), i32,
             EXC(s5), (unsigned long long)i64, EXC(s6));
    }
  }
  for (unsigned i = 0; i < NV + NU; i++) {
    u32 t = 0;
    u64 r = 0;
    u16 s = op_istt32(uval(i), &t);
    printf("fisttp %u: %08x %02x\n", i, t, EXC(s));
    u32 f32 = (u32)(uval(i) >> 32) ^ (u32)uval(i);
    s = op_ld32(f32, &r);
    printf("fld32 %08x: %016llx %02x\n", f32, (unsigned long long)r, EXC(s));
    s = op_fiadd(uval(i), (s32)(i * 1000 - 7000), &r);
    printf("fiadd %u: %016llx %02x\n", i, (unsigned long long)r, EXC(s));
  }
  for (unsigned i = 0; i < NV; i++)
    for (unsigned j = 0; j < NV; j++) {
      u16 a = op_fcom(VALS[i], VALS[j], 0);
      u16 b = op_fcom(VALS[i], VALS[j], 1);
      u16 c = op_fcom(VALS[i], VALS[j], 2);
      u16 s1, s2;
      u32 f1 = op_fcomi(VALS[i], VALS[j], 0, &s1);
      u32 f2 = op_fcomi(VALS[i], VALS[j], 1, &s2);
      printf("cmp %u %u: fcom %04x %02x fucom %04x %02x fcompp %04x %02x fcomi %03x %02x fucomi %03x %02x\n", i, j,
             CC(a), EXC(a), CC(b), EXC(b), CC(c), EXC(c), f1, EXC(s1), f2, EXC(s2));
    }
  for (unsigned i = 0; i < NV; i++) {
    u16 a = op_ficom(VALS[i], (s32)i - 3);
    printf("ficom %u: %04x %02x\n", i, CC(a), EXC(a));
  }
  return 0;
}
