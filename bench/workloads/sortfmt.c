/*
 * sortfmt: libc-heavy work. qsort()s 512Ki pseudo-random ints, checks the order,
 * then formats numbers with snprintf (decimal, hex, padded, negative) and
 * parses some back with strtol, folding everything into a checksum.
 * Exercises: indirect calls (qsort comparator), libc string code, division.
 * Sized to ~0.69 G guest instructions (valgrind --tool=lackey): ~7 s at 100 MIPS.
 * Override the sizes with -DN=... -DFORMATS=... when re-sizing.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef N
#define N (1u << 19)
#endif
#ifndef FORMATS
#define FORMATS 100000
#endif

static int cmp_int(const void *a, const void *b) {
  int x = *(const int *)a, y = *(const int *)b;
  return (x > y) - (x < y);
}

int main(void) {
  int *v = malloc(N * sizeof *v);
  if (!v) { perror("malloc"); return 1; }
  uint32_t s = 88172645u;
  for (size_t i = 0; i < N; i++) {
    s ^= s << 13; s ^= s >> 17; s ^= s << 5;
    v[i] = (int)s;
  }
  qsort(v, N, sizeof *v, cmp_int);
  for (size_t i = 1; i < N; i++) {
    if (v[i - 1] > v[i]) { printf("not sorted at %zu\n", i); return 1; }
  }
  uint32_t sum = 0;
  for (size_t i = 0; i < N; i += 4096) sum = sum * 31 + (uint32_t)v[i];
  printf("sorted: min %d median %d max %d sample-sum %08x\n", v[0], v[N / 2], v[N - 1], (unsigned)sum);

  char buf[128];
  uint32_t ck = 0;
  size_t total = 0;
  for (size_t i = 0; i < FORMATS; i++) {
    int x = v[(i * 2654435761u) % N];
    int n = snprintf(buf, sizeof buf, "%d|%08x|%-12u|%+.3d|%s", x, (unsigned)x, (unsigned)i, (int)(i % 1000) - 500,
                     (i & 1) ? "odd" : "even");
    total += (size_t)n;
    for (int j = 0; j < n; j++) ck = ck * 131 + (unsigned char)buf[j];
    if ((i & 15) == 0) {
      long back = strtol(buf, NULL, 10);
      if (back != x) { printf("strtol mismatch: %ld != %d\n", back, x); return 1; }
      ck ^= (uint32_t)strlen(buf);
    }
  }
  printf("formatted %zu numbers, %zu bytes, checksum %08x\n", (size_t)FORMATS, total, (unsigned)ck);
  free(v);
  return 0;
}
