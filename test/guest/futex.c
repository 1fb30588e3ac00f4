/* futex(2) called directly: WAIT's EAGAIN and relative timeout, WAKE
 * counts, WAIT_BITSET with an absolute timeout and WAKE_BITSET masks,
 * REQUEUE and CMP_REQUEUE moving waiters, WAKE_OP's operations and
 * comparisons, EINTR from a signal and restart with SA_RESTART, bad
 * arguments. Waiters are threads; each announces itself before waiting
 * and the main thread then gives it time to reach the kernel. The PI
 * operations are left out: web-vm answers them ENOSYS (futex.ts). */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static long futex(int *uaddr, int op, int val, const struct timespec *ts, int *uaddr2, int val3) {
  return syscall(SYS_futex, uaddr, op, val, ts, uaddr2, val3);
}

#include "show.h"

static int word, word2;
static int started, woke;

struct job {
  int *addr;
  int op;
  int bitset;
};

static void *waiter(void *arg) {
  struct job *j = arg;
  __atomic_add_fetch(&started, 1, __ATOMIC_SEQ_CST);
  long r = futex(j->addr, j->op, 0, 0, 0, j->bitset);
  if (r == 0) __atomic_add_fetch(&woke, 1, __ATOMIC_SEQ_CST);
  return 0;
}

static pthread_t th[8];
static struct job jobs[8];
static void start(int from, int n, int *addr, int op, int bitset) {
  for (int i = from; i < from + n; i++) {
    jobs[i].addr = addr;
    jobs[i].op = op;
    jobs[i].bitset = bitset;
    pthread_create(&th[i], 0, waiter, &jobs[i]);
  }
}
static void parked(int n) {
  while (__atomic_load_n(&started, __ATOMIC_SEQ_CST) < n) usleep(1000);
  usleep(50000);
}
static void spawn(int n, int *addr, int op, int bitset) {
  started = 0;
  woke = 0;
  start(0, n, addr, op, bitset);
  parked(n);
}
/*
 * Let woken waiters run: until `n` have counted themselves (or 3 s, however
 * slowly the machine runs them), then 30 ms more so an extra wake would show.
 */
static void settle(int n) {
  for (int t = 0; t < 3000 && __atomic_load_n(&woke, __ATOMIC_SEQ_CST) < n; t++) usleep(1000);
  usleep(30000);
}
static void join(int n) {
  for (int i = 0; i < n; i++) pthread_join(th[i], 0);
}

static void on_alarm(int s) { (void)s; }
static void *wake_later(void *arg) {
  (void)arg;
  usleep(150000);
  futex(&word, FUTEX_WAKE_PRIVATE, 1, 0, 0, 0);
  return 0;
}

