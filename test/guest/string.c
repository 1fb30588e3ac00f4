/* String instructions: MOVS STOS LODS CMPS SCAS in byte/word/dword forms,
 * bare and with REP / REPE / REPNE, DF=0 and DF=1, ECX=0, early termination
 * of REPE/REPNE, overlapping MOVS (the byte-at-a-time semantics memmove must
 * not "fix"), a GS segment override on the source of MOVS/LODS, and
 * 16-bit addressing (0x67: SI/CX) on a GS-relative LODS.
 *
 * Each case prints ESI/EDI as offsets into one buffer, ECX, EAX where it
 * matters, the status flags for CMPS/SCAS (all six defined, as for CMP; with
 * ECX=0 nothing executes and every flag is preserved), and the bytes of the
 * buffer that changed.
 */
#include "common.h"

static u8 buf[1024];

static u8 before[sizeof buf];

/* Not periodic in 256, so regions never compare equal by accident. */
static void fill(void) {
  for (int i = 0; i < (int)sizeof buf; i++) buf[i] = (u8)(i * 7 + (i >> 8) * 13 + 3);
}

struct regs {
  u32 esi, edi, ecx, eax, flags;
};

/* Runs `insn` with ESI/EDI/ECX/EAX from r (ESI/EDI as offsets into buf) and
 * input flags fin (DF may be set), then restores DF=0 (the ABI requires it). */
#define STR_FN(fn, insn)                                                           \
  static NOINLINE void fn(struct regs *r, u32 fin) {                               \
    u32 S = (u32)(buf + r->esi), D = (u32)(buf + r->edi), C = r->ecx, A = r->eax, f; \
    __asm__ volatile(FLAGS_PRE insn FLAGS_POST "\n\tcld"                           \
                     : "+S"(S), "+D"(D), "+c"(C), "+a"(A), [fout] "=&r"(f)         \
                     : [fin] "r"(fin)                                              \
                     : "cc", "memory");                                            \
    r->esi = S - (u32)buf;                                                         \
    r->edi = D - (u32)buf;                                                         \
    r->ecx = C;                                                                    \
    r->eax = A;                                                                    \
    r->flags = f;                                                                  \
  }

