/* x87 beyond arithmetic: m80 round trips (NaNs, denormals, unnormals),
 * FXAM classes, constants under each rounding mode, FPREM/FPREM1 quotient
 * bits, FXTRACT, FSCALE, BCD (FBLD/FBSTP), stack overflow/underflow (C1,
 * SF), FNSTENV/FNSAVE/FXSAVE images (instruction/operand pointers, opcode
 * and reserved bytes masked: they differ between CPUs), and transcendental
 * functions through inline FSIN… and through libm, to 12 digits (libm's
 * exp/pow keep 12 digits only for moderate arguments in the VM: they are
 * written for 80-bit intermediates, README-x87.md). */
#include <math.h>
#include <stdlib.h>
#include "common.h"

typedef struct { u64 m; u16 se; } __attribute__((packed)) f80;

static const f80 V80[] = {
  {0x8000000000000000ull, 0x3fff}, {0xc90fdaa22168c235ull, 0x4000}, {0x8000000000000001ull, 0xbffe},
  {0xffffffffffffffffull, 0x7ffe}, {0x8000000000000000ull, 0x0001}, {0x0000000000000001ull, 0x0000},
  {0x7fffffffffffffffull, 0x8000}, {0x8000000000000000ull, 0x7fff}, {0xc000000000000000ull, 0xffff},
  {0xc000000000001234ull, 0x7fff}, {0xa000000000000000ull, 0x7fff}, {0x0000000000000000ull, 0x8000},
  {0x0000000000000000ull, 0x4000}, {0x4000000000000000ull, 0x3fff}, {0xabcdef0123456789ull, 0x43fe},
  {0xabcdef0123456789ull, 0x3bcd}, {0x8000000000000800ull, 0x3fff}, {0x8000000000000400ull, 0x3fff},
};
#define N80 (sizeof(V80) / sizeof(V80[0]))

static void m80(void) {
  for (unsigned i = 0; i < N80; i++) {
    f80 r;
    double d;
    u16 sw, sw2, cls;
    __asm__ volatile("fnclex\n\tfldt %[a]\n\tfxam\n\tfnstsw %[c]\n\tfld %%st(0)\n\tfstpt %[r]\n\tfnstsw %[s]\n\tfstpl %[d]\n\tfnstsw %[s2]"
                     : [r] "=m"(r), [d] "=m"(d), [s] "=m"(sw), [s2] "=m"(sw2), [c] "=m"(cls) : [a] "m"(V80[i]));
    u64 db;
    memcpy(&db, &d, 8);
    printf("m80 %u: %04x %016llx fxam %04x sw %02x m64 %016llx %02x\n", i, r.se, (unsigned long long)r.m, cls & 0x4700,
           sw & 0x7f, (unsigned long long)db, sw2 & 0x3f);
  }
  /* FXAM on an empty register (C1 is the stale sign: masked). */
  u16 c;
  __asm__ volatile("fninit\n\tfxam\n\tfnstsw %0" : "=m"(c));
  printf("fxam empty %04x\n", c & 0x4500);
}

static void consts(void) {
  for (int rc = 0; rc < 4; rc++) {
    u16 cw = 0x037f | (rc << 10), d = 0x037f;
    f80 r[7];
    __asm__ volatile("fldcw %[cw]\n\tfld1\n\tfstpt %[r0]\n\tfldl2t\n\tfstpt %[r1]\n\tfldl2e\n\tfstpt %[r2]\n\tfldpi\n\tfstpt %[r3]\n\t"
                     "fldlg2\n\tfstpt %[r4]\n\tfldln2\n\tfstpt %[r5]\n\tfldz\n\tfstpt %[r6]\n\tfldcw %[d]"
                     : [r0] "=m"(r[0]), [r1] "=m"(r[1]), [r2] "=m"(r[2]), [r3] "=m"(r[3]), [r4] "=m"(r[4]), [r5] "=m"(r[5]),
                       [r6] "=m"(r[6])
                     : [cw] "m"(cw), [d] "m"(d));
    for (int k = 0; k < 7; k++) printf("const rc%d %d: %04x %016llx\n", rc, k, r[k].se, (unsigned long long)r[k].m);
  }
}

