/* Timeouts of interrupted calls, and fsync on what cannot be synced.
 *
 * - A sleep or poll stopped (SIGSTOP) and continued is restarted by the kernel with only the time
 *   that was left, not its full timeout again: nanosleep, relative clock_nanosleep and poll keep
 *   their deadline (restart_syscall), select (_newselect), pselect6 and ppoll wait what was left
 *   when they were stopped (the timeout written back). All at once in stopped children; each
 *   prints only whether it took what Linux's rule predicts, within a margin.
 * - With a handler: nanosleep and relative clock_nanosleep end with EINTR (even with SA_RESTART)
 *   and write the time left to `rem`; absolute clock_nanosleep leaves `rem` alone; select,
 *   pselect6 and ppoll write the time left back into their timeout argument.
 * - A timespec with tv_nsec outside [0, 1e9), or a negative one, is EINVAL for nanosleep,
 *   clock_nanosleep, ppoll and pselect6; a negative timeval is EINVAL for select.
 * - fsync/fdatasync: 0 on a file and a directory, EINVAL on a pipe, a terminal (pty master and
 *   slave), a socket, an eventfd, /dev/null and a /proc file (no fsync operation), EBADF on an
 *   O_PATH or closed fd.
 * Timing is only ever printed as pass/fail against generous margins.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TIMEOUT_MS 400
#define MARGIN_MS 200

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

struct ts32 { long sec, nsec; };
struct tv32 { long sec, usec; };

/* Each child: tell the parent it is about to wait, then wait `ms` one way. */
static int wait_once(int how, int ready, int ms) {
  int p[2];
  pipe(p); /* nothing is ever written: a read-ready wait that only times out */
  struct pollfd pf = {p[0], POLLIN, 0};
  fd_set rs;
  FD_ZERO(&rs);
  FD_SET(p[0], &rs);
  struct ts32 ts = {ms / 1000, ms % 1000 * 1000000L};
  struct tv32 tv = {ms / 1000, ms % 1000 * 1000L};
  write(ready, "r", 1);
  long r;
  switch (how) {
  case 0: r = syscall(SYS_nanosleep, &ts, NULL); break;
  case 1: r = syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &ts, NULL); break;
  case 2: r = syscall(SYS_poll, &pf, 1, ms); break;
  case 3: r = syscall(SYS__newselect, p[0] + 1, &rs, NULL, NULL, &tv); break;
  case 4: r = syscall(SYS_pselect6, p[0] + 1, &rs, NULL, NULL, &ts, NULL); break;
  default: r = syscall(SYS_ppoll, &pf, 1, &ts, NULL, 8); break;
  }
  return (int)r;
}

static const char *const names[] = {"nanosleep", "clock_nanosleep", "poll", "select", "pselect6", "ppoll"};
#define NCALLS 6
/* Restarted with its deadline (a restart block) rather than with a timeout written back. */
#define KEEPS_DEADLINE(i) ((i) < 3)
#define STOP_AT_MS 300
#define STOPPED_MS 300
/* Long enough that a slow parent (every block compiled before its first run, a loaded machine)
 * still stops the children while they wait. */
#define WAIT_MS 1200

static void restart_after_stop(void) {
  pid_t pids[NCALLS];
  long long stopped_at[NCALLS];
  int ready[2];
  pipe(ready);
  for (int i = 0; i < NCALLS; i++) {
    pids[i] = fork();
    if (pids[i] == 0) {
      close(ready[0]);
      long long t0 = now_ms();
      int r = wait_once(i, ready[1], WAIT_MS);
      long long took = (now_ms() - t0) / 10;
      _exit(r != 0 ? 255 : took > 254 ? 254 : (int)took);
    }
  }
  char c;
  for (int i = 0; i < NCALLS; i++) read(ready[0], &c, 1);
  /* Run kill and waitpid once before the timed part, so their first run's costs fall outside it. */
  kill(getpid(), 0);
  waitpid(-1, NULL, WNOHANG | WUNTRACED);
  long long start = now_ms();
  usleep(STOP_AT_MS * 1000);
  int stopped = 0;
  for (int i = 0; i < NCALLS; i++) {
    int st;
    kill(pids[i], SIGSTOP);
    stopped_at[i] = now_ms();
    if (waitpid(pids[i], &st, WUNTRACED) == pids[i] && WIFSTOPPED(st)) stopped++;
  }
  usleep(STOPPED_MS * 1000);
  long long continued = now_ms();
  for (int i = 0; i < NCALLS; i++) kill(pids[i], SIGCONT);
  printf("stopped %d of %d waiting children\n", stopped, NCALLS);
  for (int i = 0; i < NCALLS; i++) {
    int st;
    waitpid(pids[i], &st, 0);
    /* Linux: nanosleep and poll keep their deadline (they return at once if it passed while
     * stopped); select, pselect6 and ppoll write back the time left when stopped and wait that
     * long once continued. Restarting with the whole timeout would take far longer than either. */
    long long expect = KEEPS_DEADLINE(i) ? (continued - start > WAIT_MS ? continued - start : WAIT_MS)
                                         : WAIT_MS + (continued - stopped_at[i]);
    const char *verdict = "failed";
    if (WIFEXITED(st) && WEXITSTATUS(st) != 255) {
      long long took = WEXITSTATUS(st) * 10LL;
      verdict = took < expect - 30 ? "too short" : took >= expect + 250 ? "too long" : "as expected";
    }
    printf("%s stopped and continued: %s\n", names[i], verdict);
  }
}