#define STR_SIZES(op)                                                              \
  STR_FN(op##b, #op "b") STR_FN(op##w, #op "w") STR_FN(op##l, #op "l")             \
  STR_FN(rep_##op##b, "rep " #op "b") STR_FN(rep_##op##w, "rep " #op "w")          \
  STR_FN(rep_##op##l, "rep " #op "l")

STR_SIZES(movs)
STR_SIZES(stos)
STR_SIZES(lods)
STR_FN(cmpsb, "cmpsb")
STR_FN(cmpsw, "cmpsw")
STR_FN(cmpsl, "cmpsl")
STR_FN(repe_cmpsb, "repe cmpsb")
STR_FN(repe_cmpsw, "repe cmpsw")
STR_FN(repe_cmpsl, "repe cmpsl")
STR_FN(repne_cmpsb, "repne cmpsb")
STR_FN(repne_cmpsw, "repne cmpsw")
STR_FN(repne_cmpsl, "repne cmpsl")
STR_FN(scasb, "scasb")
STR_FN(scasw, "scasw")
STR_FN(scasl, "scasl")
STR_FN(repe_scasb, "repe scasb")
STR_FN(repe_scasw, "repe scasw")
STR_FN(repe_scasl, "repe scasl")
STR_FN(repne_scasb, "repne scasb")
STR_FN(repne_scasw, "repne scasw")
STR_FN(repne_scasl, "repne scasl")

typedef void str_fn(struct regs *r, u32 fin);

static void report(const char *name, const struct regs *in, int df, int cflags,
                   const struct regs *out) {
  printf("%s si=%u di=%u cx=%u ax=%08x df=%d c%d -> si=%d di=%d cx=%u ax=%08x", name,
         in->esi, in->edi, in->ecx, in->eax, df, cflags, (int)out->esi, (int)out->edi,
         out->ecx, out->eax);
  printf(" f=%03x", out->flags & (F_ARITH | F_DF));
  int lo = -1, hi = -1;
  for (int i = 0; i < (int)sizeof buf; i++)
    if (buf[i] != before[i]) {
      if (lo < 0) lo = i;
      hi = i;
    }
  if (lo >= 0) {
    printf(" mem[%d..%d]=", lo, hi);
    for (int i = lo; i <= hi; i++) printf("%02x", buf[i]);
  }
  printf("\n");
}

static void run(const char *name, str_fn *fn, u32 esi, u32 edi, u32 ecx, u32 eax, int df,
                int c, void (*prep)(void)) {
  struct regs in = {esi, edi, ecx, eax, 0}, out = in;
  fill();
  if (prep) prep();
  memcpy(before, buf, sizeof buf);
  fn(&out, FLAGS_IN[c] | (df ? F_DF : 0));
  report(name, &in, df, c, &out);
}

/* ---- preparations: make regions compare equal for a while, plant needles */

static void prep_equal_prefix(void) {
  /* buf[256..] equals buf[0..] for 37 bytes, then differs */
  for (int i = 0; i < 37; i++) buf[256 + i] = buf[i];
  buf[256 + 37] = (u8)(buf[37] + 1);
  for (int i = 38; i < 128; i++) buf[256 + i] = buf[i];
}
static void prep_differ_until(void) {
  /* buf[512..] differs from buf[0..] for 21 bytes, then is equal */
  for (int i = 0; i < 128; i++) buf[512 + i] = (u8)(i < 21 ? buf[i] ^ 0x55 : buf[i]);
}
static void prep_run_of_a5(void) {
  for (int i = 300; i < 340; i++) buf[i] = 0xa5;
}

struct sized {
  const char *name;
  str_fn *fn[3];
};

int main(void) {
  static const char *const SZ = "bwl";
  static const struct sized MOVS = {"movs", {movsb, movsw, movsl}};
  static const struct sized REP_MOVS = {"rep movs", {rep_movsb, rep_movsw, rep_movsl}};
  static const struct sized STOS = {"stos", {stosb, stosw, stosl}};
  static const struct sized REP_STOS = {"rep stos", {rep_stosb, rep_stosw, rep_stosl}};
  static const struct sized LODS = {"lods", {lodsb, lodsw, lodsl}};
  static const struct sized REP_LODS = {"rep lods", {rep_lodsb, rep_lodsw, rep_lodsl}};
  static const struct sized CMPS = {"cmps", {cmpsb, cmpsw, cmpsl}};
  static const struct sized REPE_CMPS = {"repe cmps", {repe_cmpsb, repe_cmpsw, repe_cmpsl}};
  static const struct sized REPNE_CMPS = {"repne cmps", {repne_cmpsb, repne_cmpsw, repne_cmpsl}};
  static const struct sized SCAS = {"scas", {scasb, scasw, scasl}};
  static const struct sized REPE_SCAS = {"repe scas", {repe_scasb, repe_scasw, repe_scasl}};
  static const struct sized REPNE_SCAS = {"repne scas", {repne_scasb, repne_scasw, repne_scasl}};
  static const u32 COUNTS[] = {0, 1, 2, 7, 16, 33};
  char name[32];

  for (int s = 0; s < 3; s++) {
    int size = 1 << s;
#define NAME(x) (snprintf(name, sizeof name, "%s%c", (x).name, SZ[s]), name)
    for (int df = 0; df < 2; df++) {
      /* bare forms: one element; with DF=1 the pointers move down */
      run(NAME(MOVS), MOVS.fn[s], 8, 520, 99, 0, df, df, 0);
      run(NAME(STOS), STOS.fn[s], 8, 520, 99, 0xdeadbeef, df, df, 0);
      run(NAME(LODS), LODS.fn[s], 16, 520, 99, 0x11111111, df, df, 0);
      for (unsigned k = 0; k < sizeof COUNTS / sizeof COUNTS[0]; k++) {
        u32 n = COUNTS[k];
        /* with DF=1 start at the top so the same region is covered */
        u32 top = df ? (n ? (n - 1) * size : 0) : 0;
        run(NAME(REP_MOVS), REP_MOVS.fn[s], 16 + top, 600 + top, n, 0, df, k & 1, 0);
        run(NAME(REP_STOS), REP_STOS.fn[s], 16, 600 + top, n, 0xc0ffee42, df, k & 1, 0);
        run(NAME(REP_LODS), REP_LODS.fn[s], 16 + top, 600, n, 0x22222222, df, k & 1, 0);
      }
      /* overlapping copies: DF=0 with dst just above src replicates the head
         element; DF=1 with dst above src is the memmove-safe direction, with
         dst below src it replicates the tail */
      if (!df) {
        run(NAME(REP_MOVS), REP_MOVS.fn[s], 100, 100 + size, 20, 0, 0, 0, 0);
        run(NAME(REP_MOVS), REP_MOVS.fn[s], 100, 103, 9, 0, 0, 1, 0); /* misaligned */
      } else {
        run(NAME(REP_MOVS), REP_MOVS.fn[s], 100 + 19 * size, 100 + 20 * size, 20, 0, 1, 0, 0);
        run(NAME(REP_MOVS), REP_MOVS.fn[s], 140, 137, 9, 0, 1, 1, 0);
      }

      /* CMPS: bare, ECX=0 (flags preserved), REPE to the first mismatch,
         REPE over an all-equal run (ECX runs out), REPNE to the first match */
      u32 hi = df ? 120 : 0;
      for (int c = 0; c < 2; c++) {
        run(NAME(CMPS), CMPS.fn[s], 0 + hi, 256 + hi, 5, 0, df, c, prep_equal_prefix);
        run(NAME(REPE_CMPS), REPE_CMPS.fn[s], 0 + hi, 256 + hi, 0, 0, df, c, prep_equal_prefix);
        run(NAME(REPNE_CMPS), REPNE_CMPS.fn[s], 0 + hi, 256 + hi, 0, 0, df, c, prep_equal_prefix);
      }
      if (!df) {
        run(NAME(REPE_CMPS), REPE_CMPS.fn[s], 0, 256, 100, 0, 0, 0, prep_equal_prefix);
        run(NAME(REPE_CMPS), REPE_CMPS.fn[s], 0, 256, 36 / size, 0, 0, 1, prep_equal_prefix);
        run(NAME(REPNE_CMPS), REPNE_CMPS.fn[s], 0, 512, 100, 0, 0, 0, prep_differ_until);
        run(NAME(REPNE_CMPS), REPNE_CMPS.fn[s], 0, 512, 3, 0, 0, 1, prep_differ_until);
      } else {
        /* walking down from the end of the equal tail towards the change */
        run(NAME(REPE_CMPS), REPE_CMPS.fn[s], 124 - size, 380 - size, 100, 0, 1, 0,
            prep_equal_prefix);
        run(NAME(REPNE_CMPS), REPNE_CMPS.fn[s], 40, 552, 100, 0, 1, 1, prep_differ_until);
      }

      /* SCAS: bare, ECX=0, REPNE to a needle / not found, REPE over a run */
      for (int c = 0; c < 2; c++) {
        run(NAME(SCAS), SCAS.fn[s], 0, 300 + hi, 5, 0xa5a5a5a5, df, c, prep_run_of_a5);
        run(NAME(REPNE_SCAS), REPNE_SCAS.fn[s], 0, 200, 0, 0xa5a5a5a5, df, c, prep_run_of_a5);
      }
      if (!df) {
        run(NAME(REPNE_SCAS), REPNE_SCAS.fn[s], 0, 200, 200, 0xa5a5a5a5, 0, 0, prep_run_of_a5);
        run(NAME(REPNE_SCAS), REPNE_SCAS.fn[s], 0, 200, 10, 0xa5a5a5a5, 0, 1, prep_run_of_a5);
        run(NAME(REPE_SCAS), REPE_SCAS.fn[s], 0, 300, 100, 0xa5a5a5a5, 0, 0, prep_run_of_a5);
        run(NAME(REPE_SCAS), REPE_SCAS.fn[s], 0, 300, 40 / size, 0xa5a5a5a5, 0, 1,
            prep_run_of_a5);
      } else {
        run(NAME(REPNE_SCAS), REPNE_SCAS.fn[s], 0, 400, 200, 0xa5a5a5a5, 1, 0, prep_run_of_a5);
        run(NAME(REPE_SCAS), REPE_SCAS.fn[s], 0, 340 - size, 100, 0xa5a5a5a5, 1, 1,
            prep_run_of_a5);
      }
    }
  }

  /* GS override on the source: %gs:0 holds the thread pointer (i386 TLS ABI),
     read it with plain MOV, with LODSL and with MOVSL and compare. */
  {
    u32 tp, viamov, vialods, viamovs = 0, S = 0, D = (u32)&viamovs;
    __asm__ volatile("mov %%gs:0, %0" : "=r"(tp));
    viamov = tp;
    __asm__ volatile("lodsl %%gs:(%%esi), %%eax" : "=a"(vialods), "+S"(S) : : "memory");
    S = 0;
    __asm__ volatile("movsl %%gs:(%%esi), %%es:(%%edi)" : "+S"(S), "+D"(D) : : "memory");
    printf("gs-override lods=%d movs=%d esi=%u\n", vialods == viamov, viamovs == viamov, S);

    /* 0x67 (16-bit addressing): SI is the pointer and CX the count; the upper
       halves of ESI/ECX stay. ES:DI forms cannot be tested (they would need
       memory below 64 KiB), but a GS-relative source can. */
    u32 v1, S1 = 0xabcd0000, v2, S2 = 0x77770000, C2 = 0x12340002;
    __asm__ volatile("lodsl %%gs:(%%si), %%eax" : "=a"(v1), "+S"(S1) : : "memory");
    __asm__ volatile("rep lodsw %%gs:(%%si), %%ax"
                     : "=a"(v2), "+S"(S2), "+c"(C2)
                     : "a"(0x55550000)
                     : "memory");
    printf("addr16 lods ok=%d esi=%08x | rep lodsw ax-ok=%d eax-hi=%04x esi=%08x ecx=%08x\n",
           v1 == tp, S1, (v2 & 0xffff) == (tp >> 16), v2 >> 16, S2, C2);
  }
  return 0;
}
