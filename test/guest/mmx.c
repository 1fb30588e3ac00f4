/* MMX instructions (and the MMX forms of SSE/SSE2/SSSE3 integer ops) over a
 * table of 64-bit values, through inline asm on memory operands (the
 * program is built -mno-mmx, so the compiler itself never uses MMX
 * registers and no clobbers are needed; the assembler takes the mnemonics).
 * Also: MOVD both ways, shifts by immediate, PEXTRW/PINSRW/PMOVMSKB,
 * PSHUFW/PALIGNR, and the x87 view after MMX use (tags, TOP, EMMS). */
#include "common.h"

static const u64 V[] = {
  0x0000000000000000ull, 0xffffffffffffffffull, 0x0123456789abcdefull, 0x8000800080008000ull,
  0x7fff7fff7fff7fffull, 0x80ff017f00fe7f80ull, 0x00010002fffefffdull, 0x5555aaaa33cc0ff0ull,
};
#define NV (sizeof(V) / sizeof(V[0]))

#define BIN(name)                                                                                 \
  static u64 op_##name(u64 a, u64 b) {                                                            \
    u64 r;                                                                                        \
    __asm__ volatile("movq %[a], %%mm0\n\t" #name " %[b], %%mm0\n\tmovq %%mm0, %[r]\n\temms"      \
                     : [r] "=m"(r) : [a] "m"(a), [b] "m"(b));                             \
    return r;                                                                                     \
  }
#define OPS(X) X(paddb) X(paddw) X(paddd) X(paddq) X(psubb) X(psubw) X(psubd) X(psubq) \
  X(paddsb) X(paddsw) X(paddusb) X(paddusw) X(psubsb) X(psubsw) X(psubusb) X(psubusw) \
  X(pcmpeqb) X(pcmpeqw) X(pcmpeqd) X(pcmpgtb) X(pcmpgtw) X(pcmpgtd) \
  X(pmullw) X(pmulhw) X(pmulhuw) X(pmaddwd) X(pmuludq) X(pand) X(pandn) X(por) X(pxor) \
  X(psllw) X(pslld) X(psllq) X(psrlw) X(psrld) X(psrlq) X(psraw) X(psrad) \
  X(packsswb) X(packssdw) X(packuswb) X(punpcklbw) X(punpcklwd) X(punpckldq) X(punpckhbw) X(punpckhwd) X(punpckhdq) \
  X(pavgb) X(pavgw) X(pminub) X(pmaxub) X(pminsw) X(pmaxsw) X(psadbw) \
  X(pshufb) X(phaddw) X(phaddd) X(phaddsw) X(phsubw) X(phsubd) X(phsubsw) X(pmaddubsw) X(pmulhrsw) \
  X(psignb) X(psignw) X(psignd) X(pabsb) X(pabsw) X(pabsd)
OPS(BIN)
#define ENTRY(name) {#name, op_##name},
static const struct { const char *n; u64 (*f)(u64, u64); } T[] = {OPS(ENTRY)};

int main(void) {
  for (unsigned o = 0; o < sizeof(T) / sizeof(T[0]); o++)
    for (unsigned i = 0; i < NV; i++)
      for (unsigned j = 0; j < NV; j++) {
        u64 b = V[j];
        /* Shift counts: keep some in range. */
        if (T[o].n[1] == 's' && (T[o].n[2] == 'l' || T[o].n[2] == 'r')) b = (V[j] & 0x3f) + (j == 7 ? 100 : 0);
        printf("%s %u %u: %016llx\n", T[o].n, i, j, (unsigned long long)T[o].f(V[i], b));
      }
  for (unsigned i = 0; i < NV; i++) {
    u64 a = V[i], r1, r2, r3, r4, r5, r6;
    u32 d, w, m;
    __asm__ volatile("movq %[a], %%mm1\n\tpsllw $3, %%mm1\n\tmovq %%mm1, %[r1]\n\t"
                     "movq %[a], %%mm2\n\tpsrad $7, %%mm2\n\tmovq %%mm2, %[r2]\n\t"
                     "movq %[a], %%mm3\n\tpsrlq $13, %%mm3\n\tmovq %%mm3, %[r3]\n\t"
                     "pshufw $0x1b, %[a], %%mm4\n\tmovq %%mm4, %[r4]\n\t"
                     "movq %[a], %%mm5\n\tpalignr $3, %%mm4, %%mm5\n\tmovq %%mm5, %[r5]\n\t"
                     "movd %%mm5, %[d]\n\tpextrw $2, %%mm5, %[w]\n\tpmovmskb %%mm5, %[m]\n\t"
                     "pinsrw $1, %[w], %%mm5\n\tmovd %[w], %%mm6\n\tpunpckldq %%mm5, %%mm6\n\tmovq %%mm6, %[r6]\n\temms"
                     : [r1] "=m"(r1), [r2] "=m"(r2), [r3] "=m"(r3), [r4] "=m"(r4), [r5] "=m"(r5), [r6] "=m"(r6),
                       [d] "=r"(d), [w] "=r"(w), [m] "=r"(m)
                     : [a] "m"(a));
    printf("misc %u: %016llx %016llx %016llx %016llx %016llx %08x %08x %08x %016llx\n", i, (unsigned long long)r1,
           (unsigned long long)r2, (unsigned long long)r3, (unsigned long long)r4, (unsigned long long)r5, d, w, m,
           (unsigned long long)r6);
  }
  /* The x87 side: MMX use sets TOP 0 and all tags valid; EMMS empties them. */
  u8 env1[28], env2[28];
  u64 a = V[2];
  __asm__ volatile("fninit\n\tfld1\n\tmovq %[a], %%mm3\n\tfnstenv %[e1]\n\temms\n\tfnstenv %[e2]\n\tfninit"
                   : [e1] "=m"(env1), [e2] "=m"(env2) : [a] "m"(a));
  printf("env after mmx: sw %02x%02x tw %02x%02x; after emms: sw %02x%02x tw %02x%02x\n", env1[5], env1[4], env1[9], env1[8],
         env2[5], env2[4], env2[9], env2[8]);
  {
    u8 sav[108];
    __asm__ volatile("fninit\n\tmovq %[a], %%mm2\n\tfnsave %[s]\n\tfninit" : [s] "=m"(sav) : [a] "m"(a));
    printf("fsave mm2:");
    for (int k = 48; k < 58; k++) printf(" %02x", sav[k]);
    printf("\n");
  }
  return 0;
}
