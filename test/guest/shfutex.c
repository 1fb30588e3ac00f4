/* futex(2) between processes: a word in MAP_SHARED|MAP_ANONYMOUS memory
 * inherited across fork. A shared FUTEX_WAKE from the parent wakes the
 * child's shared FUTEX_WAIT; private operations key by the process's own
 * memory, so they never meet the other process's waiter (futex(2):
 * FUTEX_PRIVATE_FLAG). Then a process-shared POSIX semaphore (sem_init with
 * pshared 1, as Python's multiprocessing locks are) handed back and forth.
 * Each child's result travels in its exit status, so the output does not
 * depend on scheduling; the parent waits until the child sleeps (its
 * /proc state turns S) before it wakes it. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

static long futex(int *uaddr, int op, int val) {
  return syscall(SYS_futex, uaddr, op, val, NULL, NULL, 0);
}

#include "show.h"

#include "sleeping.h"

static void status(const char *what, pid_t pid) {
  int st;
  waitpid(pid, &st, 0);
  if (WIFEXITED(st)) printf("%s: exit %d\n", what, WEXITSTATUS(st));
  else printf("%s: signal %d\n", what, WTERMSIG(st));
  fflush(stdout);
}

/* Child: wait on *w (expected 0) with `op`; the exit status says how it ended. */
static pid_t waiter(int *w, int op) {
  pid_t pid = fork();
  if (pid == 0) {
    long r = futex(w, op, 0);
    _exit(r == 0 ? 10 : r < 0 && errno == EAGAIN ? 11 : 12);
  }
  return pid;
}

int main(void) {
  int *mem = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) return 1;
  int *w = &mem[5];

  /* Shared wait, woken by a shared wake from another process. */
  *w = 0;
  pid_t pid = waiter(w, FUTEX_WAIT);
  sleeping(pid);
  SHOW("private wake of a shared waiter in another process", futex(w, FUTEX_WAKE_PRIVATE, 1));
  *w = 1;
  SHOW("shared wake", futex(w, FUTEX_WAKE, 1));
  status("shared waiter", pid);
  SHOW("shared wake with nobody waiting", futex(w, FUTEX_WAKE, 1));

  /* Private wait on shared memory: keyed by the child's own memory. */
  *w = 0;
  pid = waiter(w, FUTEX_WAIT_PRIVATE);
  sleeping(pid);
  SHOW("shared wake of a private waiter in another process", futex(w, FUTEX_WAKE, 1));
  SHOW("private wake of a private waiter in another process", futex(w, FUTEX_WAKE_PRIVATE, 1));
  kill(pid, SIGKILL);
  status("private waiter", pid);

  /* A process-shared semaphore: the child waits, the parent posts. */
  sem_t *sem = (sem_t *)&mem[64];
  SHOW("sem_init pshared", sem_init(sem, 1, 0));
  pid = fork();
  if (pid == 0) _exit(sem_wait(sem) == 0 ? 20 : 21);
  sleeping(pid);
  SHOW("sem_post", sem_post(sem));
  status("sem_wait child", pid);
  /* And the other way: the parent waits for a post from the child. */
  pid = fork();
  if (pid == 0) {
    usleep(50000);
    _exit(sem_post(sem) == 0 ? 30 : 31);
  }
  SHOW("sem_wait for the child's post", sem_wait(sem));
  status("sem_post child", pid);
  return 0;
}