static void prem(void) {
  static const double X[] = {10, -10, 7.5, 100, -100.25, 1e10, 3, 5.5, -0.0, 1e15 + 1};
  static const double Y[] = {3, 3, -2, 7, 0.5, 3.25, 3, 2, 1, 7};
  for (unsigned i = 0; i < sizeof(X) / sizeof(X[0]); i++) {
    double r1, r2;
    u16 s1, s2;
    __asm__ volatile("fnclex\n\tfldl %[y]\n\tfldl %[x]\n\tfprem\n\tfnstsw %[s]\n\tfstpl %[r]\n\tfstp %%st(0)"
                     : [r] "=m"(r1), [s] "=m"(s1) : [x] "m"(X[i]), [y] "m"(Y[i]));
    __asm__ volatile("fnclex\n\tfldl %[y]\n\tfldl %[x]\n\tfprem1\n\tfnstsw %[s]\n\tfstpl %[r]\n\tfstp %%st(0)"
                     : [r] "=m"(r2), [s] "=m"(s2) : [x] "m"(X[i]), [y] "m"(Y[i]));
    printf("fprem %g %g: %g %04x  fprem1 %g %04x\n", X[i], Y[i], r1, s1 & 0x4700, r2, s2 & 0x4700);
  }
}

static void misc(void) {
  static const double X[] = {1, -3.5, 1e-310, 1e300, 0.75, 6.0};
  for (unsigned i = 0; i < sizeof(X) / sizeof(X[0]); i++) {
    double e, m, sc;
    u16 s;
    __asm__ volatile("fnclex\n\tfldl %[x]\n\tfxtract\n\tfstpl %[m]\n\tfstpl %[e]" : [m] "=m"(m), [e] "=m"(e) : [x] "m"(X[i]));
    double n = (double)i * 7 - 10;
    __asm__ volatile("fnclex\n\tfldl %[n]\n\tfldl %[x]\n\tfscale\n\tfnstsw %[s]\n\tfstpl %[r]\n\tfstp %%st(0)"
                     : [r] "=m"(sc), [s] "=m"(s) : [x] "m"(X[i]), [n] "m"(n));
    printf("fxtract %g: %g %.17g fscale %g: %.17g %02x\n", X[i], e, m, n, sc, s & 0x3f);
  }
  /* Stack overflow and underflow: IE|SF, C1 = 1 / 0; the indefinite is pushed. */
  u16 s1, s2;
  double r;
  __asm__ volatile("fninit\n\tfld1\n\tfld1\n\tfld1\n\tfld1\n\tfld1\n\tfld1\n\tfld1\n\tfld1\n\tfld1\n\tfnstsw %0\n\tfstpl %2\n\tfninit"
                   : "=m"(s1), "=m"(s2), "=m"(r));
  u64 rb;
  memcpy(&rb, &r, 8);
  printf("overflow %04x %016llx\n", s1 & 0x7fff, (unsigned long long)rb);
  __asm__ volatile("fninit\n\tfadd %%st(1), %%st\n\tfnstsw %0\n\tfninit" : "=m"(s2));
  printf("underflow %04x\n", s2 & 0x7fff);
  /* BCD */
  static const double B[] = {0, -0.0, 1, -12345678, 999999999999999999.0, 1e18, 2.5, 3.5, -7.25};
  for (unsigned i = 0; i < sizeof(B) / sizeof(B[0]); i++) {
    u8 bcd[10];
    double back;
    u16 s;
    __asm__ volatile("fnclex\n\tfldl %[x]\n\tfbstp %[b]\n\tfnstsw %[s]\n\tfbld %[b]\n\tfstpl %[r]"
                     : [b] "+m"(bcd), [s] "=m"(s), [r] "=m"(back) : [x] "m"(B[i]));
    printf("bcd %g:", B[i]);
    for (int k = 9; k >= 0; k--) printf(" %02x", bcd[k]);
    printf(" %02x back %g\n", s & 0x3f, back);
  }
}

