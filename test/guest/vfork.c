/* vfork and posix_spawn: the child runs on the parent's memory until it
 * execs or exits, and the parent waits for that; posix_spawn reports a
 * failed exec as an error (the child writes it into the shared memory). */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;
static volatile int shared_word;

int main(int argc, char **argv) {
  setvbuf(stdout, 0, _IOLBF, 0);
  if (argc > 1) {
    printf("child program: %s\n", argv[1]);
    return 4;
  }
  int st;
  pid_t c = vfork();
  if (c == 0) {
    shared_word = 42; /* the parent sees this: same memory */
    _exit(3);
  }
  waitpid(c, &st, 0);
  printf("vfork: parent saw %d, child exited %d\n", shared_word, WEXITSTATUS(st));

  /* The parent runs again only after the child's exec. */
  shared_word = 0;
  c = vfork();
  if (c == 0) {
    shared_word = 7;
    execl(argv[0], argv[0], "after vfork", (char *)0);
    _exit(127);
  }
  int seen = shared_word; /* printed after the child's output, which races with ours */
  waitpid(c, &st, 0);
  printf("after exec: %d\n", seen);
  printf("exec child exited %d\n", WEXITSTATUS(st));

  pid_t pid;
  char *args[] = {argv[0], "spawned", 0};
  int r = posix_spawn(&pid, argv[0], 0, 0, args, environ);
  waitpid(pid, &st, 0);
  printf("posix_spawn: %d, exited %d\n", r, WEXITSTATUS(st));
  char *bad[] = {"/nonexistent/program", 0};
  r = posix_spawn(&pid, bad[0], 0, 0, bad, environ);
  printf("posix_spawn missing program: %s\n", strerror(r));
  r = posix_spawnp(&pid, "no-such-program-anywhere", 0, 0, bad, environ);
  printf("posix_spawnp missing program: %s\n", strerror(r));
  /* system() spawns /bin/sh through posix_spawn. */
  return 0;
}
