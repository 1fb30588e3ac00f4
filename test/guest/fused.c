/* Compare-and-branch shapes the decoder fuses into one handler: CMP reg,reg /
 * CMP reg,imm / TEST reg,reg directly before Jcc, and with an independent
 * LEA or MOV scheduled between them (moved before the compare), for all 16
 * conditions over the edge values, both as a block's last branch and as a
 * loop's back edge. Also the shapes that must NOT be reordered (the middle
 * instruction writes a compared register).
 * Line format: <shape> <cc> <a> <b> -> <taken> <side value>
 */
#include "common.h"

static const u32 EDGE[] = {
    0, 1, 2, 0x7f, 0x80, 0xff, 0x7fffffff, 0x80000000, 0x80000001, 0xfffffffe, 0xffffffff,
};
#define NEDGE (sizeof EDGE / sizeof EDGE[0])

/* taken = 1 when Jcc jumps. %3 is an independent register written by the middle op. */
#define SHAPES(cc)                                                                        \
  static void shapes_##cc(u32 a, u32 b) {                                                 \
    u32 t, x;                                                                             \
    __asm__ volatile("mov $0, %0\n cmp %3, %2\n j" #cc " 1f\n mov $1, %0\n 1:"            \
                     : "=&r"(t) : "0"(0), "r"(a), "r"(b) : "cc");                         \
    printf("rr   %-3s %08x %08x -> %u\n", #cc, a, b, !t);                                 \
    __asm__ volatile("mov $0, %0\n cmp $0x80, %2\n j" #cc " 1f\n mov $1, %0\n 1:"         \
                     : "=&r"(t) : "0"(0), "r"(a) : "cc");                                  \
    printf("ri   %-3s %08x 00000080 -> %u\n", #cc, a, !t);                                \
    __asm__ volatile("mov $0, %0\n test %3, %2\n j" #cc " 1f\n mov $1, %0\n 1:"           \
                     : "=&r"(t) : "0"(0), "r"(a), "r"(b) : "cc");                         \
    printf("test %-3s %08x %08x -> %u\n", #cc, a, b, !t);                                 \
    __asm__ volatile("mov $0, %0\n cmp %4, %3\n lea 5(%3,%4,2), %1\n j" #cc " 1f\n"       \
                     " mov $1, %0\n 1:"                                                   \
                     : "=&r"(t), "=&r"(x) : "0"(0), "r"(a), "r"(b) : "cc");               \
    printf("lea  %-3s %08x %08x -> %u %08x\n", #cc, a, b, !t, x);                         \
    __asm__ volatile("mov $0, %0\n cmp $7, %3\n mov %4, %1\n j" #cc " 1f\n"               \
                     " mov $1, %0\n 1:"                                                   \
                     : "=&r"(t), "=&r"(x) : "0"(0), "r"(a), "r"(b) : "cc");               \
    printf("mov  %-3s %08x %08x -> %u %08x\n", #cc, a, b, !t, x);                         \
    /* the middle op overwrites the compared register: must see the old value */          \
    x = a;                                                                                \
    __asm__ volatile("mov $0, %0\n cmp %3, %1\n lea 1(%3), %1\n j" #cc " 1f\n"            \
                     " mov $1, %0\n 1:"                                                   \
                     : "=&r"(t), "+r"(x) : "0"(0), "r"(b) : "cc");                        \
    printf("dep  %-3s %08x %08x -> %u %08x\n", #cc, a, b, !t, x);                         \
    x = a;                                                                                \
    __asm__ volatile("mov $0, %0\n cmp $3, %1\n mov $3, %1\n j" #cc " 1f\n"               \
                     " mov $1, %0\n 1:"                                                   \
                     : "=&r"(t), "+r"(x) : "0"(0) : "cc");                                \
    printf("depi %-3s %08x 00000003 -> %u %08x\n", #cc, a, !t, x);                        \
  }

SHAPES(o) SHAPES(no) SHAPES(b) SHAPES(ae) SHAPES(e) SHAPES(ne) SHAPES(be) SHAPES(a)
SHAPES(s) SHAPES(ns) SHAPES(p) SHAPES(np) SHAPES(l) SHAPES(ge) SHAPES(le) SHAPES(g)

/* A loop whose back edge is a fused compare (self-loop fast path), counting
 * iterations with an independent LEA scheduled before the branch. */
static void loops(void) {
  for (u32 n = 0; n < 5; n++) {
    u32 i = 0, acc = 1, end = n * 3;
    __asm__ volatile("1: add $1, %0\n imul $3, %1, %1\n cmp %0, %2\n lea 1(%1), %1\n jne 1b"
                     : "+r"(i), "+r"(acc) : "r"(end ? end : 1) : "cc");
    printf("loop %u -> %u %08x\n", n, i, acc);
  }
}

int main(void) {
  for (unsigned x = 0; x < NEDGE; x++)
    for (unsigned y = 0; y < NEDGE; y++) {
      u32 a = EDGE[x], b = EDGE[y];
      shapes_o(a, b); shapes_no(a, b); shapes_b(a, b); shapes_ae(a, b);
      shapes_e(a, b); shapes_ne(a, b); shapes_be(a, b); shapes_a(a, b);
      shapes_s(a, b); shapes_ns(a, b); shapes_p(a, b); shapes_np(a, b);
      shapes_l(a, b); shapes_ge(a, b); shapes_le(a, b); shapes_g(a, b);
    }
  loops();
  return 0;
}