int main(void) {
  setvbuf(stdout, 0, _IOLBF, 0);
  struct timespec ts = {0, 20000000};
  word = 1;
  SHOW("wait wrong value (EAGAIN)", futex(&word, FUTEX_WAIT_PRIVATE, 0, 0, 0, 0));
  word = 0;
  SHOW("wait 20ms (ETIMEDOUT)", futex(&word, FUTEX_WAIT_PRIVATE, 0, &ts, 0, 0));
  struct timespec zero = {0, 0};
  SHOW("wait zero timeout", futex(&word, FUTEX_WAIT, 0, &zero, 0, 0));
  struct timespec bad = {0, 1000000000};
  SHOW("wait bad timespec", futex(&word, FUTEX_WAIT, 0, &bad, 0, 0));
  SHOW("misaligned", futex((int *)((char *)&word + 1), FUTEX_WAKE, 1, 0, 0, 0));
  SHOW("wake nobody", futex(&word, FUTEX_WAKE_PRIVATE, 5, 0, 0, 0));
  SHOW("unknown op", futex(&word, 99, 0, 0, 0, 0));
  SHOW("clock_realtime on WAIT", futex(&word, FUTEX_WAIT | FUTEX_CLOCK_REALTIME, 0, &ts, 0, 0));

  /* Absolute timeouts for WAIT_BITSET, on CLOCK_MONOTONIC and CLOCK_REALTIME. */
  struct timespec abs;
  clock_gettime(CLOCK_MONOTONIC, &abs);
  abs.tv_nsec += 20000000;
  if (abs.tv_nsec >= 1000000000) abs.tv_sec++, abs.tv_nsec -= 1000000000;
  SHOW("wait_bitset absolute monotonic", futex(&word, FUTEX_WAIT_BITSET_PRIVATE, 0, &abs, 0, FUTEX_BITSET_MATCH_ANY));
  clock_gettime(CLOCK_REALTIME, &abs);
  abs.tv_sec -= 1;
  SHOW("wait_bitset realtime in the past", futex(&word, FUTEX_WAIT_BITSET_PRIVATE | FUTEX_CLOCK_REALTIME, 0, &abs, 0, FUTEX_BITSET_MATCH_ANY));
  SHOW("wait_bitset zero mask", futex(&word, FUTEX_WAIT_BITSET_PRIVATE, 0, 0, 0, 0));

  /* WAKE counts. */
  spawn(4, &word, FUTEX_WAIT_PRIVATE, 0);
  SHOW("wake 3 of 4", futex(&word, FUTEX_WAKE_PRIVATE, 3, 0, 0, 0));
  settle(3);
  printf("woke %d\n", woke);
  SHOW("wake the rest", futex(&word, FUTEX_WAKE_PRIVATE, 10, 0, 0, 0));
  join(4);

  /* Bitsets: a wake with mask 2 wakes only the waiters whose mask has bit 1. */
  started = woke = 0;
  start(0, 2, &word, FUTEX_WAIT_BITSET_PRIVATE, 1);
  start(2, 2, &word, FUTEX_WAIT_BITSET_PRIVATE, 2);
  parked(4);
  SHOW("wake_bitset mask 2", futex(&word, FUTEX_WAKE_BITSET_PRIVATE, 10, 0, 0, 2));
  settle(2);
  printf("woke %d\n", woke);
  SHOW("wake_bitset mask 1", futex(&word, FUTEX_WAKE_BITSET_PRIVATE, 10, 0, 0, 1));
  join(4);

  /* REQUEUE: wake 1, move 2 to word2, leave 1. */
  spawn(4, &word, FUTEX_WAIT_PRIVATE, 0);
  SHOW("requeue wake 1 move 2", futex(&word, FUTEX_REQUEUE_PRIVATE, 1, (struct timespec *)2, &word2, 0));
  settle(1);
  printf("woke %d\n", woke);
  SHOW("wake on word2", futex(&word2, FUTEX_WAKE_PRIVATE, 10, 0, 0, 0));
  SHOW("wake on word", futex(&word, FUTEX_WAKE_PRIVATE, 10, 0, 0, 0));
  join(4);

  /* CMP_REQUEUE checks *uaddr first, and counts woken + moved. */
  spawn(3, &word, FUTEX_WAIT_PRIVATE, 0);
  SHOW("cmp_requeue mismatch", futex(&word, FUTEX_CMP_REQUEUE_PRIVATE, 1, (struct timespec *)5, &word2, 1));
  SHOW("cmp_requeue", futex(&word, FUTEX_CMP_REQUEUE_PRIVATE, 0, (struct timespec *)5, &word2, 0));
  SHOW("wake on word", futex(&word, FUTEX_WAKE_PRIVATE, 10, 0, 0, 0));
  SHOW("wake on word2", futex(&word2, FUTEX_WAKE_PRIVATE, 10, 0, 0, 0));
  join(3);

  /* WAKE_OP: *word2 op= arg, wake on word, and on word2 if the old value compares. */
  started = woke = 0;
  word2 = 0;
  start(0, 2, &word, FUTEX_WAIT_PRIVATE, 0);
  start(2, 2, &word2, FUTEX_WAIT_PRIVATE, 0);
  parked(4);
  SHOW("wake_op add 5 if old==0", futex(&word, FUTEX_WAKE_OP_PRIVATE, 1, (struct timespec *)1, &word2, FUTEX_OP(FUTEX_OP_ADD, 5, FUTEX_OP_CMP_EQ, 0)));
  printf("word2 %d\n", word2);
  SHOW("wake_op or 8 if old>100 (no)", futex(&word, FUTEX_WAKE_OP_PRIVATE, 1, (struct timespec *)1, &word2, FUTEX_OP(FUTEX_OP_OR, 8, FUTEX_OP_CMP_GT, 100)));
  printf("word2 %d\n", word2);
  SHOW("wake_op andn 1<<2 (shift) if old!=0", futex(&word, FUTEX_WAKE_OP_PRIVATE, 0, (struct timespec *)1, &word2, FUTEX_OP((FUTEX_OP_ANDN | FUTEX_OP_OPARG_SHIFT), 2, FUTEX_OP_CMP_NE, 0)));
  printf("word2 %d\n", word2);
  SHOW("wake_op xor 3 if old<0 (no)", futex(&word, FUTEX_WAKE_OP_PRIVATE, 0, (struct timespec *)0, &word2, FUTEX_OP(FUTEX_OP_XOR, 3, FUTEX_OP_CMP_LT, 0)));
  SHOW("wake_op set -1 (sign-extended)", futex(&word, FUTEX_WAKE_OP_PRIVATE, 0, (struct timespec *)0, &word2, FUTEX_OP(FUTEX_OP_SET, 0xfff, FUTEX_OP_CMP_GE, 0)));
  settle(4);
  printf("word2 %d woke %d\n", word2, woke);
  futex(&word, FUTEX_WAKE_PRIVATE, 10, 0, 0, 0);
  futex(&word2, FUTEX_WAKE_PRIVATE, 10, 0, 0, 0);
  join(4);

  /* A signal interrupts FUTEX_WAIT with EINTR; with SA_RESTART the wait goes on (signal(7)). */
  word = 0;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_alarm;
  sigaction(SIGALRM, &sa, 0);
  struct itimerval it = {{0, 0}, {0, 30000}};
  setitimer(ITIMER_REAL, &it, 0);
  SHOW("wait interrupted", futex(&word, FUTEX_WAIT_PRIVATE, 0, 0, 0, 0));
  sa.sa_flags = SA_RESTART;
  sigaction(SIGALRM, &sa, 0);
  setitimer(ITIMER_REAL, &it, 0);
  ts.tv_nsec = 200000000;
  /* With a timeout the wait is never restarted after a handler (-ERESTART_RESTARTBLOCK). */
  SHOW("timed wait interrupted despite SA_RESTART", futex(&word, FUTEX_WAIT_PRIVATE, 0, &ts, 0, 0));
  /* Without one it is: the alarm's handler runs, the wait goes on until a thread wakes it. */
  pthread_t waker;
  pthread_create(&waker, 0, wake_later, 0);
  setitimer(ITIMER_REAL, &it, 0);
  SHOW("wait restarted, then woken", futex(&word, FUTEX_WAIT_PRIVATE, 0, 0, 0, 0));
  pthread_join(waker, 0);
  return 0;
}
