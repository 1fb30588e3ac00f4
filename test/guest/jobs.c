/* Job control: stop and continue statuses from waitpid (WUNTRACED,
 * WCONTINUED) and waitid (P_PID, P_PGID, P_ALL, WNOWAIT, siginfo), SIGCHLD
 * for stops (and SA_NOCLDSTOP), a fatal signal ending a stopped process,
 * stops discarded in an orphaned process group, and a controlling
 * pseudo-terminal: ISIG's ^C and ^Z to the foreground group, SIGTTIN for a
 * background read, SIGTTOU for a background write with TOSTOP and for a
 * background tcsetattr, SIGWINCH on a size change, tcgetsid/tcgetpgrp. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static void status(const char *what, pid_t r, pid_t pid, int st) {
  printf("%s: %s status=%#x", what, r == pid ? "pid" : r == 0 ? "0" : "other", st);
  if (WIFEXITED(st)) printf(" exited %d", WEXITSTATUS(st));
  if (WIFSIGNALED(st)) printf(" killed %d", WTERMSIG(st));
  if (WIFSTOPPED(st)) printf(" stopped %d", WSTOPSIG(st));
  if (WIFCONTINUED(st)) printf(" continued");
  printf("\n");
}

static void info(const char *what, int r, siginfo_t *si, pid_t pid) {
  printf("%s: r=%d signo=%d code=%d pid=%s status=%d\n", what, r, si->si_signo, si->si_code,
         si->si_pid == pid ? "child" : si->si_pid == 0 ? "0" : "other", si->si_status);
}

static volatile int chld_code, chld_status, chld_count;
static void on_chld(int sig, siginfo_t *si, void *uc) {
  (void)sig, (void)uc;
  chld_code = si->si_code;
  chld_status = si->si_status;
  chld_count++;
}

static volatile int got;
static void on_sig(int sig) { got = sig; }

static pid_t sleeper(void) {
  pid_t pid = fork();
  if (pid == 0) {
    setpgid(0, 0);
    for (;;) pause();
  }
  setpgid(pid, pid);
  return pid;
}

static void basic(void) {
  int st, hold[2];
  pipe(hold);
  pid_t pid = fork();
  if (pid == 0) {
    close(hold[1]);
    raise(SIGSTOP);
    char x;
    read(hold[0], &x, 1);
    _exit(7);
  }
  close(hold[0]);
  pid_t r = waitpid(pid, &st, WUNTRACED);
  status("SIGSTOP", r, pid, st);
  r = waitpid(pid, &st, WNOHANG | WUNTRACED);
  status("stop reported once", r, pid, st = 0);
  kill(pid, SIGCONT);
  r = waitpid(pid, &st, WCONTINUED);
  status("SIGCONT", r, pid, st);
  close(hold[1]);
  r = waitpid(pid, &st, 0);
  status("exit", r, pid, st);

  /* SIGTSTP's default action in a group that is not orphaned; waitid's reports. */
  pid = sleeper();
  kill(pid, SIGTSTP);
  siginfo_t si;
  memset(&si, 0, sizeof si);
  r = waitid(P_PID, pid, &si, WSTOPPED | WNOWAIT);
  info("waitid WSTOPPED|WNOWAIT", r, &si, pid);
  memset(&si, 0, sizeof si);
  r = waitid(P_PGID, pid, &si, WSTOPPED);
  info("waitid P_PGID WSTOPPED", r, &si, pid);
  memset(&si, 0xff, sizeof si);
  r = waitid(P_PID, pid, &si, WSTOPPED | WNOHANG);
  info("waitid again WNOHANG", r, &si, pid);
  kill(pid, SIGCONT);
  memset(&si, 0, sizeof si);
  r = waitid(P_ALL, 0, &si, WCONTINUED);
  info("waitid WCONTINUED", r, &si, pid);
  /* A stopped process keeps a fatal signal pending until continued. */
  kill(pid, SIGSTOP);
  waitpid(pid, &st, WUNTRACED);
  status("stopped again", pid, pid, st);
  kill(pid, SIGTERM);
  memset(&si, 0, sizeof si);
  r = waitid(P_PID, pid, &si, WEXITED | WNOHANG);
  info("SIGTERM while stopped", r, &si, 0);
  kill(pid, SIGCONT);
  memset(&si, 0, sizeof si);
  r = waitid(P_PID, pid, &si, WEXITED);
  info("SIGTERM after SIGCONT", r, &si, pid);
  r = waitid(P_PID, pid, &si, WEXITED);
  printf("waitid reaped: %d %s\n", r, strerror(errno));
  r = waitid(P_PID, pid, &si, 0);
  printf("waitid no options: %d %s\n", r, strerror(errno));

  /* SIGCHLD for stops and continues, unless SA_NOCLDSTOP. */
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_chld;
  sa.sa_flags = SA_SIGINFO | SA_RESTART;
  sigaction(SIGCHLD, &sa, NULL);
  pid = sleeper();
  kill(pid, SIGTSTP);
  waitpid(pid, &st, WUNTRACED);
  printf("SIGCHLD on stop: count=%d code=%d status=%d\n", chld_count, chld_code, chld_status);
  kill(pid, SIGCONT);
  waitpid(pid, &st, WCONTINUED);
  sa.sa_flags |= SA_NOCLDSTOP;
  sigaction(SIGCHLD, &sa, NULL);
  chld_count = 0;
  kill(pid, SIGSTOP);
  waitpid(pid, &st, WUNTRACED);
  kill(pid, SIGCONT);
  waitpid(pid, &st, WCONTINUED);
  printf("SA_NOCLDSTOP: count=%d\n", chld_count);
  kill(pid, SIGKILL);
  waitpid(pid, &st, 0);
  status("SIGKILL", pid, pid, st);
  printf("SIGCHLD on exit: count=%d code=%d status=%d\n", chld_count, chld_code, chld_status);
  signal(SIGCHLD, SIG_DFL);

  /* A group none of whose members has a parent in another group of the same session is
   * orphaned: here a new session's leader and its child. SIGTSTP is discarded, SIGSTOP is not. */
  int p[2];
  pipe(p);
  pid = fork();
  if (pid == 0) {
    setsid();
    pid_t g = fork();
    if (g == 0) {
      raise(SIGTSTP);
      write(p[1], "t", 1);
      raise(SIGSTOP);
      write(p[1], "s", 1);
      _exit(0);
    }
    waitpid(g, &st, WUNTRACED);
    status("orphaned SIGSTOP", g, g, st);
    kill(g, SIGKILL);
    waitpid(g, &st, 0);
    _exit(0);
  }
  waitpid(pid, &st, 0);
  char c = 0;
  read(p[0], &c, 1);
  printf("orphaned SIGTSTP discarded: %c\n", c);
  fcntl(p[0], F_SETFL, O_NONBLOCK);
  int n = read(p[0], &c, 1);
  printf("nothing after SIGSTOP: %d\n", n < 0);

  /* setpgid: a group to join must exist in the session. */
  pid_t a = sleeper(), b = fork();
  if (b == 0) {
    for (;;) pause();
  }
  r = setpgid(b, 99999);
  printf("setpgid to a missing group: %d %s\n", r, strerror(errno));
  r = setpgid(b, a);
  printf("setpgid into a sibling's group: %d same=%d\n", r, getpgid(b) == a);
  kill(a, SIGKILL);
  kill(b, SIGKILL);
  waitpid(a, &st, 0);
  waitpid(b, &st, 0);
}

