/* fork in a dynamically linked process: file pages not read yet at fork time,
   MAP_PRIVATE copy-on-write, and MAP_SHARED anonymous memory seen by both. */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <fcntl.h>
static char untouched[4096] __attribute__((aligned(4096))) = "parent's data";
int main(void) {
  int *shared = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  int fd = open("/lib/ld-linux.so.2", O_RDONLY);
  unsigned char *priv = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  if (shared == MAP_FAILED || priv == MAP_FAILED) { perror("mmap"); return 1; }
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    shared[0] = 42;
    shared[1024] = 43; /* second page, never touched before the fork */
    strcpy(untouched, "child's data");
    priv[1] = 'C';
    _exit(untouched[0] == 'c' && priv[1] == 'C' ? 7 : 8);
  }
  int st;
  waitpid(pid, &st, 0);
  printf("child exited %d\n", WEXITSTATUS(st));
  printf("shared: %d %d\n", shared[0], shared[1024]);
  printf("data after the child wrote its copy: %s\n", untouched);
  printf("private file page after the child wrote its copy: %c%c%c\n", priv[1], priv[2], priv[3]);
  return 0;
}