static volatile int alarms;
static void on_alarm(int s) { (void)s; alarms++; }

static void arm(int ms) {
  struct itimerval it = {{0, 0}, {0, ms * 1000}};
  setitimer(ITIMER_REAL, &it, NULL);
}

/* How long the last ALARMED call took, in ms. */
static long long call_ms;

/*
 * The time left, in ms, is plausible: about the TIMEOUT_MS wait less what the call took (the
 * alarm interrupts it some 30 ms in; on a slow machine the call may begin late and be cut short).
 */
static const char *left_ok(long long left) {
  long long want = TIMEOUT_MS - call_ms;
  return left > want - MARGIN_MS && left < want + 20 ? "plausible" : "wrong";
}

/*
 * r = call, with SIGALRM due about 30 ms into it. On a loaded host the alarm can land before the
 * call has begun (at the return from setitimer); then try again with a later one, so that the call
 * is always the thing the signal interrupts.
 */
#define ALARMED(r, call)              \
  for (int ms_ = 30;; ms_ *= 2) {     \
    int before_ = alarms;             \
    arm(ms_);                         \
    if (alarms != before_) continue; \
    long long t0_ = now_ms();         \
    r = (call);                       \
    call_ms = now_ms() - t0_;         \
    break;                            \
  }

static void eintr_with_handler(int flags) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_alarm;
  sa.sa_flags = flags;
  sigaction(SIGALRM, &sa, NULL);
  const char *how = flags ? "SA_RESTART handler" : "handler";

  struct ts32 req = {0, TIMEOUT_MS * 1000000L}, rem = {-1, -1};
  long r = 0;
  ALARMED(r, syscall(SYS_nanosleep, &req, &rem));
  printf("%s: nanosleep %ld %s, rem %s\n", how, r, r ? strerror(errno) : "", left_ok(rem.sec * 1000LL + rem.nsec / 1000000));

  rem.sec = rem.nsec = -1;
  ALARMED(r, syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &req, &rem));
  printf("%s: clock_nanosleep %ld %s, rem %s\n", how, r, r ? strerror(errno) : "", left_ok(rem.sec * 1000LL + rem.nsec / 1000000));

  struct timespec abs;
  clock_gettime(CLOCK_MONOTONIC, &abs);
  abs.tv_nsec += TIMEOUT_MS * 1000000L;
  if (abs.tv_nsec >= 1000000000L) abs.tv_sec++, abs.tv_nsec -= 1000000000L;
  struct ts32 absreq = {abs.tv_sec, abs.tv_nsec};
  rem.sec = rem.nsec = 12345;
  ALARMED(r, syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME, &absreq, &rem));
  printf("%s: absolute clock_nanosleep %ld %s, rem untouched %d\n", how, r, r ? strerror(errno) : "", rem.sec == 12345 && rem.nsec == 12345);

  int p[2];
  pipe(p);
  struct pollfd pf = {p[0], POLLIN, 0};
  ALARMED(r, syscall(SYS_poll, &pf, 1, TIMEOUT_MS));
  printf("%s: poll %ld %s\n", how, r, r < 0 ? strerror(errno) : "");

  fd_set rs;
  FD_ZERO(&rs);
  FD_SET(p[0], &rs);
  struct tv32 tv = {0, TIMEOUT_MS * 1000L};
  ALARMED(r, syscall(SYS__newselect, p[0] + 1, &rs, NULL, NULL, &tv));
  printf("%s: select %ld %s, timeval left %s\n", how, r, r < 0 ? strerror(errno) : "", left_ok(tv.sec * 1000LL + tv.usec / 1000));

  FD_SET(p[0], &rs);
  struct ts32 ts = {0, TIMEOUT_MS * 1000000L};
  ALARMED(r, syscall(SYS_pselect6, p[0] + 1, &rs, NULL, NULL, &ts, NULL));
  printf("%s: pselect6 %ld %s, timespec left %s\n", how, r, r < 0 ? strerror(errno) : "", left_ok(ts.sec * 1000LL + ts.nsec / 1000000));

  ts.sec = 0;
  ts.nsec = TIMEOUT_MS * 1000000L;
  ALARMED(r, syscall(SYS_ppoll, &pf, 1, &ts, NULL, 8));
  printf("%s: ppoll %ld %s, timespec left %s\n", how, r, r < 0 ? strerror(errno) : "", left_ok(ts.sec * 1000LL + ts.nsec / 1000000));

  /* A wait that ends by its fd being ready also reports the time left. */
  write(p[1], "x", 1);
  ts.sec = 5;
  ts.nsec = 0;
  r = syscall(SYS_ppoll, &pf, 1, &ts, NULL, 8);
  printf("%s: ppoll on a ready pipe %ld, timespec left %s\n", how, r, ts.sec == 4 || (ts.sec == 5 && ts.nsec == 0) ? "about 5 s" : "wrong");
  close(p[0]);
  close(p[1]);
}

