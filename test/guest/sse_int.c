// web-vm-cflags: -msse2 -mssse3 -mfpmath=sse
/* SSE2/SSSE3 integer instructions on XMM registers through compiler
 * intrinsics: every packed add/sub (wrapping and saturating), multiply,
 * PMADDWD, PSADBW, average, min/max, compare, logical, shift (by register,
 * by immediate, whole-register byte shifts), unpack, pack, shuffle,
 * PMOVMSKB/MOVMSKPS/MOVMSKPD, PEXTRW/PINSRW, MOVD/MOVQ, and SSSE3 PSHUFB,
 * PALIGNR, PHADD/PHSUB, PMADDUBSW, PMULHRSW, PSIGN, PABS. Operands are
 * vectors built from edge values (0, ±1, 0x7f/0x80 boundaries, 0xff…) and
 * a PRNG; one line per operation: FNV-1a hash of all results (build with
 * -DVERBOSE to print each one).
 */
#include <emmintrin.h>
#include <pmmintrin.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <tmmintrin.h>

#define NOINLINE __attribute__((noinline))
typedef uint8_t u8;
typedef uint32_t u32;

#define NV 24
static u8 V[NV][16] __attribute__((aligned(16)));

static void init(void) {
  static const u8 edge[] = {0x00, 0x01, 0x7f, 0x80, 0x81, 0xff, 0xfe, 0x40, 0xc0, 0x55, 0xaa, 0x10, 0x0f, 0x3f, 0x20, 0x08};
  u32 x = 12345;
  for (int v = 0; v < NV; v++)
    for (int k = 0; k < 16; k++) {
      x ^= x << 13;
      x ^= x >> 17;
      x ^= x << 5;
      if (v < 8) V[v][k] = edge[(v * 5 + k * (v + 1)) % 16];
      else if (v < 12) V[v][k] = edge[(k + v) % 16] ^ (u8)(x & (v & 1 ? 0x80 : 0x01));
      else V[v][k] = (u8)x;
    }
  /* Shift counts and small values in some vectors' low quadword. */
  static const u32 counts[] = {0, 1, 7, 8, 15, 16, 31, 32, 63, 64, 65};
  for (int v = 0; v < 11 && 12 + v < NV; v++) {
    u32 c = counts[v];
    memcpy(V[12 + v], &c, 4);
    memset(V[12 + v] + 4, 0, 4);
  }
}

static u32 h;
static void mixv(__m128i r) {
  u8 b[16];
  _mm_storeu_si128((__m128i *)b, r);
  for (int k = 0; k < 16; k++) {
    h ^= b[k];
    h *= 16777619u;
  }
}

typedef __m128i (*bin_t)(__m128i a, __m128i b);

#define BIN(name, expr) \
  static NOINLINE __m128i name(__m128i a, __m128i b) { return expr; }
#define UN(name, expr) \
  static NOINLINE __m128i name(__m128i a, __m128i b) { (void)b; return expr; }

