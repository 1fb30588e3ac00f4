/* BCD adjustments over every AL value with every CF/AF input:
 * DAA DAS AAA AAS, AAM with several bases (D4 ib), AAD with several bases
 * (D5 ib) and AH values.
 *
 * Defined flags (SDM Vol. 2):
 *   DAA/DAS: CF AF SF ZF PF; OF undefined               -> mask 0x0d5
 *   AAA/AAS: AF CF; OF SF ZF PF undefined               -> mask 0x011
 *   AAM/AAD: SF ZF PF; OF AF CF undefined               -> mask 0x0c4
 * AAM 0 raises #DE and is not run.
 */
#include "common.h"

#define M_DAA (F_CF | F_AF | F_SF | F_ZF | F_PF)
#define M_AAA (F_AF | F_CF)
#define M_AAM (F_SF | F_ZF | F_PF)

#define ADJ(fn, insn)                                                              \
  static NOINLINE u32 fn(u16 *ax, u32 fin) {                                       \
    u16 a = *ax;                                                                   \
    u32 f;                                                                         \
    __asm__ volatile(FLAGS_PRE insn FLAGS_POST                                     \
                     : "+a"(a), [fout] "=&r"(f)                                    \
                     : [fin] "r"(fin)                                              \
                     : "cc");                                                      \
    *ax = a;                                                                       \
    return f;                                                                      \
  }
ADJ(daa, "daa")
ADJ(das, "das")
ADJ(aaa, "aaa")
ADJ(aas, "aas")
ADJ(aam10, "aam")
ADJ(aam16, ".byte 0xd4, 16")
ADJ(aam7, ".byte 0xd4, 7")
ADJ(aam1, ".byte 0xd4, 1")
ADJ(aam255, ".byte 0xd4, 255")
ADJ(aad10, "aad")
ADJ(aad16, ".byte 0xd5, 16")
ADJ(aad7, ".byte 0xd5, 7")
ADJ(aad0, ".byte 0xd5, 0")
ADJ(aad255, ".byte 0xd5, 255")

typedef u32 adj_fn(u16 *ax, u32 fin);

int main(void) {
  static const struct {
    const char *name;
    adj_fn *fn;
    u32 mask;
  } ADD_SUB[] = {{"daa", daa, M_DAA}, {"das", das, M_DAA}, {"aaa", aaa, M_AAA}, {"aas", aas, M_AAA}};

  for (unsigned o = 0; o < 4; o++)
    for (int al = 0; al < 256; al++)
      for (int cf = 0; cf < 2; cf++)
        for (int af = 0; af < 2; af++) {
          /* the flags that do not feed the result alternate with AL, so a
             flag left stale instead of recomputed shows up */
          u32 fin = (cf ? F_CF : 0) | (af ? F_AF : 0) |
                    ((al & 1) ? (F_SF | F_ZF | F_PF | F_OF) : 0);
          u16 ax = (u16)(((al ^ 0x5c) << 8) | al); /* AH varies, incl. 0xff for AAA carry */
          u32 f = ADD_SUB[o].fn(&ax, fin);
          printf("%s ax=%04x cf=%d af=%d -> %04x %03x\n", ADD_SUB[o].name,
                 ((al ^ 0x5c) << 8) | al, cf, af, ax, f & ADD_SUB[o].mask);
        }

  static const struct {
    int base;
    adj_fn *aam, *aad;
  } BASES[] = {{10, aam10, aad10}, {16, aam16, aad16}, {7, aam7, aad7},
               {1, aam1, 0},       {255, aam255, aad255}, {0, 0, aad0}};
  for (unsigned b = 0; b < sizeof BASES / sizeof BASES[0]; b++) {
    if (BASES[b].aam)
      for (int al = 0; al < 256; al++) {
        u16 ax = (u16)(0x3300 | al);
        u32 f = BASES[b].aam(&ax, (al & 1) ? F_ARITH : 0);
        printf("aam %d al=%02x -> %04x %03x\n", BASES[b].base, al, ax, f & M_AAM);
      }
    if (BASES[b].aad) {
      static const u8 AH[] = {0x00, 0x01, 0x99, 0xff};
      for (unsigned h = 0; h < sizeof AH; h++)
        for (int al = 0; al < 256; al++) {
          u16 ax = (u16)(AH[h] << 8 | al);
          u32 f = BASES[b].aad(&ax, (al & 1) ? F_ARITH : 0);
          printf("aad %d ax=%04x -> %04x %03x\n", BASES[b].base, AH[h] << 8 | al, ax,
                 f & M_AAM);
        }
    }
  }
  return 0;
}
