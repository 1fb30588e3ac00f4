/* Threads: pthread create/join with mutexes, condition variables and
 * barriers (futex WAIT/WAKE/REQUEUE/WAKE_OP), __thread storage per thread,
 * thread ids, pthread_cancel, pthread_kill and per-thread signal masks,
 * process-directed signals going to the thread that does not block them,
 * sigwait, detached threads, prctl names. Output is in a fixed order. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define N 12
static __thread int tls = 100;
static __thread char tlsbuf[32];
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static pthread_barrier_t bar;
static long counter;
static int turn;

static pid_t gettid_(void) { return (pid_t)syscall(SYS_gettid); }

static void *worker(void *arg) {
  int id = (int)(long)arg;
  tls += id;
  snprintf(tlsbuf, sizeof tlsbuf, "w%d", id);
  for (int i = 0; i < 2000; i++) {
    pthread_mutex_lock(&mu);
    counter += id;
    pthread_mutex_unlock(&mu);
    if (i % 500 == 0) sched_yield();
  }
  pthread_barrier_wait(&bar);
  /* Take turns in id order through one condition variable (broadcast → requeue). */
  pthread_mutex_lock(&mu);
  while (turn != id) pthread_cond_wait(&cv, &mu);
  printf("turn %d tls %d buf %s same-pid %d own-tid %d\n", id, tls, tlsbuf, getpid() == getpid(), gettid_() != getpid());
  turn++;
  pthread_cond_broadcast(&cv);
  pthread_mutex_unlock(&mu);
  return (void *)(long)(id * 3);
}

static void *sleeper(void *arg) {
  (void)arg;
  for (;;) pause(); /* a cancellation point */
  return 0;
}

static volatile sig_atomic_t got_usr1_tid;
static void on_usr1(int sig) {
  (void)sig;
  got_usr1_tid = gettid_();
}

static pid_t sigthread_tid;
static pthread_mutex_t sm = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t scv = PTHREAD_COND_INITIALIZER;
static int sig_ready, sig_done;

static void *sigthread(void *arg) {
  (void)arg;
  sigset_t none;
  sigemptyset(&none);
  pthread_sigmask(SIG_SETMASK, &none, 0);
  pthread_mutex_lock(&sm);
  sigthread_tid = gettid_();
  sig_ready = 1;
  pthread_cond_broadcast(&scv);
  while (!sig_done) pthread_cond_wait(&scv, &sm);
  pthread_mutex_unlock(&sm);
  return 0;
}

static void *waiter(void *arg) {
  sigset_t *set = arg;
  int sig = 0;
  int r = sigwait(set, &sig);
  printf("sigwait -> %d sig %d\n", r, sig);
  return 0;
}

static void *named(void *arg) {
  (void)arg;
  char name[16] = {0};
  prctl(PR_SET_NAME, "worker-thread");
  prctl(PR_GET_NAME, name);
  printf("thread name %s\n", name);
  return 0;
}

static void *detached(void *arg) {
  pthread_mutex_lock(&mu);
  *(int *)arg = 42;
  pthread_cond_broadcast(&cv);
  pthread_mutex_unlock(&mu);
  return 0;
}

int main(void) {
  setvbuf(stdout, 0, _IOLBF, 0);
  pthread_t th[N];
  pthread_barrier_init(&bar, 0, N);
  for (int i = 0; i < N; i++) pthread_create(&th[i], 0, worker, (void *)(long)i);
  long sum = 0;
  for (int i = 0; i < N; i++) {
    void *r;
    pthread_join(th[i], &r);
    sum += (long)r;
  }
  printf("counter %ld (expected %ld) join sum %ld main tls %d\n", counter, 2000L * (N * (N - 1) / 2), sum, tls);

  /* Cancellation of a thread blocked in pause(). */
  pthread_t s;
  pthread_create(&s, 0, sleeper, 0);
  usleep(10000);
  pthread_cancel(s);
  void *cr;
  pthread_join(s, &cr);
  printf("cancelled %d\n", cr == PTHREAD_CANCELED);

  /* A process-directed signal goes to the one thread not blocking it. */
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1;
  sigaction(SIGUSR1, &sa, 0);
  sigset_t usr1;
  sigemptyset(&usr1);
  sigaddset(&usr1, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &usr1, 0);
  pthread_t st;
  pthread_create(&st, 0, sigthread, 0);
  pthread_mutex_lock(&sm);
  while (!sig_ready) pthread_cond_wait(&scv, &sm);
  pthread_mutex_unlock(&sm);
  kill(getpid(), SIGUSR1);
  for (int i = 0; i < 200 && !got_usr1_tid; i++) usleep(1000);
  printf("kill: handled by the unblocked thread %d\n", got_usr1_tid == sigthread_tid);
  got_usr1_tid = 0;
  pthread_kill(st, SIGUSR1);
  for (int i = 0; i < 200 && !got_usr1_tid; i++) usleep(1000);
  printf("pthread_kill: handled by that thread %d\n", got_usr1_tid == sigthread_tid);
  pthread_mutex_lock(&sm);
  sig_done = 1;
  pthread_cond_broadcast(&scv);
  pthread_mutex_unlock(&sm);
  pthread_join(st, 0);
  sigset_t pend;
  sigpending(&pend);
  printf("pending after: %d\n", sigismember(&pend, SIGUSR1));

  /* sigwait in a thread for a signal every thread blocks. */
  sigset_t usr2;
  sigemptyset(&usr2);
  sigaddset(&usr2, SIGUSR2);
  pthread_sigmask(SIG_BLOCK, &usr2, 0);
  pthread_t w;
  pthread_create(&w, 0, waiter, &usr2);
  usleep(10000);
  kill(getpid(), SIGUSR2);
  pthread_join(w, 0);

  /* Names, detached threads, error numbers. */
  pthread_t nt;
  pthread_create(&nt, 0, named, 0);
  pthread_join(nt, 0);
  char name[16] = {0};
  prctl(PR_GET_NAME, name);
  printf("main name %s\n", name);
  pthread_attr_t at;
  pthread_attr_init(&at);
  pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
  static int flag;
  pthread_t dt;
  pthread_create(&dt, &at, detached, &flag);
  pthread_mutex_lock(&mu);
  while (flag == 0) pthread_cond_wait(&cv, &mu);
  pthread_mutex_unlock(&mu);
  printf("detached set %d\n", flag);
  printf("join self: %s\n", strerror(pthread_join(pthread_self(), 0)));
  int r = (int)syscall(SYS_tgkill, getpid(), 999999, 0);
  printf("tgkill bad tid: %d %s\n", r, strerror(errno));
  r = (int)syscall(SYS_tgkill, getpid() + 1, getpid(), 0);
  printf("tgkill wrong tgid: %d %s\n", r, strerror(errno));
  printf("tkill main tid 0: %d\n", (int)syscall(SYS_tkill, getpid(), 0));
  return 0;
}
