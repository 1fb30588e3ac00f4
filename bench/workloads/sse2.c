// web-vm-cflags: -msse2 -mfpmath=sse
/* SSE2 workload: packed single matrix multiply, packed double
 * iteration with divide and square root, byte-wise SAD and compare/mask
 * scans (the patterns of codecs and of glibc's SSE2 string functions).
 * Prints checksums of the results; the VM must print the same. */
#include <emmintrin.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define N 48
static float A[N][N] __attribute__((aligned(16)));
static float B[N][N] __attribute__((aligned(16)));
static float C[N][N] __attribute__((aligned(16)));

static void matmul(void) {
  for (int i = 0; i < N; i++)
    for (int j = 0; j < N; j += 4) {
      __m128 acc = _mm_setzero_ps();
      for (int k = 0; k < N; k++) acc = _mm_add_ps(acc, _mm_mul_ps(_mm_set1_ps(A[i][k]), _mm_load_ps(&B[k][j])));
      _mm_store_ps(&C[i][j], acc);
    }
}

static double orbit(int steps) {
  __m128d x = _mm_set_pd(0.5, 1.25), v = _mm_set_pd(0.75, -0.5), dt = _mm_set1_pd(0.001);
  for (int s = 0; s < steps; s++) {
    __m128d r2 = _mm_add_pd(_mm_mul_pd(x, x), _mm_set1_pd(0.01));
    __m128d r = _mm_sqrt_pd(r2);
    __m128d a = _mm_div_pd(x, _mm_mul_pd(r2, r));
    v = _mm_sub_pd(v, _mm_mul_pd(a, dt));
    x = _mm_add_pd(x, _mm_mul_pd(v, dt));
  }
  double o[2];
  _mm_storeu_pd(o, x);
  return o[0] + o[1];
}

static uint8_t img[64 * 1024] __attribute__((aligned(16)));

static uint32_t sad(void) {
  uint32_t total = 0;
  for (int off = 16; off < 16 * 16; off += 16) {
    __m128i acc = _mm_setzero_si128();
    for (int k = 0; k + off + 16 <= (int)sizeof img; k += 16)
      acc = _mm_add_epi64(acc, _mm_sad_epu8(_mm_load_si128((__m128i *)(img + k)), _mm_loadu_si128((__m128i *)(img + k + off - 3))));
    total += (uint32_t)_mm_cvtsi128_si32(acc) + (uint32_t)_mm_cvtsi128_si32(_mm_srli_si128(acc, 8));
  }
  return total;
}

static uint32_t scan(void) {
  uint32_t found = 0;
  for (int c = 0; c < 256; c++) {
    __m128i needle = _mm_set1_epi8((char)c);
    for (int k = 0; k < (int)sizeof img; k += 16) {
      int m = _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_load_si128((__m128i *)(img + k)), needle));
      found += (uint32_t)__builtin_popcount((unsigned)m);
    }
  }
  return found;
}

int main(void) {
  uint32_t x = 1;
  for (int i = 0; i < N; i++)
    for (int j = 0; j < N; j++) {
      x = x * 1103515245u + 12345u;
      A[i][j] = (float)((x >> 16) & 1023) / 512.0f - 1.0f;
      B[j][i] = (float)((x >> 8) & 1023) / 256.0f - 2.0f;
    }
  for (unsigned k = 0; k < sizeof img; k++) {
    x = x * 1103515245u + 12345u;
    img[k] = (uint8_t)(x >> 17);
  }
  double sum = 0;
  for (int r = 0; r < 200; r++) {
    matmul();
    for (int i = 0; i < N; i++) A[i][(r * 7) % N] = C[i][(r * 5) % N] / 64.0f;
  }
  for (int i = 0; i < N; i++)
    for (int j = 0; j < N; j++) sum += C[i][j];
  printf("matmul %.6e\n", sum);
  printf("orbit %.12f\n", orbit(1000000));
  printf("sad %u\n", sad());
  printf("scan %u\n", scan());
  return 0;
}
