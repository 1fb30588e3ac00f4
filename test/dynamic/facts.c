#define _GNU_SOURCE
/* Facts of a dynamically linked process that do not depend on addresses. */
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/stat.h>
extern char **environ;
static char data_buf[64] = "initialised data";
/* Each on a page of its own that nothing touches before the system call that uses it, so the
   kernel meets a file page not read yet: writing into it (read), reading from it (write, open). */
static char fresh_data[8192] __attribute__((aligned(4096))) = {[0 ... 8190] = 'A'};
static const char fresh_text[4096] __attribute__((aligned(4096))) = "write(2) from a fresh rodata page\n";
static struct stat fresh_stat __attribute__((aligned(4096))) = {.st_size = 1};
static const char fresh_path[4096] __attribute__((aligned(4096))) = "/lib/ld-linux.so.2";
int main(int argc, char **argv) {
  printf("argc=%d\n", argc);
  for (int i = 0; i < argc; i++) printf("argv[%d]=%s\n", i, argv[i]);
  const char *v = getenv("DYN_TEST");
  printf("DYN_TEST=%s\n", v ? v : "(unset)");
  printf("AT_BASE nonzero: %d\n", getauxval(AT_BASE) != 0);
  printf("AT_ENTRY is main's image: %d\n", getauxval(AT_ENTRY) != 0 && getauxval(AT_ENTRY) != getauxval(AT_BASE));
  printf("AT_PHDR nonzero: %d\n", getauxval(AT_PHDR) != 0);
  printf("AT_PAGESZ=%lu\n", getauxval(AT_PAGESZ));
  printf("data: %s\n", data_buf);
  /* read(2) straight into initialised data (a file page of the program). */
  int fd = open("/lib/ld-linux.so.2", O_RDONLY);
  if (fd >= 0) {
    ssize_t n = read(fd, data_buf, 4);
    printf("read %zd: %02x %c%c%c\n", n, (unsigned char)data_buf[0], data_buf[1], data_buf[2], data_buf[3]);
    /* MAP_PRIVATE file mapping: copy-on-write, the file is unchanged. */
    unsigned char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) { perror("mmap"); return 1; }
    printf("mapped: %02x %c%c%c\n", p[0], p[1], p[2], p[3]);
    p[1] = 'X';
    unsigned char *q = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
    printf("private write: %c, other mapping: %c\n", p[1], q[1]);
    printf("mprotect: %d\n", mprotect(p, 4096, PROT_READ));
    printf("msync: %d\n", msync(q, 4096, MS_SYNC));
    int rc = madvise(p, 8192, MADV_DONTNEED);
    printf("madvise dontneed: %d, reads file again: %c\n", rc, p[1]);
    unsigned char page2[16];
    pread(fd, page2, 16, 4096);
    rc = munmap(p, 4096);
    printf("munmap half: %d, second page still there: %d\n", rc, memcmp(p + 4096, page2, 16) == 0);
    unsigned char *r = mremap(p + 4096, 4096, 3 * 4096, MREMAP_MAYMOVE);
    printf("mremap: %s, same bytes: %d\n", r == MAP_FAILED ? "failed" : "ok", r != MAP_FAILED && memcmp(r, page2, 16) == 0);
    unsigned char page3[16];
    pread(fd, page3, 16, 8192);
    printf("mremap grown part maps the file: %d\n", r != MAP_FAILED && memcmp(r + 4096, page3, 16) == 0);
    void *s = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    printf("shared writable on read-only fd: %s\n", s == MAP_FAILED ? "refused" : "mapped");
    close(fd);
  }
  fflush(stdout);
  write(1, fresh_text, strlen(fresh_text));
  int fd2 = open(fresh_path, O_RDONLY);
  printf("open from a fresh page: %s\n", fd2 >= 0 ? "ok" : "failed");
  ssize_t n = read(fd2, fresh_data + 4096 + 100, 4);
  printf("read into a fresh data page: %zd %c%c%c, rest kept: %d %d\n", n, fresh_data[4197], fresh_data[4198], fresh_data[4199],
         fresh_data[4096 + 99], fresh_data[4096 + 104]);
  printf("fresh data: %.8s, length %zu\n", fresh_data, strlen(fresh_data));
  int r = fstat(fd2, &fresh_stat); /* a kernel write of a whole struct into a data page not read yet */
  printf("fstat into a fresh data page: %d, regular file: %d\n", r, S_ISREG(fresh_stat.st_mode));
  return argc;
}
