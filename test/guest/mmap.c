/* mmap semantics between processes and over time: copy-on-write after fork (both directions),
 * MAP_SHARED anonymous memory seen by parent and child (before and after the fork's own writes),
 * a private file mapping never reaching the file, MAP_FIXED replacing a mapping, mremap growing,
 * shrinking and moving, msync and madvise results and errors.
 * (Writable MAP_SHARED mappings of disk files are not covered: the VM refuses them with ENODEV.)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096

static void sync_read(int fd) {
  char c;
  if (read(fd, &c, 1) != 1) _exit(99);
}

static void fork_semantics(void) {
  char *priv = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  int *shared = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  strcpy(priv, "before fork");
  shared[0] = 1;
  int to_child[2], to_parent[2];
  pipe(to_child);
  pipe(to_parent);
  pid_t pid = fork();
  if (pid == 0) {
    /* The child's copy: its writes stay its own; the parent's later writes never show up. */
    strcpy(priv, "child wrote");
    shared[0] = 2;
    shared[PAGE / sizeof(int)] = 3; /* second page, untouched before the fork */
    write(to_parent[1], "w", 1);
    sync_read(to_child[0]);
    int ok = strcmp(priv, "child wrote") == 0 && shared[0] == 4 && shared[1] == 5;
    _exit(ok ? 0 : 1);
  }
  sync_read(to_parent[0]);
  printf("parent's private copy after the child wrote: %s\n", priv);
  printf("shared memory the child wrote: %d %d\n", shared[0], shared[PAGE / sizeof(int)]);
  strcpy(priv, "parent wrote");
  shared[0] = 4;
  shared[1] = 5;
  write(to_child[1], "w", 1);
  int st;
  waitpid(pid, &st, 0);
  printf("child saw its own private copy and the parent's shared writes: %s\n", WIFEXITED(st) && WEXITSTATUS(st) == 0 ? "yes" : "no");

  /* A MAP_SHARED region created after one fork is private to the process that made it. */
  pid = fork();
  if (pid == 0) {
    int *late = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    late[0] = 7;
    _exit(shared[0] == 4 ? 0 : 1);
  }
  waitpid(pid, &st, 0);
  printf("second child still sees the first shared region: %s\n", WIFEXITED(st) && WEXITSTATUS(st) == 0 ? "yes" : "no");
  munmap(priv, 2 * PAGE);
  munmap(shared, 2 * PAGE);
}

static void private_file(void) {
  int fd = open("/proc/self/exe", O_RDONLY);
  unsigned char *m = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  printf("private file mapping: %s, starts with ELF: %d\n", m == MAP_FAILED ? "failed" : "ok", m != MAP_FAILED && memcmp(m + 1, "ELF", 3) == 0);
  m[1] = 'X';
  unsigned char head[4];
  pread(fd, head, 4, 0);
  printf("write to the private copy: mapping %c, file %c\n", m[1], head[1]);
  pid_t pid = fork();
  if (pid == 0) _exit(m[1] == 'X' ? 0 : 1);
  int st;
  waitpid(pid, &st, 0);
  printf("child inherits the written private page: %s\n", WEXITSTATUS(st) == 0 ? "yes" : "no");
  munmap(m, PAGE);
  close(fd);
}

static void remap(void) {
  char *a = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  memset(a, 'a', 3 * PAGE);
  /* MAP_FIXED over the middle page replaces it with fresh zeroes. */
  char *b = mmap(a + PAGE, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
  printf("MAP_FIXED: at the address %d, old bytes gone %d, neighbours kept %d %d\n", b == a + PAGE, b[0] == 0, a[0] == 'a', a[2 * PAGE] == 'a');
  /* Shrink in place, then grow (possibly moving) and keep the contents. */
  char *s = mremap(a, 3 * PAGE, PAGE, 0);
  printf("mremap shrink: same address %d\n", s == a);
  char *g = mremap(s, PAGE, 16 * PAGE, MREMAP_MAYMOVE);
  printf("mremap grow: %s, contents kept %d, new part zero %d\n", g == MAP_FAILED ? "failed" : "ok", g != MAP_FAILED && g[0] == 'a' && g[PAGE - 1] == 'a',
         g != MAP_FAILED && g[PAGE] == 0 && g[16 * PAGE - 1] == 0);
  /* MREMAP_FIXED moves it to a chosen place. */
  char *dst = mmap(NULL, 16 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  char *mv = mremap(g, 16 * PAGE, 16 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, dst);
  printf("mremap fixed: moved there %d, contents kept %d\n", mv == dst, mv != MAP_FAILED && mv[0] == 'a');
  errno = 0;
  void *bad = mremap(mv, 16 * PAGE, PAGE, MREMAP_FIXED, dst);
  printf("mremap MREMAP_FIXED without MAYMOVE: %s %s\n", bad == MAP_FAILED ? "failed" : "ok", strerror(errno));
  errno = 0;
  bad = mremap(mv + 1, PAGE, PAGE, 0);
  printf("mremap unaligned: %s %s\n", bad == MAP_FAILED ? "failed" : "ok", strerror(errno));

  /* msync: fine on a mapping, ENOMEM on a hole, EINVAL on bad flags or an unaligned address. */
  int r = msync(mv, PAGE, MS_SYNC);
  printf("msync mapped: %d\n", r);
  munmap(mv + 8 * PAGE, PAGE);
  errno = 0;
  r = msync(mv + 7 * PAGE, 3 * PAGE, MS_ASYNC);
  printf("msync over a hole: %d %s\n", r, strerror(errno));
  errno = 0;
  r = msync(mv, PAGE, MS_SYNC | MS_ASYNC);
  printf("msync MS_SYNC|MS_ASYNC: %d %s\n", r, strerror(errno));
  errno = 0;
  r = msync(mv + 1, PAGE, MS_SYNC);
  printf("msync unaligned: %d %s\n", r, strerror(errno));

  /* madvise: DONTNEED zeroes private anonymous pages but keeps shared ones; bad advice is EINVAL. */
  r = madvise(mv, PAGE, MADV_DONTNEED);
  printf("madvise DONTNEED private: %d, reads zero %d\n", r, mv[0] == 0);
  int *sh = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  sh[0] = 42;
  r = madvise(sh, PAGE, MADV_DONTNEED);
  printf("madvise DONTNEED shared: %d, keeps %d\n", r, sh[0]);
  errno = 0;
  r = madvise(mv, PAGE, 12345);
  printf("madvise bad advice: %d %s\n", r, strerror(errno));
  errno = 0;
  r = madvise(mv + 7 * PAGE, 3 * PAGE, MADV_WILLNEED);
  printf("madvise over a hole: %d %s\n", r, strerror(errno));
  errno = 0;
  r = madvise(mv + 1, PAGE, MADV_NORMAL);
  printf("madvise unaligned: %d %s\n", r, strerror(errno));
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  fork_semantics();
  private_file();
  remap();
  return 0;
}
