/*
 * hash: CPU-bound integer work. Fills a 16 MiB buffer from xorshift32, then
 * hashes it several rounds with FNV-1a (bytewise) and a murmur3-style 32-bit
 * word mix, feeding each round's digest into the next. Prints the digests.
 * Exercises: loads/stores, shifts, rotates, 32-bit multiplies, loop branches.
 * Sized to ~0.47 G guest instructions (valgrind --tool=lackey): ~5 s at 100 MIPS.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define SIZE (16u << 20)
#define ROUNDS 3

static uint32_t rotl32(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }

static uint32_t fnv1a(const uint8_t *p, size_t n, uint32_t h) {
  for (size_t i = 0; i < n; i++) {
    h ^= p[i];
    h *= 16777619u;
  }
  return h;
}

static uint32_t murmur_words(const uint32_t *w, size_t n, uint32_t h) {
  for (size_t i = 0; i < n; i++) {
    uint32_t k = w[i];
    k *= 0xcc9e2d51u;
    k = rotl32(k, 15);
    k *= 0x1b873593u;
    h ^= k;
    h = rotl32(h, 13);
    h = h * 5 + 0xe6546b64u;
  }
  h ^= (uint32_t)(n * 4);
  h ^= h >> 16; h *= 0x85ebca6bu;
  h ^= h >> 13; h *= 0xc2b2ae35u;
  h ^= h >> 16;
  return h;
}

int main(void) {
  uint32_t *buf = malloc(SIZE);
  if (!buf) { perror("malloc"); return 1; }
  uint32_t s = 2463534242u;
  for (size_t i = 0; i < SIZE / 4; i++) {
    s ^= s << 13; s ^= s >> 17; s ^= s << 5;
    buf[i] = s;
  }
  uint32_t h = 2166136261u;
  for (int r = 0; r < ROUNDS; r++) {
    h = fnv1a((const uint8_t *)buf, SIZE, h);
    uint32_t m = murmur_words(buf, SIZE / 4, h);
    /* Perturb the buffer so rounds differ (and the work cannot be hoisted). */
    buf[m % (SIZE / 4)] ^= h;
    printf("round %d: fnv1a %08x murmur %08x\n", r, (unsigned)h, (unsigned)m);
    h ^= m;
  }
  printf("digest %08x\n", (unsigned)h);
  free(buf);
  return 0;
}
