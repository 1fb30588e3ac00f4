/* Named pipes (fifo(7), open(2)) on tmpfs (/tmp) and on the root filesystem
 * (the current directory: ext2 in the VM): blocking-open rendezvous of a
 * forked writer and reader, O_NONBLOCK opens (ENXIO for a writer with no
 * reader, an immediate read open), O_RDWR, EOF after the writer closes,
 * EPIPE and SIGPIPE with no reader, poll, fstat's type and identity, a
 * signal interrupting a blocked open, and data gone after the last close. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHECK(what, expr) do { errno = 0; long r_ = (long)(expr); printf("%s: %ld %s\n", what, r_, r_ < 0 ? strerror(errno) : ""); } while (0)

static volatile int sigpipes, alarms;
static void on_pipe(int s) { (void)s; sigpipes++; }
static void on_alarm(int s) { (void)s; alarms++; }

static void reap(pid_t pid) {
  int st;
  waitpid(pid, &st, 0);
  printf("  child: exited=%d status=%d signaled=%d sig=%d\n", WIFEXITED(st), WIFEXITED(st) ? WEXITSTATUS(st) : 0,
         WIFSIGNALED(st), WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

/* Read to EOF; how the bytes split between reads depends on timing, so only the whole is printed. */
static void readall(int fd, const char *what) {
  char buf[64];
  int total = 0;
  for (;;) {
    ssize_t n = read(fd, buf + total, sizeof buf - 1 - total);
    if (n < 0) { printf("  %s: read error %s\n", what, strerror(errno)); return; }
    if (n == 0) break;
    total += n;
  }
  buf[total] = 0;
  printf("  %s: \"%s\" then EOF\n", what, buf);
}

