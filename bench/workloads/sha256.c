/*
 * sha256: SHA-256 (FIPS 180-4 §6.2) over 16 MiB of xorshift32 data (the same
 * generator and seed as hash.c, words stored little-endian), fed in uneven
 * pieces so the buffering and the padding (§5.1.1) are exercised. Prints the
 * digest of "abc" (FIPS 180-4 / NIST example: ba7816bf…15ad) and of the data;
 * bench/run.mjs computes the data's digest with Node's crypto and compares.
 * Exercises: 32-bit rotates and shifts, a register-starved round function
 * (eight working variables on i386's seven free registers), the message
 * schedule's loads and stores, the K table.
 * 16 MiB is ~1.21 G guest instructions (the VM's count, WEB_VM_STATS): ~12 s
 * at 100 MIPS, above the bench's usual 1 G because i386 has too few registers
 * for the round function to stay in them (~4600 instructions a 64-byte block).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SIZE (16u << 20)

/* FIPS 180-4 §4.2.2: the first 32 bits of the fractional parts of the cube roots of the first 64 primes. */
static const uint32_t K[64] = {
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

typedef struct {
  uint32_t h[8];
  uint64_t bytes;
  uint8_t buf[64];
  unsigned used;
} sha256_ctx;

static uint32_t rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

/* FIPS 180-4 §4.1.2 functions. Ch and Maj in equivalent forms with an
 * operation less, as implementations write them: bit by bit, Ch picks y where
 * x is 1 and z where it is 0; Maj is the majority of x, y, z. */
#define CH(x, y, z) ((z) ^ ((x) & ((y) ^ (z))))
#define MAJ(x, y, z) (((x) & (y)) | ((z) & ((x) | (y))))
#define BSIG0(x) (rotr(x, 2) ^ rotr(x, 13) ^ rotr(x, 22))
#define BSIG1(x) (rotr(x, 6) ^ rotr(x, 11) ^ rotr(x, 25))
#define SSIG0(x) (rotr(x, 7) ^ rotr(x, 18) ^ ((x) >> 3))
#define SSIG1(x) (rotr(x, 17) ^ rotr(x, 19) ^ ((x) >> 10))

/* §6.2.2: one 512-bit block; words are big-endian (§3.1). */
static void compress(uint32_t h[8], const uint8_t *p) {
  uint32_t w[64];
  for (int t = 0; t < 16; t++)
    w[t] = (uint32_t)p[4 * t] << 24 | (uint32_t)p[4 * t + 1] << 16 | (uint32_t)p[4 * t + 2] << 8 | p[4 * t + 3];
  for (int t = 16; t < 64; t++) w[t] = SSIG1(w[t - 2]) + w[t - 7] + SSIG0(w[t - 15]) + w[t - 16];
  uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
  /* §6.2.2 step 3, eight rounds at a time with the working variables renamed
   * instead of moved (h=g, g=f, …), as implementations write it. */
#define ROUND(a, b, c, d, e, f, g, h, t) do { \
    uint32_t t1 = (h) + BSIG1(e) + CH(e, f, g) + K[t] + w[t]; \
    (d) += t1; \
    (h) = t1 + BSIG0(a) + MAJ(a, b, c); \
  } while (0)
  for (int t = 0; t < 64; t += 8) {
    ROUND(a, b, c, d, e, f, g, hh, t);
    ROUND(hh, a, b, c, d, e, f, g, t + 1);
    ROUND(g, hh, a, b, c, d, e, f, t + 2);
    ROUND(f, g, hh, a, b, c, d, e, t + 3);
    ROUND(e, f, g, hh, a, b, c, d, t + 4);
    ROUND(d, e, f, g, hh, a, b, c, t + 5);
    ROUND(c, d, e, f, g, hh, a, b, t + 6);
    ROUND(b, c, d, e, f, g, hh, a, t + 7);
  }
#undef ROUND
  h[0] += a; h[1] += b; h[2] += c; h[3] += d;
  h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
}

static void sha256_init(sha256_ctx *c) {
  /* §5.3.3: the first 32 bits of the fractional parts of the square roots of the first 8 primes. */
  static const uint32_t H0[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };
  memcpy(c->h, H0, sizeof H0);
  c->bytes = 0;
  c->used = 0;
}

static void sha256_update(sha256_ctx *c, const uint8_t *p, size_t n) {
  c->bytes += n;
  if (c->used) {
    size_t take = 64 - c->used < n ? 64 - c->used : n;
    memcpy(c->buf + c->used, p, take);
    c->used += take;
    p += take;
    n -= take;
    if (c->used < 64) return;
    compress(c->h, c->buf);
    c->used = 0;
  }
  for (; n >= 64; p += 64, n -= 64) compress(c->h, p);
  memcpy(c->buf, p, n);
  c->used = n;
}

/* §5.1.1: 0x80, zeros to 56 mod 64, then the length in bits, big-endian. */
static void sha256_final(sha256_ctx *c, uint8_t out[32]) {
  uint64_t bits = c->bytes * 8;
  uint8_t pad[72] = { 0x80 };
  size_t padlen = (c->used < 56 ? 56 : 120) - c->used;
  for (int i = 0; i < 8; i++) pad[padlen + i] = (uint8_t)(bits >> (56 - 8 * i));
  sha256_update(c, pad, padlen + 8);
  for (int i = 0; i < 8; i++) {
    out[4 * i] = c->h[i] >> 24;
    out[4 * i + 1] = c->h[i] >> 16;
    out[4 * i + 2] = c->h[i] >> 8;
    out[4 * i + 3] = c->h[i];
  }
}

static void print_digest(const char *what, const uint8_t d[32]) {
  printf("sha256(%s) ", what);
  for (int i = 0; i < 32; i++) printf("%02x", d[i]);
  printf("\n");
}

int main(void) {
  uint8_t d[32];
  sha256_ctx c;
  sha256_init(&c);
  sha256_update(&c, (const uint8_t *)"abc", 3);
  sha256_final(&c, d);
  print_digest("abc", d);

  uint32_t *buf = malloc(SIZE);
  if (!buf) { perror("malloc"); return 1; }
  uint32_t s = 2463534242u;
  for (size_t i = 0; i < SIZE / 4; i++) {
    s ^= s << 13; s ^= s >> 17; s ^= s << 5;
    buf[i] = s; /* little-endian on x86: the byte order Node's Uint32Array has there too */
  }
  sha256_init(&c);
  /* Pieces of 1..4093 bytes: most start mid-block. */
  const uint8_t *p = (const uint8_t *)buf;
  size_t left = SIZE, piece = 1;
  while (left) {
    size_t n = piece < left ? piece : left;
    sha256_update(&c, p, n);
    p += n;
    left -= n;
    piece = piece * 7 % 4093 + 1;
  }
  sha256_final(&c, d);
  print_digest("16 MiB xorshift32", d);
  free(buf);
  return 0;
}