/* A pty master, not our controlling terminal; the slave's path goes to `name`. */
static int open_master(char name[64]) {
  int m = posix_openpt(O_RDWR | O_NOCTTY);
  grantpt(m);
  unlockpt(m);
  strcpy(name, ptsname(m));
  return m;
}

/* The session side: a child leads a session whose controlling terminal is the pty slave. */
static void session(void) {
  char name[64];
  int m = open_master(name);
  int sync[2];
  pipe(sync);
  pid_t leader = fork();
  if (leader == 0) {
    close(m);
    setsid();
    int s = open(name, O_RDWR);
    printf("ctty: tcgetsid=%s tcgetpgrp=%s\n", tcgetsid(s) == getpid() ? "self" : "other", tcgetpgrp(s) == getpid() ? "self" : "other");
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sig;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGWINCH, &sa, NULL);
    write(sync[1], "r", 1);
    char buf[32];
    int r = read(s, buf, sizeof buf);
    printf("^C during read: r=%d %s got=%d\n", r, r < 0 ? strerror(errno) : "", got);
    got = 0;
    write(sync[1], "w", 1);
    pause();
    printf("SIGWINCH: got=%d\n", got);

    /* A foreground job in its own group, stopped by ^Z. */
    pid_t job = fork();
    if (job == 0) {
      setpgid(0, 0);
      signal(SIGTTOU, SIG_IGN);
      tcsetpgrp(s, getpid());
      signal(SIGTTOU, SIG_DFL);
      write(sync[1], "j", 1);
      char b[8];
      for (;;) read(s, b, sizeof b);
    }
    setpgid(job, job);
    signal(SIGTTOU, SIG_IGN);
    int st;
    pid_t w = waitpid(job, &st, WUNTRACED);
    status("^Z", w, job, st);
    printf("foreground after ^Z: %s\n", tcgetpgrp(s) == job ? "job" : "other");
    tcsetpgrp(s, getpid());
    /* Continued in the background, its read stops it again with SIGTTIN. */
    kill(job, SIGCONT);
    w = waitpid(job, &st, WUNTRACED);
    status("background read", w, job, st);
    kill(job, SIGKILL);
    waitpid(job, &st, 0);

    /* TOSTOP: a background write stops with SIGTTOU; so does a background tcsetattr. */
    struct termios t;
    tcgetattr(s, &t);
    t.c_lflag |= TOSTOP;
    tcsetattr(s, TCSANOW, &t);
    job = fork();
    if (job == 0) {
      setpgid(0, 0);
      signal(SIGTTOU, SIG_DFL);
      write(s, "bg\n", 3);
      _exit(3);
    }
    setpgid(job, job);
    w = waitpid(job, &st, WUNTRACED);
    status("background write", w, job, st);
    kill(job, SIGKILL);
    waitpid(job, &st, 0);
    t.c_lflag &= ~TOSTOP;
    tcsetattr(s, TCSANOW, &t);
    job = fork();
    if (job == 0) {
      setpgid(0, 0);
      signal(SIGTTOU, SIG_DFL);
      write(s, "ok\n", 3);
      tcsetattr(s, TCSANOW, &t);
      _exit(4);
    }
    setpgid(job, job);
    w = waitpid(job, &st, WUNTRACED);
    status("background tcsetattr", w, job, st);
    kill(job, SIGCONT);
    kill(job, SIGKILL);
    waitpid(job, &st, 0);
    /* With SIGTTOU ignored the background tcsetattr goes ahead. */
    job = fork();
    if (job == 0) {
      setpgid(0, 0);
      printf("ignored SIGTTOU: tcsetattr=%d\n", tcsetattr(s, TCSANOW, &t));
      printf("ignored SIGTTOU: tcsetpgrp to self=%d\n", tcsetpgrp(s, getpid()));
      _exit(5);
    }
    setpgid(job, job);
    w = waitpid(job, &st, WUNTRACED);
    status("ignored SIGTTOU", w, job, st);
    printf("foreground now: %s\n", tcgetpgrp(s) == job ? "job" : "other");
    tcsetpgrp(s, getpid());
    /* A background read with SIGTTIN ignored: EIO. */
    job = fork();
    if (job == 0) {
      setpgid(0, 0);
      signal(SIGTTIN, SIG_IGN);
      char b[4];
      int r2 = read(s, b, 4);
      printf("background read, SIGTTIN ignored: %d %s\n", r2, strerror(errno));
      _exit(6);
    }
    setpgid(job, job);
    waitpid(job, &st, 0);
    status("ignored SIGTTIN", job, job, st);
    write(sync[1], "d", 1);
    _exit(0);
  }
  char c;
  read(sync[0], &c, 1);
  usleep(50000);
  write(m, "\x03", 1);
  read(sync[0], &c, 1);
  usleep(50000);
  struct winsize ws = {30, 100, 0, 0};
  ioctl(m, TIOCSWINSZ, &ws);
  read(sync[0], &c, 1);
  usleep(50000);
  write(m, "\x1a", 1);
  read(sync[0], &c, 1);
  int st;
  waitpid(leader, &st, 0);
  status("session leader", leader, leader, st);
  /* What the terminal showed: the echoed ^C and ^Z and the foreground write. */
  char out[256];
  int n = 0, r;
  fcntl(m, F_SETFL, O_NONBLOCK);
  while ((r = read(m, out + n, sizeof out - n)) > 0) n += r;
  printf("terminal:");
  for (int k = 0; k < n; k++) printf(out[k] >= 0x20 && out[k] < 0x7f ? "%c" : "\\x%02x", (unsigned char)out[k]);
  printf("\n");
}

/* Closing the master hangs the terminal up: its session leader gets SIGHUP. */
static void hangup(void) {
  char name[64];
  int m = open_master(name);
  int sync[2];
  pipe(sync);
  pid_t leader = fork();
  if (leader == 0) {
    close(m);
    setsid();
    int s = open(name, O_RDWR);
    write(sync[1], "r", 1);
    char b[8];
    int r = read(s, b, sizeof b);
    printf("leader survived: read=%d\n", r);
    _exit(0);
  }
  char c;
  read(sync[0], &c, 1);
  usleep(50000);
  close(m);
  int st;
  waitpid(leader, &st, 0);
  status("master closed", leader, leader, st);
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  basic();
  session();
  hangup();
  return 0;
}
