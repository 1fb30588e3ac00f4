/* RLIMIT_STACK shapes the stack of the programs exec'd after setting it:
 * recursion that fits runs, recursion past the limit dies of SIGSEGV. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static int depth(int n) {
  volatile char frame[1024];
  memset((char *)frame, n, sizeof frame);
  return n == 0 ? frame[0] : depth(n - 1) + frame[7];
}

static void child(const char *self, long limit, const char *kb) {
  pid_t p = fork();
  if (p == 0) {
    struct rlimit rl = {limit, RLIM_INFINITY};
    setrlimit(RLIMIT_STACK, &rl);
    execl(self, self, kb, (char *)NULL);
    _exit(127);
  }
  int st;
  waitpid(p, &st, 0);
  if (WIFSIGNALED(st)) printf("limit %ld KiB, recursion %s KiB: signal %d\n", limit >> 10, kb, WTERMSIG(st));
  else printf("limit %ld KiB, recursion %s KiB: exit %d\n", limit >> 10, kb, WEXITSTATUS(st));
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  if (argc > 1) {
    depth(atoi(argv[1]));
    return 3;
  }
  child(argv[0], 1 << 20, "256");
  child(argv[0], 256 << 10, "1024");
  child(argv[0], 4 << 20, "2048");
  return 0;
}
