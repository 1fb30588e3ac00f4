/* Fork until the VM says no: fork must fail with EAGAIN (the task limit), not hang or crash. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static pid_t kids[100000];

int main(void) {
  int n = 0;
  for (;;) {
    pid_t p = fork();
    if (p == 0) { pause(); _exit(0); }
    if (p < 0) { printf("fork failed after %d children: %s\n", n, strerror(errno)); break; }
    kids[n++] = p;
    if (n == 100000) { printf("no limit\n"); break; }
  }
  for (int i = 0; i < n; i++) kill(kids[i], SIGKILL);
  int reaped = 0;
  while (wait(NULL) > 0) reaped++;
  printf("reaped %d\n", reaped);
  /* The VM is still usable: fork works again. */
  pid_t p = fork();
  if (p == 0) _exit(7);
  int st;
  waitpid(p, &st, 0);
  printf("fork again: exit %d\n", WEXITSTATUS(st));
  return 0;
}
