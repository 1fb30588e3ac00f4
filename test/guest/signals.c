/*
 * Signal handlers: delivery to oneself (kill, raise), SA_SIGINFO siginfo
 * fields, blocking with sigprocmask and delivery when unblocked, sigpending,
 * SA_RESETHAND, SA_NODEFER, nesting, sigsuspend woken by SIGCHLD, a SIGSEGV
 * handler recovering with siglongjmp (si_addr, si_code), registers and
 * floating point surviving a handler. Prints one line per fact.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t hits, last, depth, maxdepth;
static volatile int code_seen, signo_seen, pid_ok;
static sigjmp_buf jb;
static void *fault_addr;

static void on_usr(int sig) { hits++; last = sig; }
static void on_info(int sig, siginfo_t *si, void *uc) {
  (void)uc;
  signo_seen = si->si_signo == sig;
  code_seen = si->si_code;
  pid_ok = si->si_pid == getpid();
}
static volatile int budget, calls;
static void nested(int sig) {
  depth++;
  calls++;
  if (depth > maxdepth) maxdepth = depth;
  if (budget-- > 0) raise(sig);
  depth--;
}
static void on_segv(int sig, siginfo_t *si, void *uc) {
  (void)sig; (void)uc;
  fault_addr = si->si_addr;
  code_seen = si->si_code;
  siglongjmp(jb, 1);
}
static volatile int chld;
static void on_chld(int sig) { (void)sig; chld++; }

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  signal(SIGUSR1, on_usr);
  kill(getpid(), SIGUSR1);
  raise(SIGUSR1);
  printf("handler ran %d times, last=%d\n", (int)hits, (int)last);

  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_info;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGUSR2, &sa, NULL);
  kill(getpid(), SIGUSR2);
  printf("siginfo: signo matches=%d code=%s pid matches=%d\n", signo_seen, code_seen == SI_USER ? "SI_USER" : code_seen == SI_TKILL ? "SI_TKILL" : "other", pid_ok);

  sigset_t set, old, pend;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  sigprocmask(SIG_BLOCK, &set, &old);
  hits = 0;
  raise(SIGUSR1);
  sigpending(&pend);
  printf("while blocked: hits=%d pending=%d\n", (int)hits, sigismember(&pend, SIGUSR1));
  sigprocmask(SIG_SETMASK, &old, NULL);
  printf("after unblock: hits=%d\n", (int)hits);

  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr;
  sa.sa_flags = SA_RESETHAND;
  sigaction(SIGUSR1, &sa, NULL);
  raise(SIGUSR1);
  struct sigaction now;
  sigaction(SIGUSR1, NULL, &now);
  printf("SA_RESETHAND: handler reset to default=%d\n", now.sa_handler == SIG_DFL);

  memset(&sa, 0, sizeof sa);
  sa.sa_handler = nested;
  sa.sa_flags = SA_NODEFER;
  sigaction(SIGUSR2, &sa, NULL);
  budget = 2;
  raise(SIGUSR2);
  printf("SA_NODEFER nesting depth %d calls %d\n", (int)maxdepth, calls);
  sa.sa_flags = 0;
  depth = maxdepth = calls = 0;
  budget = 2;
  sigaction(SIGUSR2, &sa, NULL);
  raise(SIGUSR2);
  printf("deferred: depth %d calls %d\n", (int)maxdepth, calls);

  /* sigsuspend until a child's SIGCHLD arrives. */
  signal(SIGCHLD, on_chld);
  sigemptyset(&set);
  sigaddset(&set, SIGCHLD);
  sigprocmask(SIG_BLOCK, &set, &old);
  pid_t p = fork();
  if (p == 0) _exit(9);
  sigset_t waitmask;
  sigemptyset(&waitmask);
  int r = sigsuspend(&waitmask);
  int e = errno;
  sigprocmask(SIG_SETMASK, &old, NULL);
  int st;
  waitpid(p, &st, 0);
  printf("sigsuspend returned %d errno=%s, SIGCHLD handled %d, child status %d\n", r, e == EINTR ? "EINTR" : "other", (int)chld, WEXITSTATUS(st));

  /* A SIGSEGV handler recovers with siglongjmp. */
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_segv;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGSEGV, &sa, NULL);
  char *page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (sigsetjmp(jb, 1) == 0) {
    page[100] = 1;
    printf("no fault?\n");
  } else {
    printf("SIGSEGV handled: offset %ld code=%s\n", (long)((char *)fault_addr - page), code_seen == SEGV_ACCERR ? "SEGV_ACCERR" : code_seen == SEGV_MAPERR ? "SEGV_MAPERR" : "other");
  }
  if (sigsetjmp(jb, 1) == 0) {
    *(volatile int *)16 = 1;
  } else {
    printf("NULL-page write: addr %p code=%s\n", fault_addr, code_seen == SEGV_MAPERR ? "SEGV_MAPERR" : "other");
  }

  /* State survives a handler: callee-saved registers and the FPU. */
  volatile double x = 1.5;
  signal(SIGUSR1, on_usr);
  double y = x * 3.0;
  raise(SIGUSR1);
  printf("double after handler %.3f\n", y + x);

  /* Default actions: a child killed by SIGTERM; SIGCHLD ignored by default. */
  signal(SIGCHLD, SIG_DFL);
  if ((p = fork()) == 0) { raise(SIGTERM); _exit(0); }
  waitpid(p, &st, 0);
  printf("child: signaled=%d sig=%d\n", WIFSIGNALED(st), WTERMSIG(st));
  return 0;
}
