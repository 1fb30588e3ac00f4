/* Advisory locks between processes: fcntl record locks (F_SETLK, F_GETLK,
 * F_SETLKW waiting for a child to unlock, split and merged ranges, release
 * on close of any descriptor), OFD locks, flock; plus sendfile, copy_file_range,
 * splice refusing, and pipe sizes (F_GETPIPE_SZ/F_SETPIPE_SZ). Works in /tmp. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/sendfile.h>
#include <sys/wait.h>
#include <unistd.h>
#include "sleeping.h"

#define CHECK(what, expr) do { errno = 0; long r_ = (long)(expr); printf("%s: %ld %s\n", what, r_, r_ < 0 ? strerror(errno) : ""); } while (0)
#define F "/tmp/wvm-locks-test"

static int lk(int fd, int cmd, short type, off_t start, off_t len) {
  struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len};
  return fcntl(fd, cmd, &fl);
}

static void getlk(int fd, short type, off_t start, off_t len, pid_t child) {
  struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len};
  int r = fcntl(fd, F_GETLK, &fl);
  printf("  GETLK %d [%ld,+%ld): r=%d type=%d start=%ld len=%ld pid=%s\n", type, (long)start, (long)len, r, fl.l_type,
         (long)fl.l_start, (long)fl.l_len, fl.l_type == F_UNLCK ? "-" : fl.l_pid == child ? "child" : fl.l_pid == getpid() ? "me" : "other");
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  unlink(F);
  int fd = open(F, O_CREAT | O_RDWR, 0600);
  write(fd, "0123456789abcdefghij", 20);
  int go[2], done[2];
  pipe(go);
  pipe(done);
  pid_t pid = fork();
  if (pid == 0) {
    int cfd = open(F, O_RDWR);
    lk(cfd, F_SETLK, F_WRLCK, 0, 10);
    lk(cfd, F_SETLK, F_RDLCK, 15, 0);
    write(go[1], "1", 1);
    char c;
    read(done[0], &c, 1);   /* parent tested; now release part and exit later */
    lk(cfd, F_SETLK, F_UNLCK, 0, 5);
    write(go[1], "2", 1);
    read(done[0], &c, 1);
    usleep(50000);
    /* Closing ANY descriptor of the file drops this process's locks. */
    int other = open(F, O_RDONLY);
    close(other);
    read(done[0], &c, 1);
    _exit(0);
  }
  char c;
  read(go[0], &c, 1);
  getlk(fd, F_WRLCK, 0, 1, pid);
  getlk(fd, F_RDLCK, 12, 2, pid);
  getlk(fd, F_RDLCK, 16, 1, pid);
  getlk(fd, F_WRLCK, 16, 1, pid);
  getlk(fd, F_WRLCK, 10, 5, pid);
  CHECK("SETLK write over child's", lk(fd, F_SETLK, F_WRLCK, 5, 1));
  CHECK("SETLK read over child's read", lk(fd, F_SETLK, F_RDLCK, 20, 5));
  CHECK("SETLK write in the gap", lk(fd, F_SETLK, F_WRLCK, 10, 5));
  write(done[1], "x", 1);
  read(go[0], &c, 1);
  getlk(fd, F_WRLCK, 0, 5, pid);
  getlk(fd, F_WRLCK, 0, 6, pid);
  write(done[1], "x", 1);
  CHECK("SETLKW waits for the child's close", lk(fd, F_SETLKW, F_WRLCK, 0, 10));
  getlk(fd, F_WRLCK, 0, 0, pid);
  write(done[1], "x", 1);
  int st;
  waitpid(pid, &st, 0);
  printf("child status %d\n", st);
  CHECK("GETLK bad type", lk(fd, F_GETLK, 7, 0, 1));
  CHECK("SETLK negative start", lk(fd, F_SETLK, F_RDLCK, -5, 1));
  int ro = open(F, O_RDONLY);
  CHECK("write lock on read-only fd", lk(ro, F_SETLK, F_WRLCK, 0, 1));
  close(ro);
  CHECK("unlock all", lk(fd, F_SETLK, F_UNLCK, 0, 0));

  /* Deadlock: we hold [0,1), the child holds [1,2) and waits for ours; asking for its lock is EDEADLK. */
  CHECK("lock byte 0", lk(fd, F_SETLK, F_WRLCK, 0, 1));
  pid = fork();
  if (pid == 0) {
    int cfd = open(F, O_RDWR);
    lk(cfd, F_SETLK, F_WRLCK, 1, 1);
    write(go[1], "r", 1);
    int r = lk(cfd, F_SETLKW, F_WRLCK, 0, 1);
    _exit(r == 0 ? 5 : 6); /* the status says it, so the output order does not depend on scheduling */
  }
  read(go[0], &c, 1);
  sleeping(pid); /* the child is in F_SETLKW */
  CHECK("SETLKW that would deadlock", lk(fd, F_SETLKW, F_WRLCK, 1, 1));
  CHECK("unlock byte 0", lk(fd, F_SETLK, F_UNLCK, 0, 1));
  waitpid(pid, &st, 0);
  printf("child got byte 0 after we let go: exit %d\n", WEXITSTATUS(st));

  /* OFD locks: owned by the open file, so two opens in one process conflict. */
  int a = open(F, O_RDWR), b = open(F, O_RDWR);
  struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 4};
  CHECK("OFD lock a", fcntl(a, F_OFD_SETLK, &fl));
  CHECK("OFD lock b conflicts", fcntl(b, F_OFD_SETLK, &fl));
  struct flock q = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1};
  CHECK("OFD GETLK from b", fcntl(b, F_OFD_GETLK, &q));
  printf("  type=%d pid=%d\n", q.l_type, q.l_pid);
  CHECK("posix lock vs OFD", lk(fd, F_SETLK, F_WRLCK, 2, 1));
  fl.l_pid = 5;
  CHECK("OFD with l_pid", fcntl(b, F_OFD_SETLK, &fl));
  close(a);
  fl.l_pid = 0;
  CHECK("OFD lock b after a closed", fcntl(b, F_OFD_SETLK, &fl));
  close(b);

  /* flock: per open file, independent of fcntl locks. */
  a = open(F, O_RDONLY);
  b = open(F, O_RDONLY);
  CHECK("flock a EX", flock(a, LOCK_EX));
  CHECK("flock b SH NB", flock(b, LOCK_SH | LOCK_NB));
  CHECK("fcntl lock unaffected", lk(fd, F_SETLK, F_WRLCK, 0, 0));
  int dupa = dup(a);
  close(a);
  CHECK("flock b still blocked (dup keeps it)", flock(b, LOCK_EX | LOCK_NB));
  close(dupa);
  CHECK("flock b after last close", flock(b, LOCK_EX | LOCK_NB));
  pid = fork();
  if (pid == 0) {
    int cfd = open(F, O_RDONLY);
    int r = flock(cfd, LOCK_SH | LOCK_NB);
    printf("child flock NB: %d %s\n", r, r < 0 ? strerror(errno) : "");
    _exit(0);
  }
  waitpid(pid, &st, 0);
  CHECK("flock downgrade", flock(b, LOCK_SH));
  CHECK("flock bad op", flock(b, 77));
  CHECK("flock unlock", flock(b, LOCK_UN));
  close(b);

  /* sendfile / copy_file_range */
  int p[2];
  pipe(p);
  off_t off = 3;
  CHECK("sendfile to pipe at offset", sendfile(p[1], fd, &off, 7));
  printf("  off=%ld\n", (long)off);
  char buf[64] = {0};
  read(p[0], buf, sizeof buf);
  printf("  '%s'\n", buf);
  lseek(fd, 15, SEEK_SET);
  CHECK("sendfile from file position", sendfile(p[1], fd, NULL, 100));
  CHECK("position after", lseek(fd, 0, SEEK_CUR));
  memset(buf, 0, sizeof buf);
  read(p[0], buf, sizeof buf);
  printf("  '%s'\n", buf);
  CHECK("sendfile from bad fd", sendfile(p[1], 99, NULL, 1));
  int g = open(F ".copy", O_CREAT | O_RDWR | O_TRUNC, 0600);
  loff_t in = 10, out = 2;
  CHECK("copy_file_range", copy_file_range(fd, &in, g, &out, 6, 0));
  printf("  in=%lld out=%lld\n", (long long)in, (long long)out);
  memset(buf, 0, sizeof buf);
  CHECK("copy read", pread(g, buf, sizeof buf, 0));
  printf("  [%d %d] '%s'\n", buf[0], buf[1], buf + 2);
  CHECK("copy_file_range flags", copy_file_range(fd, &in, g, &out, 6, 1));
  close(g);
  unlink(F ".copy");

  /* pipe sizes */
  CHECK("F_GETPIPE_SZ", fcntl(p[0], F_GETPIPE_SZ));
  CHECK("F_SETPIPE_SZ 10000", fcntl(p[1], F_SETPIPE_SZ, 10000));
  CHECK("F_GETPIPE_SZ after", fcntl(p[0], F_GETPIPE_SZ));
  CHECK("F_SETPIPE_SZ on a file", fcntl(fd, F_SETPIPE_SZ, 4096));
  fcntl(p[1], F_SETFL, O_NONBLOCK);
  static char big[20000];
  CHECK("fill small pipe", write(p[1], big, sizeof big));
  CHECK("shrink below content", fcntl(p[1], F_SETPIPE_SZ, 4096));
  close(p[0]);
  close(p[1]);
  close(fd);
  unlink(F);
  return 0;
}