static void run(const char *path) {
  printf("== %s\n", strchr(path, '/') == path ? "tmpfs" : "root fs");
  unlink(path);
  CHECK("mkfifo", mkfifo(path, 0600));
  struct stat ps;
  stat(path, &ps);

  /* Blocking rendezvous: the parent's read open waits for the child's write open. */
  pid_t pid = fork();
  if (pid == 0) {
    usleep(30000);
    int w = open(path, O_WRONLY);
    if (w < 0) _exit(1);
    write(w, "hello", 5);
    usleep(30000);
    write(w, " world", 6);
    close(w);
    _exit(0);
  }
  int r = open(path, O_RDONLY);
  printf("blocking read open: %s\n", r >= 0 ? "ok" : strerror(errno));
  struct stat fs;
  fstat(r, &fs);
  printf("  fstat: fifo=%d same inode=%d mode=%o size=%lld\n", S_ISFIFO(fs.st_mode), fs.st_ino == ps.st_ino && fs.st_dev == ps.st_dev,
         (unsigned)fs.st_mode, (long long)fs.st_size);
  CHECK("  lseek", lseek(r, 0, SEEK_SET));
  readall(r, "reader");
  reap(pid);
  close(r);

  /* The writer's open waits for a reader. */
  pid = fork();
  if (pid == 0) {
    usleep(30000);
    int rr = open(path, O_RDONLY);
    char buf[16] = {0};
    ssize_t n = read(rr, buf, sizeof buf - 1);
    _exit(n == 4 && strcmp(buf, "ping") == 0 ? 4 : 99);
  }
  int w = open(path, O_WRONLY);
  printf("blocking write open: %s\n", w >= 0 ? "ok" : strerror(errno));
  CHECK("  write", write(w, "ping", 4));
  reap(pid);
  /* The reader is gone: EPIPE and SIGPIPE. */
  struct pollfd pw = {w, POLLOUT, 0};
  CHECK("  poll write end, no reader", poll(&pw, 1, 0));
  printf("  revents=%x\n", pw.revents);
  signal(SIGPIPE, on_pipe);
  CHECK("  write, no reader", write(w, "x", 1));
  printf("  sigpipes=%d\n", sigpipes);
  signal(SIGPIPE, SIG_DFL);
  close(w);

  /* SIGPIPE's default action kills a writer. */
  pid = fork();
  if (pid == 0) {
    int rr = open(path, O_RDONLY | O_NONBLOCK);
    int ww = open(path, O_WRONLY);
    close(rr);
    write(ww, "x", 1);
    _exit(0);
  }
  printf("default SIGPIPE:\n");
  reap(pid);

  /* Non-blocking opens. */
  CHECK("nonblock write open, no reader", open(path, O_WRONLY | O_NONBLOCK));
  int nr = open(path, O_RDONLY | O_NONBLOCK);
  printf("nonblock read open: %s\n", nr >= 0 ? "ok" : strerror(errno));
  CHECK("  read, no writer ever", read(nr, (char[4]){0}, 4));
  struct pollfd pr = {nr, POLLIN, 0};
  CHECK("  poll, no writer yet", poll(&pr, 1, 0));
  printf("  revents=%x\n", pr.revents);
  int nw = open(path, O_WRONLY | O_NONBLOCK);
  printf("nonblock write open with a reader: %s\n", nw >= 0 ? "ok" : strerror(errno));
  CHECK("  read, writer, empty", read(nr, (char[4]){0}, 4));
  CHECK("  poll, empty", poll(&pr, 1, 0));
  printf("  revents=%x\n", pr.revents);
  write(nw, "abc", 3);
  CHECK("  poll, data", poll(&pr, 1, 0));
  printf("  revents=%x\n", pr.revents);
  int avail = -1;
  ioctl(nr, FIONREAD, &avail);
  printf("  FIONREAD=%d\n", avail);
  close(nw);
  CHECK("  poll, data, writer gone", poll(&pr, 1, 0));
  printf("  revents=%x\n", pr.revents);
  readall(nr, "nonblock reader");
  CHECK("  poll, writer gone", poll(&pr, 1, 0));
  printf("  revents=%x\n", pr.revents);
  close(nr);

  /* O_RDWR: both ends at once, never waits. */
  int rw = open(path, O_RDWR);
  printf("O_RDWR open: %s\n", rw >= 0 ? "ok" : strerror(errno));
  CHECK("  write", write(rw, "both", 4));
  struct pollfd pb = {rw, POLLIN | POLLOUT, 0};
  CHECK("  poll", poll(&pb, 1, 0));
  printf("  revents=%x\n", pb.revents);
  char buf[8] = {0};
  CHECK("  read", read(rw, buf, 7));
  printf("  \"%s\"\n", buf);
  /* A second opener shares the pipe. */
  int w2 = open(path, O_WRONLY);
  CHECK("  write via second open", write(w2, "shared", 6));
  memset(buf, 0, sizeof buf);
  CHECK("  read", read(rw, buf, 7));
  printf("  \"%s\"\n", buf);
  /* Data left when every end closes is dropped. */
  write(w2, "lost", 4);
  close(w2);
  close(rw);
  nr = open(path, O_RDONLY | O_NONBLOCK);
  CHECK("after last close, read", read(nr, buf, 7));
  close(nr);

  /* A signal ends a blocked open with EINTR (no SA_RESTART). */
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_alarm;
  sigaction(SIGALRM, &sa, NULL);
  alarm(1);
  CHECK("blocked read open, alarm", open(path, O_RDONLY));
  printf("  alarms=%d\n", alarms);
  alarm(1);
  CHECK("blocked write open, alarm", open(path, O_WRONLY));
  printf("  alarms=%d\n", alarms);
  /* With SA_RESTART the open restarts and completes when a writer comes. */
  sa.sa_flags = SA_RESTART;
  sigaction(SIGALRM, &sa, NULL);
  pid = fork();
  if (pid == 0) {
    usleep(300000);
    int ww = open(path, O_WRONLY);
    write(ww, "late", 4);
    _exit(0);
  }
  ualarm(100000, 0);
  r = open(path, O_RDONLY);
  printf("restarted read open: %s alarms=%d\n", r >= 0 ? "ok" : strerror(errno), alarms);
  readall(r, "restarted reader");
  reap(pid);
  close(r);
  signal(SIGALRM, SIG_DFL);

  CHECK("unlink", unlink(path));
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  char cwdfifo[64];
  snprintf(cwdfifo, sizeof cwdfifo, "wvm-fifo-test-%d", (int)getpid());
  run("/tmp/wvm-fifo-test");
  run(cwdfifo);
  return 0;
}
