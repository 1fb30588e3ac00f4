/* glibc's string and memory functions over many lengths and alignments.
 *
 * Once CPUID reports SSE2/SSSE3, static glibc's ifuncs pick its SSE2/SSSE3
 * versions (memcpy-ssse3, strlen-sse2, strcmp-ssse3…), so this exercises
 * the VM's XMM instructions through real library code. Natively the host
 * may pick AVX2/EVEX versions instead: every result printed here is one any
 * correct implementation gives (comparisons as their sign, found pointers as
 * offsets, whole buffers including guard bytes hashed).
 *
 * One line per function and length bucket: a hash over every alignment pair
 * tried. Also strings that end at a page boundary followed by an
 * inaccessible page (the vector versions read whole aligned blocks and must
 * never touch the next page).
 * sse-strings.c builds this same file with -msse2 (the program's own loops
 * then vectorise too).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#define BUF 1024
static unsigned char src[BUF + 64] __attribute__((aligned(64)));
static unsigned char dst[BUF + 64] __attribute__((aligned(64)));

static uint32_t h;
static void mix(uint32_t v) {
  h ^= v;
  h *= 16777619u;
}
static void mixbuf(const unsigned char *p, int n) {
  for (int k = 0; k < n; k++) mix(p[k]);
}
static int sgn(int v) { return v < 0 ? -1 : v > 0 ? 1 : 0; }

static void fill(unsigned char *p, int n, unsigned seed) {
  for (int k = 0; k < n; k++) {
    seed = seed * 1103515245u + 12345u;
    p[k] = (unsigned char)((seed >> 16) % 255 + 1); /* never 0 */
  }
}

/* Alignment pairs tried for a length: 8 spread pairs, or the full 32×32 grid for the interesting lengths. */
static int full_grid(int len) {
  static const int L[] = {0, 1, 7, 15, 16, 17, 32, 33, 63, 64, 129, 256};
  for (unsigned k = 0; k < sizeof L / sizeof L[0]; k++)
    if (L[k] == len) return 1;
  return 0;
}

typedef void (*test_fn)(int len, int sa, int da);

static void t_memcpy(int len, int sa, int da) {
  fill(src, sa + len + 16, len * 31 + sa);
  memset(dst, 0xee, da + len + 64);
  void *r = memcpy(dst + da, src + sa, len);
  mix((unsigned char *)r - dst);
  mixbuf(dst, da + len + 64);
}
static void t_memmove(int len, int sa, int da) {
  /* Overlapping both ways inside one buffer. */
  fill(dst, 64 + 32 + len + 64, len * 7 + da);
  size_t n = (size_t)len & 1023;
  void *r = memmove(dst + 64 + da, dst + 64 + sa, n);
  mix((unsigned char *)r - dst);
  mixbuf(dst, 64 + 32 + len + 64);
  fill(dst, da + sa + len + 64, len * 5 + sa);
  r = memmove(dst + da, dst + da + sa + 1, n);
  mix((unsigned char *)r - dst);
  mixbuf(dst, da + sa + len + 64);
}
static void t_memset(int len, int sa, int da) {
  memset(dst, 0x11, da + len + 64);
  void *r = memset(dst + da, sa * 8 + 1, len);
  mix((unsigned char *)r - dst);
  mixbuf(dst, da + len + 64);
}
static void t_strlen(int len, int sa, int da) {
  (void)da;
  fill(src, sa + len + 16, len + sa);
  src[sa + len] = 0;
  mix(strlen((char *)src + sa));
}
static void t_strchr(int len, int sa, int da) {
  fill(src, sa + len + 16, len * 3 + sa);
  src[sa + len] = 0;
  char *s = (char *)src + sa;
  int c = len ? s[(da * 7) % len] : 'x';
  char *r = strchr(s, c);
  mix(r ? r - s : -1);
  r = strchr(s, 0);
  mix(r ? r - s : -1);
  r = strchr(s, 0x100 - 1 - da); /* probably absent */
  mix(r ? r - s : -1);
}
static void t_strrchr(int len, int sa, int da) {
  fill(src, sa + len + 16, len * 11 + sa);
  src[sa + len] = 0;
  char *s = (char *)src + sa;
  int c = len ? s[(da * 5) % len] : 'q';
  char *r = strrchr(s, c);
  mix(r ? r - s : -1);
  r = strrchr(s, 0);
  mix(r ? r - s : -1);
}
static void t_memchr(int len, int sa, int da) {
  fill(src, sa + len + 16, len * 13 + sa);
  unsigned char *s = src + sa;
  int c = len ? s[(da * 3) % len] : 7;
  unsigned char *r = memchr(s, c, len);
  mix(r ? r - s : -1);
  r = memchr(s, 0, len); /* absent: fill() never writes 0 */
  mix(r ? r - s : -1);
}
static void t_cmp(int len, int sa, int da) {
  fill(src, sa + len + 16, len * 17 + 1);
  unsigned char *a = src + sa, *b = dst + da;
  memcpy(b, a, len + 1);
  a[len] = 0;
  b[len] = 0;
  mix(sgn(strcmp((char *)a, (char *)b)) + 1);
  mix(sgn(memcmp(a, b, len)) + 1);
  mix(sgn(strncmp((char *)a, (char *)b, len)) + 1);
  if (len > 0) {
    int p = (da * 13 + sa) % len;
    b[p] ^= (p & 1) ? 0x80 : 0x01;
    if (b[p] == 0) b[p] = 1;
    mix(sgn(strcmp((char *)a, (char *)b)) + 1);
    mix(sgn(strcmp((char *)b, (char *)a)) + 1);
    mix(sgn(memcmp(a, b, len)) + 1);
    mix(sgn(strncmp((char *)a, (char *)b, len)) + 1);
    mix(sgn(strncmp((char *)a, (char *)b, p)) + 1);
    /* A shorter string is less. */
    b[p] = 0;
    mix(sgn(strcmp((char *)a, (char *)b)) + 1);
  }
}
static void t_strcpy(int len, int sa, int da) {
  fill(src, sa + len + 16, len * 19 + sa);
  src[sa + len] = 0;
  memset(dst, 0x55, da + len + 64);
  char *r = strcpy((char *)dst + da, (char *)src + sa);
  mix((unsigned char *)r - dst);
  mixbuf(dst, da + len + 64);
}
static void t_strcat(int len, int sa, int da) {
  fill(src, sa + len + 16, len * 23 + sa);
  src[sa + len] = 0;
  memset(dst, 0x66, da + 40 + len + 64);
  int pre = (sa + da) % 40;
  memset(dst + da, 'a', pre);
  dst[da + pre] = 0;
  char *r = strcat((char *)dst + da, (char *)src + sa);
  mix((unsigned char *)r - dst);
  mixbuf(dst, da + pre + len + 64);
}