static void images(void) {
  u8 env[28], sav[108] __attribute__((aligned(16)));
  static u8 fx[512] __attribute__((aligned(16)));
  double a = 1.5, b = -0.0;
  u16 cw = 0x0b7b;
  __asm__ volatile("fninit\n\tfldcw %[cw]\n\tfldl %[a]\n\tfldl %[b]\n\tfldpi\n\tfld %%st(0)\n\tfchs\n\tfnstenv %[e]"
                   : [e] "=m"(env) : [a] "m"(a), [b] "m"(b), [cw] "m"(cw));
  __asm__ volatile("fxsave %[f]" : [f] "=m"(fx));
  __asm__ volatile("fnsave %[s]\n\tfninit" : [s] "=m"(sav));
  /* Bytes that differ by CPU: FIP FCS/FOP FDP FDS (env 12..27; save likewise), FXSAVE 6..23, MXCSR_MASK 28..31, 160+. */
  printf("env:");
  for (int k = 0; k < 12; k++) printf(" %02x", env[k]);
  printf("\nsave:");
  for (int k = 0; k < 12; k++) printf(" %02x", sav[k]);
  for (int k = 28; k < 108; k++) printf("%s%02x", (k - 28) % 10 ? "" : " ", sav[k]);
  printf("\nfxsave:");
  for (int k = 0; k < 6; k++) printf(" %02x", fx[k]);
  for (int k = 24; k < 28; k++) printf(" %02x", fx[k]);
  for (int k = 32; k < 160; k++) printf("%s%02x", (k - 32) % 16 ? "" : " ", fx[k]);
  printf("\n");
  /* FRSTOR / FXRSTOR bring it back. */
  double t1, t2;
  __asm__ volatile("frstor %[s]\n\tfstpl %[t]\n\tfninit" : [t] "=m"(t1) : [s] "m"(sav));
  __asm__ volatile("fxrstor %[f]\n\tfstpl %[t]\n\tfninit" : [t] "=m"(t2) : [f] "m"(fx));
  printf("restored %.17g %.17g\n", t1, t2);
}

static double asm_fn(int k, double x) {
  switch (k) {
    case 0: __asm__("fsin" : "+t"(x)); return x;
    case 1: __asm__("fcos" : "+t"(x)); return x;
    case 2: { double c; __asm__("fptan\n\tfstp %%st(0)" : "+t"(x)); c = x; return c; }
    case 3: { double one = 1.0; __asm__("fpatan" : "+t"(x) : "u"(one) : "st(1)"); return x; }
    case 4: __asm__("f2xm1" : "+t"(x)); return x;
    case 5: { double y = 1.5; __asm__("fyl2x" : "+t"(x) : "u"(y) : "st(1)"); return x; }
    default: { double y = -2; __asm__("fyl2xp1" : "+t"(x) : "u"(y) : "st(1)"); return x; }
  }
}

static void trans(void) {
  static const char *nm[] = {"fsin", "fcos", "fptan", "fpatan", "f2xm1", "fyl2x", "fyl2xp1"};
  for (int k = 0; k < 7; k++)
    for (double x = -3.0; x <= 3.0; x += 0.375) {
      double a = k == 5 ? fabs(x) + 0.125 : k == 4 || k == 6 ? x / 4 : x;
      printf("%s %.4f: %.12g\n", nm[k], a, asm_fn(k, a));
    }
  for (double x = -700; x <= 700; x += 61.25) {
    printf("libm %.3f: %.12g %.12g %.12g %.12g %.12g %.12g\n", x, sin(x), cos(x), tan(x / 300), atan(x), exp(x / 50), exp2(x / 1000));
    double p = fabs(x) + 0.5;
    printf("libm %.3f: %.12g %.12g %.12g %.12g %.12g %.12g\n", p, log(p), log10(p), log2(p), pow(p, 0.37), sqrt(p), fmod(x, 7.5));
  }
  printf("libm %.12g %.12g %.12g %.12g\n", atan2(1, -1), asin(0.3), acos(-0.7), sinh(1.3));
  /* printf and strtod on long double and double. */
  long double l = 1.0L / 3;
  printf("%.20Lg %.17g %a %La\n", l, strtod("2.718281828459045235360287", NULL), 0.1, (long double)0.1);
}

int main(void) {
  m80();
  consts();
  prem();
  misc();
  images();
  trans();
  return 0;
}
