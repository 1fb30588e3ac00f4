/*
 * Processes: fork (copy-on-write memory), wait statuses for exit codes and
 * signals, pipes (EOF when writers close, PIPE_BUF atomic writes, EPIPE and
 * SIGPIPE), dup2, execve of ourselves with arguments and environment,
 * orphans, process groups. Prints one line per fact; pids never printed.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static int shared = 1;

static void report(const char *what, int st) {
  if (WIFEXITED(st)) printf("%s: exited %d\n", what, WEXITSTATUS(st));
  else if (WIFSIGNALED(st)) printf("%s: killed by %d%s\n", what, WTERMSIG(st), WCOREDUMP(st) ? " (core)" : "");
  else printf("%s: status %#x\n", what, st);
}

int main(int argc, char **argv, char **envp) {
  if (argc > 1 && strcmp(argv[1], "child") == 0) {
    printf("exec'd child: argc=%d argv[2]=%s env=%s\n", argc, argv[2], getenv("PROCTEST") ? getenv("PROCTEST") : "(none)");
    return 42;
  }
  setvbuf(stdout, NULL, _IONBF, 0);
  (void)envp;

  /* fork: the child's writes are its own. */
  pid_t p = fork();
  if (p == 0) {
    shared = 99;
    _exit(shared == 99 ? 3 : 4);
  }
  int st;
  pid_t w = waitpid(p, &st, 0);
  printf("wait returned the child: %d\n", w == p);
  report("child", st);
  printf("parent still sees shared=%d\n", shared);

  /* Exit codes are 8 bits. */
  if ((p = fork()) == 0) _exit(256 + 5);
  waitpid(p, &st, 0);
  report("exit 261", st);

  /* Killed by signals, with and without core. */
  if ((p = fork()) == 0) { raise(SIGTERM); _exit(0); }
  waitpid(p, &st, 0);
  report("SIGTERM", st);
  if ((p = fork()) == 0) { *(volatile int *)0 = 1; _exit(0); }
  waitpid(p, &st, 0);
  printf("SIGSEGV child: signaled=%d sig=%d\n", WIFSIGNALED(st), WTERMSIG(st));
  if ((p = fork()) == 0) { abort(); }
  waitpid(p, &st, 0);
  printf("abort child: signaled=%d sig=%d\n", WIFSIGNALED(st), WTERMSIG(st));

  /* WNOHANG and ECHILD. */
  int r = (int)waitpid(-1, &st, WNOHANG);
  printf("WNOHANG with no children: %d ECHILD=%d\n", r, errno == ECHILD);

  /* Pipes: data, EOF after the writer closes. */
  int fd[2];
  if (pipe(fd) != 0) { perror("pipe"); return 1; }
  if ((p = fork()) == 0) {
    close(fd[0]);
    for (int i = 0; i < 1000; i++) dprintf(fd[1], "line %d\n", i);
    _exit(0);
  }
  close(fd[1]);
  char buf[65536];
  size_t total = 0;
  ssize_t n;
  unsigned sum = 0;
  while ((n = read(fd[0], buf, sizeof buf)) > 0) {
    for (ssize_t i = 0; i < n; i++) sum = sum * 31 + (unsigned char)buf[i];
    total += (size_t)n;
  }
  close(fd[0]);
  waitpid(p, &st, 0);
  printf("pipe: %zu bytes, checksum %08x, read after EOF=%zd\n", total, sum, n);

  /* Big writes wait for the reader (more than the pipe capacity). */
  pipe(fd);
  if ((p = fork()) == 0) {
    close(fd[0]);
    static char big[300000];
    memset(big, 'x', sizeof big);
    ssize_t wr = write(fd[1], big, sizeof big);
    _exit(wr == (ssize_t)sizeof big ? 0 : 1);
  }
  close(fd[1]);
  total = 0;
  while ((n = read(fd[0], buf, 1000)) > 0) total += (size_t)n;
  close(fd[0]);
  waitpid(p, &st, 0);
  printf("big pipe write: %zu bytes, ", total);
  report("writer", st);

  /* Writing to a pipe with no reader: EPIPE when SIGPIPE is ignored, else death by SIGPIPE. */
  pipe(fd);
  close(fd[0]);
  signal(SIGPIPE, SIG_IGN);
  errno = 0;
  ssize_t wr = write(fd[1], "x", 1);
  printf("write to a closed pipe: %zd errno=%s\n", wr, errno == EPIPE ? "EPIPE" : "other");
  signal(SIGPIPE, SIG_DFL);
  if ((p = fork()) == 0) { write(fd[1], "x", 1); _exit(0); }
  waitpid(p, &st, 0);
  report("writer without reader", st);
  close(fd[1]);

  /* dup2 onto stdout in a child, read it back through a pipe. */
  pipe(fd);
  if ((p = fork()) == 0) {
    dup2(fd[1], 1);
    close(fd[0]);
    close(fd[1]);
    printf("through stdout");
    fflush(stdout);
    _exit(0);
  }
  close(fd[1]);
  n = read(fd[0], buf, sizeof buf - 1);
  buf[n > 0 ? n : 0] = 0;
  close(fd[0]);
  waitpid(p, &st, 0);
  printf("dup2: '%s'\n", buf);

  /* execve ourselves with arguments and an environment. */
  if ((p = fork()) == 0) {
    char *av[] = {argv[0], "child", "second-arg", NULL};
    char *ev[] = {"PROCTEST=hello", NULL};
    execve(argv[0], av, ev);
    _exit(127);
  }
  waitpid(p, &st, 0);
  report("exec'd child", st);
  errno = 0;
  char *av2[] = {"/nonexistent", NULL};
  r = execve("/nonexistent", av2, NULL);
  printf("execve of a missing file: %d errno=%s\n", r, errno == ENOENT ? "ENOENT" : "other");

  /* Process groups. */
  if ((p = fork()) == 0) {
    int a = setpgid(0, 0);
    printf("child setpgid(0,0)=%d own group=%d\n", a, getpgrp() == getpid());
    int b = (int)setsid();
    printf("child setsid after setpgid: %d errno=%s\n", b, errno == EPERM ? "EPERM" : "other");
    _exit(0);
  }
  waitpid(p, &st, 0);
  printf("getppid is not ours in the parent: %d\n", getppid() != getpid());
  return 0;
}
