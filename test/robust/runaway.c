/* A child that never ends (while(1)): the parent still gets to run, sleeps, kills it. */
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  pid_t p = fork();
  if (p == 0) for (;;) {}
  struct timespec ts = {0, 200 * 1000 * 1000};
  nanosleep(&ts, NULL);
  printf("parent ran while the child spun\n");
  kill(p, SIGKILL);
  int st;
  waitpid(p, &st, 0);
  printf("child killed by signal %d\n", WIFSIGNALED(st) ? WTERMSIG(st) : -1);
  return 0;
}