static void bad_timeouts(void) {
  static const struct ts32 bad[] = {{0, 1000000000L}, {0, -1}, {-1, 0}};
  int p[2];
  pipe(p);
  struct pollfd pf = {p[0], POLLIN, 0};
  for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    struct ts32 ts = bad[i];
    errno = 0;
    long a = syscall(SYS_nanosleep, &ts, NULL);
    int ea = errno;
    errno = 0;
    long b = syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &ts, NULL);
    int eb = errno;
    errno = 0;
    long c = syscall(SYS_ppoll, &pf, 1, &ts, NULL, 8);
    int ec = errno;
    fd_set rs;
    FD_ZERO(&rs);
    FD_SET(p[0], &rs);
    errno = 0;
    long d = syscall(SYS_pselect6, p[0] + 1, &rs, NULL, NULL, &ts, NULL);
    int ed = errno;
    printf("timespec {%ld, %ld}: nanosleep %ld %s, clock_nanosleep %ld %s, ppoll %ld %s, pselect6 %ld %s\n", bad[i].sec, bad[i].nsec,
           a, strerror(ea), b, strerror(eb), c, strerror(ec), d, strerror(ed));
  }
  static const struct tv32 badtv[] = {{-1, 0}, {0, -1}};
  for (unsigned i = 0; i < sizeof badtv / sizeof badtv[0]; i++) {
    struct tv32 tv = badtv[i];
    errno = 0;
    long r = syscall(SYS__newselect, 0, NULL, NULL, NULL, &tv);
    printf("timeval {%ld, %ld}: select %ld %s\n", badtv[i].sec, badtv[i].usec, r, strerror(errno));
  }
  /* Microseconds beyond a second are normalised, not refused: 1.5 s, nearly all left when ready at once. */
  write(p[1], "x", 1);
  fd_set rs;
  FD_ZERO(&rs);
  FD_SET(p[0], &rs);
  struct tv32 tv = {0, 1500000};
  long r = syscall(SYS__newselect, p[0] + 1, &rs, NULL, NULL, &tv);
  printf("timeval {0, 1500000} on a ready pipe: select %ld, left about 1.5 s: %d\n", r, tv.sec == 1 && tv.usec > 300000 && tv.usec <= 500000);
  close(p[0]);
  close(p[1]);
}

static void try_sync(const char *what, int fd) {
  errno = 0;
  int a = fsync(fd);
  int ea = errno;
  errno = 0;
  int b = fdatasync(fd);
  int eb = errno;
  printf("fsync %s: %d %s, fdatasync: %d %s\n", what, a, a ? strerror(ea) : "", b, b ? strerror(eb) : "");
}

static void fsync_kinds(void) {
  int p[2];
  pipe(p);
  try_sync("pipe read end", p[0]);
  try_sync("pipe write end", p[1]);
  int m = posix_openpt(O_RDWR | O_NOCTTY);
  grantpt(m);
  unlockpt(m);
  int s = open(ptsname(m), O_RDWR | O_NOCTTY);
  try_sync("pty master", m);
  try_sync("pty slave", s);
  int sv[2];
  socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
  try_sync("socket", sv[0]);
  try_sync("eventfd", eventfd(0, 0));
  int n = open("/dev/null", O_WRONLY);
  try_sync("/dev/null", n);
  int pr = open("/proc/self/status", O_RDONLY);
  try_sync("/proc/self/status", pr);
  /* This program's own file (read-only is enough) and the root directory: no writes needed. */
  int f = open("/proc/self/exe", O_RDONLY);
  try_sync("regular file", f);
  int d = open("/", O_RDONLY | O_DIRECTORY);
  try_sync("directory", d);
  int op = open("/", O_PATH);
  try_sync("O_PATH", op);
  close(f);
  try_sync("closed fd", f);
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  restart_after_stop();
  eintr_with_handler(0);
  eintr_with_handler(SA_RESTART);
  bad_timeouts();
  fsync_kinds();
  return 0;
}
