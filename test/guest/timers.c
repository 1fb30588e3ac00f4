/* timerfd, POSIX timers and sigtimedwait, printed as counts and states
 * rather than times so the output is the same on every run. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/times.h>
#include <time.h>
#include <unistd.h>

#include "show.h"

static volatile sig_atomic_t ticks;
static volatile int last_code, last_value;
static void on_timer(int sig, siginfo_t *si, void *uc) {
  (void)sig;
  (void)uc;
  ticks++;
  last_code = si->si_code;
  last_value = si->si_value.sival_int;
}

static int records[16][2];
static volatile int nrecords;
static void on_record(int sig, siginfo_t *si, void *uc) {
  (void)uc;
  if (nrecords < 16) {
    records[nrecords][0] = sig;
    records[nrecords][1] = si->si_code == SI_QUEUE ? si->si_value.sival_int : 0;
    nrecords++;
  }
}

static struct itimerspec its(long value_ms, long interval_ms) {
  struct itimerspec s;
  s.it_value.tv_sec = value_ms / 1000;
  s.it_value.tv_nsec = (value_ms % 1000) * 1000000;
  s.it_interval.tv_sec = interval_ms / 1000;
  s.it_interval.tv_nsec = (interval_ms % 1000) * 1000000;
  return s;
}

static void *burn(void *arg) {
  (void)arg;
  volatile unsigned x = 0;
  for (unsigned i = 0; i < 3000000; i++) x += i;
  return 0;
}

int main(void) {
  setvbuf(stdout, 0, _IOLBF, 0);
  uint64_t n = 0;
  struct itimerspec cur;

  /* timerfd: one-shot, blocking read. */
  int tfd = timerfd_create(CLOCK_MONOTONIC, 0);
  struct itimerspec s = its(300, 0);
  SHOW("settime", timerfd_settime(tfd, 0, &s, 0));
  timerfd_gettime(tfd, &cur);
  printf("armed: value set %d, interval %ld\n", cur.it_value.tv_sec > 0 || cur.it_value.tv_nsec > 0, (long)cur.it_interval.tv_nsec);
  SHOW("blocking read", read(tfd, &n, 8));
  printf("expirations %llu\n", (unsigned long long)n);
  timerfd_gettime(tfd, &cur);
  printf("after: value %ld.%09ld\n", (long)cur.it_value.tv_sec, cur.it_value.tv_nsec);

  /* Periodic: several expirations pile up in one read. */
  int nb = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  SHOW("read unarmed", read(nb, &n, 8));
  s = its(10, 10);
  timerfd_settime(nb, 0, &s, 0);
  usleep(100000);
  SHOW("read periodic", read(nb, &n, 8));
  printf("at least 3: %d\n", n >= 3);
  struct itimerspec old;
  s = its(0, 0);
  timerfd_settime(nb, 0, &s, &old);
  printf("old interval %ld ms\n", old.it_interval.tv_nsec / 1000000);
  SHOW("disarmed read", read(nb, &n, 8));
  SHOW("short read", read(tfd, &n, 4));

  /* Absolute time in the past on CLOCK_REALTIME: expires at once. */
  int rt = timerfd_create(CLOCK_REALTIME, 0);
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  s.it_value.tv_sec = now.tv_sec - 10;
  s.it_value.tv_nsec = 0;
  s.it_interval.tv_sec = 0;
  s.it_interval.tv_nsec = 0;
  SHOW("abstime", timerfd_settime(rt, TFD_TIMER_ABSTIME, &s, 0));
  SHOW("read abstime", read(rt, &n, 8));
  printf("expirations %llu\n", (unsigned long long)n);
  SHOW("bad clock", timerfd_create(12345, 0));
  SHOW("bad flags", timerfd_create(CLOCK_MONOTONIC, 0x40));

  /* POSIX timer: SIGEV_SIGNAL with a handler, periodic, then deleted. */
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_timer;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGRTMIN, &sa, 0);
  struct sigevent sev;
  memset(&sev, 0, sizeof sev);
  sev.sigev_notify = SIGEV_SIGNAL;
  sev.sigev_signo = SIGRTMIN;
  sev.sigev_value.sival_int = 77;
  timer_t tid;
  SHOW("timer_create", timer_create(CLOCK_MONOTONIC, &sev, &tid));
  s = its(5, 5);
  SHOW("timer_settime", timer_settime(tid, 0, &s, 0));
  while (ticks < 3) pause();
  printf("ticks>=3, code SI_TIMER %d value %d\n", last_code == SI_TIMER, last_value);
  SHOW("timer_delete", timer_delete(tid));
  SHOW("delete again", timer_delete(tid));

  /* SIGEV_NONE: nothing delivered, gettime counts down. */
  sev.sigev_notify = SIGEV_NONE;
  timer_create(CLOCK_MONOTONIC, &sev, &tid);
  s = its(5000, 0);
  timer_settime(tid, 0, &s, 0);
  timer_gettime(tid, &cur);
  printf("none: counting down %d\n", cur.it_value.tv_sec <= 5 && (cur.it_value.tv_sec > 0 || cur.it_value.tv_nsec > 0));
  timer_delete(tid);

  /* A blocked timer signal taken with sigtimedwait; overruns while pending. */
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGRTMIN + 1);
  sigprocmask(SIG_BLOCK, &set, 0);
  sev.sigev_notify = SIGEV_SIGNAL;
  sev.sigev_signo = SIGRTMIN + 1;
  sev.sigev_value.sival_int = 5;
  timer_create(CLOCK_MONOTONIC, &sev, &tid);
  s = its(5, 5);
  timer_settime(tid, 0, &s, 0);
  usleep(60000);
  siginfo_t si;
  struct timespec ts = {1, 0};
  int sig = sigtimedwait(&set, &si, &ts);
  printf("sigtimedwait %d code SI_TIMER %d value %d overrun>=2 %d\n", sig == SIGRTMIN + 1, si.si_code == SI_TIMER, si.si_value.sival_int, si.si_overrun >= 2);
  timer_delete(tid);
  ts.tv_sec = 0;
  ts.tv_nsec = 20000000;
  SHOW("sigtimedwait timeout", sigtimedwait(&set, &si, &ts));
  ts.tv_nsec = 0;
  SHOW("sigtimedwait poll", sigtimedwait(&set, &si, &ts));
  /* A signal already pending is taken at once; si_pid names the sender. */
  sigaddset(&set, SIGUSR1);
  sigprocmask(SIG_BLOCK, &set, 0);
  kill(getpid(), SIGUSR1);
  sig = sigwaitinfo(&set, &si);
  printf("sigwaitinfo %d code SI_USER %d pid ok %d\n", sig == SIGUSR1, si.si_code == SI_USER, si.si_pid == getpid());
  raise(SIGUSR1);
  sig = sigwaitinfo(&set, &si);
  printf("raise: sig %d si_code %d\n", sig == SIGUSR1, si.si_code);
  /* SIGEV_THREAD_ID naming a thread of another process is refused. */
  sev.sigev_notify = SIGEV_THREAD_ID;
  pid_t other = fork();
  if (other == 0) {
    pause();
    _exit(0);
  }
  sev._sigev_un._tid = other;
  SHOW("thread_id of another process", timer_create(CLOCK_MONOTONIC, &sev, &tid));
  kill(other, SIGKILL);

  /* signalfd: blocked signals read as records; poll sees them. */
  sigset_t sfm;
  sigemptyset(&sfm);
  sigaddset(&sfm, SIGUSR2);
  sigaddset(&sfm, SIGRTMIN + 2);
  sigprocmask(SIG_BLOCK, &sfm, 0);
  int sfd = signalfd(-1, &sfm, SFD_NONBLOCK | SFD_CLOEXEC);
  struct signalfd_siginfo ssi[4];
  SHOW("signalfd empty read", read(sfd, ssi, sizeof ssi));
  struct pollfd pfd = {.fd = sfd, .events = POLLIN};
  SHOW("poll before", poll(&pfd, 1, 0));
  kill(getpid(), SIGUSR2);
  union sigval sv = {.sival_int = 1234};
  sigqueue(getpid(), SIGRTMIN + 2, sv);
  SHOW("poll after", poll(&pfd, 1, 0));
  ssize_t got = read(sfd, ssi, sizeof ssi);
  printf("signalfd read %zd records %zu\n", got, got > 0 ? (size_t)got / sizeof ssi[0] : 0);
  for (int i = 0; i < got / (ssize_t)sizeof ssi[0]; i++)
    printf("  signo ok %d code %d pid ok %d int %d\n", ssi[i].ssi_signo == SIGUSR2 || ssi[i].ssi_signo == (unsigned)SIGRTMIN + 2, ssi[i].ssi_code,
           ssi[i].ssi_pid == (unsigned)getpid(), ssi[i].ssi_int);
  SHOW("signalfd short read", read(sfd, ssi, 16));
  SHOW("signalfd on a pipe", signalfd(1, &sfm, 0));
  close(sfd);

  /* Real-time signals queue (each sigqueue value arrives), standard ones do not;
   * unblocked together, the lowest number is delivered first. */
  struct sigaction rq;
  memset(&rq, 0, sizeof rq);
  rq.sa_sigaction = on_record;
  rq.sa_flags = SA_SIGINFO;
  sigaction(SIGRTMIN + 3, &rq, 0);
  sigaction(SIGUSR1, &rq, 0);
  sigaction(SIGUSR2, &rq, 0);
  sigset_t rqs;
  sigemptyset(&rqs);
  sigaddset(&rqs, SIGRTMIN + 3);
  sigaddset(&rqs, SIGUSR1);
  sigaddset(&rqs, SIGUSR2);
  sigprocmask(SIG_BLOCK, &rqs, 0);
  for (int i = 1; i <= 3; i++) {
    union sigval val = {.sival_int = i};
    sigqueue(getpid(), SIGRTMIN + 3, val);
  }
  kill(getpid(), SIGUSR2);
  kill(getpid(), SIGUSR2);
  kill(getpid(), SIGUSR1);
  sigprocmask(SIG_UNBLOCK, &rqs, 0);
  printf("delivered:");
  for (int i = 0; i < nrecords; i++) printf(" %s%d", records[i][0] == SIGUSR1 ? "USR1" : records[i][0] == SIGUSR2 ? "USR2" : "RT", records[i][1]);
  printf("\n");

  /* CPU clocks and accounting move forward; times and getrusage agree on the idea. */
  struct timespec c0, c1, t0, t1;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
  pthread_t th;
  pthread_create(&th, 0, burn, 0);
  pthread_join(th, 0);
  burn(0);
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
  double dp = (c1.tv_sec - c0.tv_sec) + (c1.tv_nsec - c0.tv_nsec) / 1e9;
  double dt = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
  printf("process cpu grew %d, thread cpu grew %d, process >= thread %d\n", dp > 0, dt > 0, dp >= dt);
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  printf("rusage: time %d maxrss %d\n", ru.ru_utime.tv_sec + ru.ru_utime.tv_usec + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec > 0, ru.ru_maxrss > 0);
  struct tms tm;
  printf("times ok %d\n", times(&tm) != (clock_t)-1);
  struct timespec res;
  clock_getres(CLOCK_MONOTONIC, &res);
  printf("monotonic res %ld ns\n", res.tv_nsec);
  clock_getres(CLOCK_PROCESS_CPUTIME_ID, &res);
  printf("cputime res %ld ns\n", res.tv_nsec);
  return 0;
}