BIN(add8, _mm_add_epi8(a, b)) BIN(add16, _mm_add_epi16(a, b)) BIN(add32, _mm_add_epi32(a, b)) BIN(add64, _mm_add_epi64(a, b))
BIN(sub8, _mm_sub_epi8(a, b)) BIN(sub16, _mm_sub_epi16(a, b)) BIN(sub32, _mm_sub_epi32(a, b)) BIN(sub64, _mm_sub_epi64(a, b))
BIN(adds8, _mm_adds_epi8(a, b)) BIN(adds16, _mm_adds_epi16(a, b)) BIN(addsu8, _mm_adds_epu8(a, b)) BIN(addsu16, _mm_adds_epu16(a, b))
BIN(subs8, _mm_subs_epi8(a, b)) BIN(subs16, _mm_subs_epi16(a, b)) BIN(subsu8, _mm_subs_epu8(a, b)) BIN(subsu16, _mm_subs_epu16(a, b))
BIN(mullo16, _mm_mullo_epi16(a, b)) BIN(mulhi16, _mm_mulhi_epi16(a, b)) BIN(mulhiu16, _mm_mulhi_epu16(a, b))
BIN(muludq, _mm_mul_epu32(a, b)) BIN(madd16, _mm_madd_epi16(a, b)) BIN(sad8, _mm_sad_epu8(a, b))
BIN(avg8, _mm_avg_epu8(a, b)) BIN(avg16, _mm_avg_epu16(a, b)) BIN(minu8, _mm_min_epu8(a, b)) BIN(maxu8, _mm_max_epu8(a, b))
BIN(min16, _mm_min_epi16(a, b)) BIN(max16, _mm_max_epi16(a, b))
BIN(cmpeq8, _mm_cmpeq_epi8(a, b)) BIN(cmpeq16, _mm_cmpeq_epi16(a, b)) BIN(cmpeq32, _mm_cmpeq_epi32(a, b))
BIN(cmpgt8, _mm_cmpgt_epi8(a, b)) BIN(cmpgt16, _mm_cmpgt_epi16(a, b)) BIN(cmpgt32, _mm_cmpgt_epi32(a, b))
BIN(and_, _mm_and_si128(a, b)) BIN(andn, _mm_andnot_si128(a, b)) BIN(or_, _mm_or_si128(a, b)) BIN(xor_, _mm_xor_si128(a, b))
BIN(andps, _mm_castps_si128(_mm_and_ps(_mm_castsi128_ps(a), _mm_castsi128_ps(b))))
BIN(andnpd, _mm_castpd_si128(_mm_andnot_pd(_mm_castsi128_pd(a), _mm_castsi128_pd(b))))
BIN(orps, _mm_castps_si128(_mm_or_ps(_mm_castsi128_ps(a), _mm_castsi128_ps(b))))
BIN(xorpd, _mm_castpd_si128(_mm_xor_pd(_mm_castsi128_pd(a), _mm_castsi128_pd(b))))
BIN(sll16, _mm_sll_epi16(a, b)) BIN(sll32, _mm_sll_epi32(a, b)) BIN(sll64, _mm_sll_epi64(a, b))
BIN(srl16, _mm_srl_epi16(a, b)) BIN(srl32, _mm_srl_epi32(a, b)) BIN(srl64, _mm_srl_epi64(a, b))
BIN(sra16, _mm_sra_epi16(a, b)) BIN(sra32, _mm_sra_epi32(a, b))
BIN(unpl8, _mm_unpacklo_epi8(a, b)) BIN(unpl16, _mm_unpacklo_epi16(a, b)) BIN(unpl32, _mm_unpacklo_epi32(a, b)) BIN(unpl64, _mm_unpacklo_epi64(a, b))
BIN(unph8, _mm_unpackhi_epi8(a, b)) BIN(unph16, _mm_unpackhi_epi16(a, b)) BIN(unph32, _mm_unpackhi_epi32(a, b)) BIN(unph64, _mm_unpackhi_epi64(a, b))
BIN(unplps, _mm_castps_si128(_mm_unpacklo_ps(_mm_castsi128_ps(a), _mm_castsi128_ps(b))))
BIN(unphps, _mm_castps_si128(_mm_unpackhi_ps(_mm_castsi128_ps(a), _mm_castsi128_ps(b))))
BIN(unplpd, _mm_castpd_si128(_mm_unpacklo_pd(_mm_castsi128_pd(a), _mm_castsi128_pd(b))))
BIN(unphpd, _mm_castpd_si128(_mm_unpackhi_pd(_mm_castsi128_pd(a), _mm_castsi128_pd(b))))
BIN(packss16, _mm_packs_epi16(a, b)) BIN(packss32, _mm_packs_epi32(a, b)) BIN(packus16, _mm_packus_epi16(a, b))
BIN(movhl, _mm_castps_si128(_mm_movehl_ps(_mm_castsi128_ps(a), _mm_castsi128_ps(b))))
BIN(movlh, _mm_castps_si128(_mm_movelh_ps(_mm_castsi128_ps(a), _mm_castsi128_ps(b))))
BIN(movss, _mm_castps_si128(_mm_move_ss(_mm_castsi128_ps(a), _mm_castsi128_ps(b))))
BIN(movsd, _mm_castpd_si128(_mm_move_sd(_mm_castsi128_pd(a), _mm_castsi128_pd(b))))
UN(movq, _mm_move_epi64(a))
UN(movsldup, _mm_castps_si128(_mm_moveldup_ps(_mm_castsi128_ps(a))))
UN(movshdup, _mm_castps_si128(_mm_movehdup_ps(_mm_castsi128_ps(a))))
UN(movddup, _mm_castpd_si128(_mm_movedup_pd(_mm_castsi128_pd(a))))
/* SSSE3 */
BIN(pshufb, _mm_shuffle_epi8(a, b)) BIN(phadd16, _mm_hadd_epi16(a, b)) BIN(phadd32, _mm_hadd_epi32(a, b))
BIN(phadds16, _mm_hadds_epi16(a, b)) BIN(phsub16, _mm_hsub_epi16(a, b)) BIN(phsub32, _mm_hsub_epi32(a, b))
BIN(phsubs16, _mm_hsubs_epi16(a, b)) BIN(maddubs, _mm_maddubs_epi16(a, b)) BIN(mulhrs, _mm_mulhrs_epi16(a, b))
BIN(sign8, _mm_sign_epi8(a, b)) BIN(sign16, _mm_sign_epi16(a, b)) BIN(sign32, _mm_sign_epi32(a, b))
UN(abs8, _mm_abs_epi8(a)) UN(abs16, _mm_abs_epi16(a)) UN(abs32, _mm_abs_epi32(a))

