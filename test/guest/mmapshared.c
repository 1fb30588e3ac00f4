/* MAP_SHARED file mappings (the page cache): stores are visible to other
 * processes mapping the file, to read(2) at once (no msync needed, as on
 * Linux where the page cache is the file), write(2) is visible through the
 * mapping, separate opens and mmaps share, MAP_PRIVATE stays copy-on-write,
 * access past a truncated end is SIGBUS, and the data stays in the file.
 * Run on a tmpfs file (/tmp) and on the root filesystem (the cwd). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define PG 4096

static sigjmp_buf jb;
static volatile void *faultAddr;
static volatile int faultCode;

static void onBus(int sig, siginfo_t *si, void *uc) {
  (void)sig;
  (void)uc;
  faultAddr = si->si_addr;
  faultCode = si->si_code;
  siglongjmp(jb, 1);
}

static int preadByte(int fd, off_t at) {
  unsigned char c;
  if (pread(fd, &c, 1, at) != 1) return -1;
  return c;
}

static void waitChild(pid_t pid) {
  int st;
  waitpid(pid, &st, 0);
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) printf("  child status %#x\n", st);
}

static void run(const char *path) {
  printf("== %s\n", path);
  unlink(path);
  int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) {
    printf("open: %s\n", strerror(errno));
    return;
  }
  char init[2 * PG];
  for (int i = 0; i < 2 * PG; i++) init[i] = 'a' + i % 26;
  printf("write: %zd\n", write(fd, init, sizeof init));
  unsigned char *p = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) {
    printf("mmap: %s\n", strerror(errno));
    return;
  }
  /* The kernel storing into a page nobody touched yet: the rest of the page still comes from the file. */
  printf("pread into the mapping: %zd\n", pread(fd, p + PG + 50, 10, 3));
  printf("mapped reads file: %c%c %c %.12s\n", p[0], p[1], p[PG], (char *)p + PG + 49);

  /* A store is what read(2) sees, without msync. */
  p[0] = 'A';
  printf("pread after store: %c\n", preadByte(fd, 0));
  /* write(2) is what the mapping sees. */
  printf("pwrite: %zd\n", pwrite(fd, "W", 1, 100));
  printf("mapping after pwrite: %c\n", p[100]);

  /* A forked child shares the mapping. */
  pid_t pid = fork();
  if (pid == 0) {
    p[1] = 'c';
    p[PG + 5] = 'C';
    _exit(0);
  }
  waitChild(pid);
  printf("parent sees child stores: %c %c; pread %c %c\n", p[1], p[PG + 5], preadByte(fd, 1), preadByte(fd, PG + 5));

  /* An unrelated open and mmap in the child (as shm_open by name) shares too. */
  pid = fork();
  if (pid == 0) {
    int fd2 = open(path, O_RDWR);
    unsigned char *q = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd2, 0);
    if (q == MAP_FAILED) _exit(3);
    printf("  child's own mapping sees: %c %c\n", q[0], q[100]);
    q[200] = 42;
    munmap(q, PG);
    close(fd2);
    _exit(0);
  }
  waitChild(pid);
  printf("parent sees the child's own mapping: %d\n", p[200]);

  /* Two mmaps of the same file from two opens in one process share. */
  int fd3 = open(path, O_RDWR);
  unsigned char *q = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd3, 0);
  q[10] = 'Q';
  printf("second mapping: distinct %d, p sees %c\n", q != p, p[10]);
  /* A read-only shared mapping sees later stores too. */
  unsigned char *ro = mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, 0);
  p[11] = 'R';
  printf("read-only shared mapping: %c %c\n", ro[10], ro[11]);
  munmap(ro, PG);

  /* A shared mapping of a read-only descriptor cannot be made writable. */
  int rofd = open(path, O_RDONLY);
  ro = mmap(NULL, PG, PROT_READ, MAP_SHARED, rofd, 0);
  errno = 0;
  int rc = mprotect(ro, PG, PROT_READ | PROT_WRITE);
  printf("mprotect PROT_WRITE on a read-only file: %d %s\n", rc, strerror(errno));
  printf("mmap PROT_WRITE on a read-only file: %s\n", mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, rofd, 0) == MAP_FAILED ? strerror(errno) : "mapped");
  munmap(ro, PG);
  close(rofd);

  /* MAP_PRIVATE: sees the current data, and a child's store stays in the child. */
  unsigned char *r = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  printf("private mapping sees: %c %c %d\n", r[0], r[10], r[200]);
  pid = fork();
  if (pid == 0) {
    r[0] = 'X';
    printf("  child private: %c\n", r[0]);
    _exit(0);
  }
  waitChild(pid);
  printf("parent private after child store: %c; shared %c\n", r[0], p[0]);
  r[1] = 'Y';
  printf("private store not in file: %c\n", preadByte(fd, 1));
  munmap(r, PG);

  printf("msync MS_SYNC: %d\n", msync(p, 2 * PG, MS_SYNC));
  printf("msync MS_ASYNC: %d\n", msync(p, 2 * PG, MS_ASYNC));

  /* Shrink: the second page is gone, touching it is SIGBUS. */
  p[PG + 6] = 'Z';
  printf("ftruncate: %d\n", ftruncate(fd, PG));
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = onBus;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGBUS, &sa, NULL);
  if (sigsetjmp(jb, 1) == 0) {
    volatile unsigned char v = p[PG + 5];
    printf("no fault, read %d\n", v);
  } else {
    printf("SIGBUS: code %d at page offset %ld\n", faultCode, (long)((unsigned char *)faultAddr - p));
  }
  if (sigsetjmp(jb, 1) == 0) {
    q[PG] = 1;
    printf("no fault on store\n");
  } else {
    printf("SIGBUS on store: code %d\n", faultCode);
  }
  signal(SIGBUS, SIG_DFL);
  printf("first page still there: %c\n", p[0]);
  /* Growing again: the page reads zeros (the file's new bytes), not the old stores. */
  printf("ftruncate grow: %d\n", ftruncate(fd, 2 * PG));
  printf("regrown page: %d %d\n", p[PG + 5], p[PG + 6]);

  /* Unmapped and mapped again: the data is still there. */
  p[300] = 'M';
  munmap(p, 2 * PG);
  munmap(q, 2 * PG);
  p = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  printf("remapped: %c %c %c %c %d %c\n", p[0], p[1], p[10], p[100], p[200], p[300]);
  p[400] = 'E';
  munmap(p, PG);
  close(fd);
  close(fd3);

  /* Persisted: a fresh open reads every store. */
  fd = open(path, O_RDONLY);
  unsigned char buf[2 * PG];
  ssize_t n = read(fd, buf, sizeof buf);
  unsigned sum = 0;
  for (ssize_t i = 0; i < n; i++) sum = sum * 31 + buf[i];
  printf("file: %zd bytes, %c%c %c %c %d %c %c sum %08x\n", n, buf[0], buf[1], buf[10], buf[100], buf[200], buf[300], buf[400], sum);
  struct stat st;
  fstat(fd, &st);
  printf("size %lld\n", (long long)st.st_size);
  close(fd);
  unlink(path);
}

/* `mmapshared keep`: leave kept.dat in the cwd written only through shared
 * mappings (parent and child), exiting without msync or munmap: the data must
 * reach the file (test/mmapshared-persist.test.mjs checks it on the disk). */
static int keep(void) {
  int fd = open("kept.dat", O_RDWR | O_CREAT | O_TRUNC, 0644);
  if (fd < 0 || ftruncate(fd, 3 * PG + 100) < 0) return 1;
  unsigned char *p = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) return 2;
  for (int i = 0; i < 3 * PG + 100; i++) p[i] = (unsigned char)(i * 7 + (i >> 8));
  pid_t pid = fork();
  if (pid == 0) {
    memcpy(p + PG - 3, "child", 5);
    _exit(0);
  }
  waitChild(pid);
  close(fd);
  printf("kept\n");
  return 0;
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  if (argc > 1 && !strcmp(argv[1], "keep")) return keep();
  run("/tmp/wvm-mmapshared.dat");
  run("wvm-mmapshared.dat");
  return 0;
}