static void run(const char *name, test_fn f) {
  for (int len = 0; len <= 300; len++) {
    if (len % 25 == 0) h = 2166136261u;
    if (full_grid(len)) {
      for (int sa = 0; sa < 32; sa++)
        for (int da = 0; da < 32; da++) f(len, sa, da);
    } else {
      for (int k = 0; k < 8; k++) f(len, (len * 5 + k * 11) % 32, (len * 3 + k * 7 + k * k) % 32);
    }
    if (len % 25 == 24 || len == 300) printf("%s %d-%d %08x\n", name, len - len % 25, len, h);
  }
}

/* Strings that end at the last bytes of a page followed by a PROT_NONE page. */
static void page_end(void) {
  unsigned char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED || mprotect(p + 4096, 4096, PROT_NONE) != 0) {
    printf("mmap failed\n");
    return;
  }
  h = 2166136261u;
  for (int len = 0; len < 80; len++) {
    unsigned char *s = p + 4096 - len - 1;
    fill(p, 4096, len);
    s[len] = 0;
    mix(strlen((char *)s));
    char *r = strchr((char *)s, 0x100 - 1);
    mix(r ? r - (char *)s : -1);
    r = strrchr((char *)s, len ? s[0] : 1);
    mix(r ? r - (char *)s : -1);
    unsigned char *m = memchr(p + 4096 - len, 0, len);
    mix(m ? m - p : -1);
    unsigned char *q = p + 4096 - len - 1;
    mix(sgn(strcmp((char *)s, (char *)q)) + 1);
    mix(sgn(memcmp(p + 4096 - len, p + 2048, len)) + 1);
    memcpy(p + 4096 - len, p + 1000, len);
    memset(p + 4096 - len, len, len);
    mixbuf(p + 4096 - len, len);
  }
  printf("page_end %08x\n", h);
}

int main(void) {
  run("memcpy", t_memcpy);
  run("memmove", t_memmove);
  run("memset", t_memset);
  run("strlen", t_strlen);
  run("strchr", t_strchr);
  run("strrchr", t_strrchr);
  run("memchr", t_memchr);
  run("cmp", t_cmp);
  run("strcpy", t_strcpy);
  run("strcat", t_strcat);
  page_end();
  return 0;
}
