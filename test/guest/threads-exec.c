/* Thread groups and processes: exit() of one thread vs exit_group(), the
 * main thread leaving first (the process lives on with its pid), wait
 * statuses of multi-threaded children, fork from a thread (the child has
 * one thread), execve from a non-main thread (it takes over the pid and
 * the other threads vanish), getppid in threads, CLONE_CHILD_CLEARTID via
 * pthread_join, robust mutexes whose owner died. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static pid_t gettid_(void) { return (pid_t)syscall(SYS_gettid); }

static void status(const char *what, int st) {
  if (WIFEXITED(st)) printf("%s: exited %d\n", what, WEXITSTATUS(st));
  else if (WIFSIGNALED(st)) printf("%s: killed by %d\n", what, WTERMSIG(st));
  else printf("%s: status %#x\n", what, st);
}

static void *exit_group_thread(void *arg) {
  (void)arg;
  usleep(5000);
  exit(7); /* ends every thread */
}

static pid_t parent;
static void *late_thread(void *arg) {
  /* Joining the main thread waits for the kernel to clear its tid word (CLONE_CHILD_CLEARTID). */
  printf("join main: %d\n", pthread_join(*(pthread_t *)arg, 0));
  /* The main thread is gone; the process and its pid live on. */
  printf("late thread: ppid ok %d\n", getppid() == parent);
  fflush(stdout);
  syscall(SYS_exit, 9); /* the last thread out: its code is the process's status */
  return 0;
}

static void *crash_thread(void *arg) {
  (void)arg;
  raise(SIGSEGV);
  return 0;
}

static void *fork_thread(void *arg) {
  (void)arg;
  pid_t c = fork();
  if (c == 0) {
    /* The child of a multi-threaded process has one thread: the forking one. */
    printf("forked child: pid==tid %d\n", getpid() == gettid_());
    fflush(stdout);
    _exit(3);
  }
  int st;
  waitpid(c, &st, 0);
  status("child forked in a thread", st);
  return 0;
}

static char *self;
static void *exec_thread(void *arg) {
  (void)arg;
  char buf[32];
  snprintf(buf, sizeof buf, "%d", getpid());
  execl(self, self, "exec-child", buf, (char *)0);
  perror("execl");
  return 0;
}
static void *spinner(void *arg) {
  (void)arg;
  for (;;) pause();
  return 0;
}

static pthread_mutex_t robust;
static void *die_holding(void *arg) {
  (void)arg;
  pthread_mutex_lock(&robust);
  return 0; /* exits holding it */
}

int main(int argc, char **argv) {
  setvbuf(stdout, 0, _IOLBF, 0);
  self = argv[0];
  if (argc == 3 && strcmp(argv[1], "exec-child") == 0) {
    printf("exec child: same pid %d, pid==tid %d\n", getpid() == atoi(argv[2]), getpid() == gettid_());
    return 5;
  }
  int st;
  pid_t c;

  /* exit() in one thread ends the process with that code. */
  c = fork();
  if (c == 0) {
    pthread_t t;
    pthread_create(&t, 0, exit_group_thread, 0);
    for (;;) pause();
  }
  waitpid(c, &st, 0);
  status("exit from a thread", st);

  /* The main thread leaves with pthread_exit; the other thread ends the process. */
  c = fork();
  if (c == 0) {
    static pthread_t main_thread;
    parent = getppid();
    main_thread = pthread_self();
    pthread_t t;
    pthread_create(&t, 0, late_thread, &main_thread);
    pthread_exit(0);
  }
  waitpid(c, &st, 0);
  status("main thread left first", st);

  /* A fatal signal in one thread kills the process. */
  c = fork();
  if (c == 0) {
    pthread_t t;
    pthread_create(&t, 0, crash_thread, 0);
    for (;;) pause();
  }
  waitpid(c, &st, 0);
  printf("crash in a thread: signaled %d sig %d\n", WIFSIGNALED(st), WTERMSIG(st));

  /* fork from a non-main thread. */
  pthread_t ft;
  pthread_create(&ft, 0, fork_thread, 0);
  pthread_join(ft, 0);

  /* execve from a non-main thread of a child with several threads. */
  c = fork();
  if (c == 0) {
    pthread_t a, b;
    pthread_create(&a, 0, spinner, 0);
    pthread_create(&b, 0, exec_thread, 0);
    for (;;) pause();
  }
  waitpid(c, &st, 0);
  status("exec from a thread", st);

  /* A robust mutex whose owner thread died: EOWNERDEAD, then consistent. */
  pthread_mutexattr_t ma;
  pthread_mutexattr_init(&ma);
  pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST);
  pthread_mutex_init(&robust, &ma);
  pthread_t rt;
  pthread_create(&rt, 0, die_holding, 0);
  pthread_join(rt, 0);
  int r = pthread_mutex_lock(&robust);
  printf("robust lock: %s\n", r == EOWNERDEAD ? "EOWNERDEAD" : strerror(r));
  if (r == EOWNERDEAD) pthread_mutex_consistent(&robust);
  pthread_mutex_unlock(&robust);
  printf("relock: %d\n", pthread_mutex_lock(&robust));
  pthread_mutex_unlock(&robust);
  return 0;
}