/* Immediate forms: one function per immediate. */
#define IMMS(X) X(0) X(1) X(3) X(7) X(8) X(15) X(16) X(17) X(31) X(32) X(63) X(64)
#define SHI(n)                                                                                          \
  static NOINLINE __m128i shi##n(__m128i a, __m128i b) {                                                \
    (void)b;                                                                                            \
    __m128i r = _mm_slli_epi16(a, n);                                                                   \
    r = _mm_xor_si128(r, _mm_srli_epi32(a, n));                                                         \
    r = _mm_xor_si128(r, _mm_srai_epi16(a, n));                                                         \
    r = _mm_add_epi8(r, _mm_slli_epi64(a, n));                                                          \
    r = _mm_add_epi16(r, _mm_srli_epi64(a, n));                                                         \
    r = _mm_sub_epi32(r, _mm_srai_epi32(a, n));                                                         \
    r = _mm_xor_si128(r, _mm_srli_epi16(a, n));                                                         \
    r = _mm_add_epi8(r, _mm_slli_epi32(a, n));                                                          \
    return r;                                                                                           \
  }
IMMS(SHI)
#define BYTES(X) X(0) X(1) X(4) X(7) X(8) X(15) X(16) X(20)
#define BSH(n)                                                                                          \
  static NOINLINE __m128i bsh##n(__m128i a, __m128i b) {                                                \
    (void)b;                                                                                            \
    return _mm_xor_si128(_mm_slli_si128(a, n), _mm_add_epi8(_mm_srli_si128(a, n), _mm_set1_epi8(1)));    \
  }
BYTES(BSH)
#define ALIGNS(X) X(0) X(1) X(5) X(8) X(15) X(16) X(17) X(24) X(31) X(32) X(40)
#define ALN(n) \
  static NOINLINE __m128i aln##n(__m128i a, __m128i b) { return _mm_alignr_epi8(a, b, n); }
ALIGNS(ALN)
#define SHUFS(X) X(0x00) X(0x1b) X(0xe4) X(0x4e) X(0x93) X(0xff) X(0x39) X(0xd8)
#define SHF(n)                                                                                          \
  static NOINLINE __m128i shf##n(__m128i a, __m128i b) {                                                \
    __m128i r = _mm_shuffle_epi32(a, n);                                                                \
    r = _mm_add_epi8(r, _mm_shufflehi_epi16(b, n));                                                     \
    r = _mm_xor_si128(r, _mm_shufflelo_epi16(a, n));                                                    \
    r = _mm_add_epi16(r, _mm_castps_si128(_mm_shuffle_ps(_mm_castsi128_ps(a), _mm_castsi128_ps(b), n))); \
    r = _mm_xor_si128(r, _mm_castpd_si128(_mm_shuffle_pd(_mm_castsi128_pd(b), _mm_castsi128_pd(a), n & 3))); \
    return r;                                                                                           \
  }
SHUFS(SHF)
#define WORDS(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7)
#define WRD(n)                                                                                          \
  static NOINLINE __m128i wrd##n(__m128i a, __m128i b) {                                                \
    int w = _mm_extract_epi16(a, n);                                                                    \
    return _mm_insert_epi16(b, w * 3 + 1, (n * 3) & 7);                                                 \
  }
WORDS(WRD)

static NOINLINE __m128i masks(__m128i a, __m128i b) {
  int m = _mm_movemask_epi8(a) ^ (_mm_movemask_ps(_mm_castsi128_ps(b)) << 16) ^ (_mm_movemask_pd(_mm_castsi128_pd(a)) << 20);
  return _mm_cvtsi32_si128(m ^ _mm_cvtsi128_si32(b));
}
static NOINLINE __m128i memforms(__m128i a, __m128i b) {
  /* Memory operands: MOVQ/MOVD loads and stores, MOVLPS/MOVHPS/MOVLPD/MOVHPD, MOVSS/MOVSD, LDDQU, MASKMOVDQU. */
  static u8 buf[48] __attribute__((aligned(16)));
  _mm_store_si128((__m128i *)buf, a);
  _mm_storeu_si128((__m128i *)(buf + 17), b);
  __m128i r = _mm_loadl_epi64((__m128i *)(buf + 3));
  r = _mm_add_epi8(r, _mm_lddqu_si128((__m128i *)(buf + 9)));
  __m128 f = _mm_loadh_pi(_mm_castsi128_ps(a), (const __m64 *)(buf + 20));
  f = _mm_loadl_pi(f, (const __m64 *)(buf + 5));
  r = _mm_xor_si128(r, _mm_castps_si128(f));
  __m128d d = _mm_loadh_pd(_mm_castsi128_pd(b), (const double *)(buf + 1));
  d = _mm_loadl_pd(d, (const double *)(buf + 30));
  r = _mm_add_epi32(r, _mm_castpd_si128(d));
  r = _mm_add_epi32(r, _mm_castps_si128(_mm_load_ss((const float *)(buf + 13))));
  r = _mm_xor_si128(r, _mm_castpd_si128(_mm_load_sd((const double *)(buf + 26))));
  _mm_storel_epi64((__m128i *)(buf + 2), r);
  _mm_storeh_pi((__m64 *)(buf + 11), _mm_castsi128_ps(r));
  _mm_storel_pd((double *)(buf + 35), _mm_castsi128_pd(b));
  _mm_store_ss((float *)(buf + 40), _mm_castsi128_ps(a));
  _mm_maskmoveu_si128(r, b, (char *)buf + 7);
  _mm_stream_si128((__m128i *)(buf + 32), _mm_add_epi8(a, b));
  _mm_stream_si32((int *)(buf + 44), _mm_cvtsi128_si32(r));
  r = _mm_add_epi8(r, _mm_loadu_si128((__m128i *)(buf + 1)));
  r = _mm_xor_si128(r, _mm_load_si128((__m128i *)(buf + 32)));
  return _mm_add_epi64(r, _mm_cvtsi32_si128(buf[0] | buf[47] << 8 | buf[23] << 16));
}

struct op {
  const char *name;
  bin_t f;
};
#define E(n) {#n, n},
static const struct op OPS[] = {
    E(add8) E(add16) E(add32) E(add64) E(sub8) E(sub16) E(sub32) E(sub64) E(adds8) E(adds16) E(addsu8) E(addsu16)
    E(subs8) E(subs16) E(subsu8) E(subsu16) E(mullo16) E(mulhi16) E(mulhiu16) E(muludq) E(madd16) E(sad8) E(avg8)
    E(avg16) E(minu8) E(maxu8) E(min16) E(max16) E(cmpeq8) E(cmpeq16) E(cmpeq32) E(cmpgt8) E(cmpgt16) E(cmpgt32)
    E(and_) E(andn) E(or_) E(xor_) E(andps) E(andnpd) E(orps) E(xorpd) E(sll16) E(sll32) E(sll64) E(srl16) E(srl32)
    E(srl64) E(sra16) E(sra32) E(unpl8) E(unpl16) E(unpl32) E(unpl64) E(unph8) E(unph16) E(unph32) E(unph64)
    E(unplps) E(unphps) E(unplpd) E(unphpd) E(packss16) E(packss32) E(packus16) E(movhl) E(movlh) E(movss) E(movsd)
    E(movq) E(movsldup) E(movshdup) E(movddup) E(pshufb) E(phadd16) E(phadd32) E(phadds16) E(phsub16) E(phsub32)
    E(phsubs16) E(maddubs) E(mulhrs) E(sign8) E(sign16) E(sign32) E(abs8) E(abs16) E(abs32) E(masks) E(memforms)
#define EI(n) {"shi" #n, shi##n},
    IMMS(EI)
#define EB(n) {"bsh" #n, bsh##n},
    BYTES(EB)
#define EA(n) {"alignr" #n, aln##n},
    ALIGNS(EA)
#define ES(n) {"shuf" #n, shf##n},
    SHUFS(ES)
#define EW(n) {"wrd" #n, wrd##n},
    WORDS(EW)
};

int main(void) {
  init();
  for (unsigned o = 0; o < sizeof OPS / sizeof OPS[0]; o++) {
    h = 2166136261u;
    for (int i = 0; i < NV; i++)
      for (int j = 0; j < NV; j++) {
        __m128i r = OPS[o].f(_mm_load_si128((__m128i *)V[i]), _mm_load_si128((__m128i *)V[j]));
        mixv(r);
#ifdef VERBOSE
        u8 b[16];
        _mm_storeu_si128((__m128i *)b, r);
        printf("  %s %d %d:", OPS[o].name, i, j);
        for (int k = 0; k < 16; k++) printf(" %02x", b[k]);
        printf("\n");
#endif
      }
    printf("%s %08x\n", OPS[o].name, h);
  }
  return 0;
}
