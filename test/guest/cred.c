/* Credentials and resource limits: the setuid family with real/effective/saved
 * ids and their permission rules, supplementary groups, files created with the
 * effective ids, sethostname refused without privilege, RLIMIT_NOFILE enforced
 * on descriptor allocation, RLIMIT_NPROC on fork, prlimit on another process.
 * Starts as root (as the test harness and the VM's default user are). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHECK(what, expr) do { errno = 0; long r_ = (long)(expr); printf("%s: %ld %s\n", what, r_, r_ < 0 ? strerror(errno) : ""); } while (0)

static void ids(const char *when) {
  uid_t r, e, s;
  gid_t gr, ge, gs;
  getresuid(&r, &e, &s);
  getresgid(&gr, &ge, &gs);
  printf("%s: uid %d/%d/%d gid %d/%d/%d getuid=%d geteuid=%d\n", when, (int)r, (int)e, (int)s, (int)gr, (int)ge, (int)gs, (int)getuid(), (int)geteuid());
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  if (geteuid() != 0) {
    printf("must start as root\n");
    return 1;
  }
  ids("start");
  gid_t gs[3] = {30, 10, 20};
  CHECK("setgroups", setgroups(3, gs));
  gid_t got[8];
  int n = getgroups(8, got);
  printf("getgroups: %d [%d %d %d]\n", n, (int)got[0], (int)got[1], (int)got[2]);
  CHECK("getgroups count", getgroups(0, NULL));
  CHECK("getgroups too small", getgroups(1, got));

  pid_t pid = fork();
  if (pid == 0) {
    CHECK("setresgid", setresgid(100, 100, 0));
    CHECK("setresuid", setresuid(1000, 1000, 0));
    ids("dropped");
    CHECK("setgroups unprivileged", setgroups(0, NULL));
    CHECK("sethostname unprivileged", sethostname("x", 1));
    CHECK("setuid to saved root", setuid(0));
    ids("after setuid(0)");
    CHECK("seteuid back to 1000", seteuid(1000));
    ids("after seteuid");
    CHECK("setuid(2000) not allowed", setuid(2000));
    CHECK("setreuid(-1, 0)", setreuid(-1, 0));
    ids("after setreuid");
    CHECK("setuid(1000) as root", setuid(1000));
    ids("after setuid(1000)");
    CHECK("setuid(0) now impossible", setuid(0));
    CHECK("setresuid(-1,-1,-1)", setresuid(-1, -1, -1));
    unlink("/tmp/wvm-cred-test");
    int fd = open("/tmp/wvm-cred-test", O_CREAT | O_WRONLY, 0644);
    struct stat st;
    fstat(fd, &st);
    printf("file owner %d:%d\n", (int)st.st_uid, (int)st.st_gid);
    CHECK("chown unprivileged", fchown(fd, 0, 0));
    CHECK("chmod own file", fchmod(fd, 0600));
    close(fd);
    unlink("/tmp/wvm-cred-test");
    _exit(0);
  }
  int status;
  waitpid(pid, &status, 0);
  printf("child status %d\n", status);

  /* File permissions against the effective ids (the real ones for access(2)). */
  mkdir("/tmp/wvm-perm", 0755);
  mkdir("/tmp/wvm-perm/private", 0700);
  int sf = open("/tmp/wvm-perm/secret", O_CREAT | O_WRONLY | O_TRUNC, 0600);
  close(sf);
  sf = open("/tmp/wvm-perm/readable", O_CREAT | O_WRONLY | O_TRUNC, 0644);
  write(sf, "#!/bin/sh\n", 10);
  close(sf);
  pid = fork();
  if (pid == 0) {
    setgroups(0, NULL);
    setresgid(100, 100, 100);
    CHECK("setresuid keeping saved root", setresuid(1000, 1000, 0));
    CHECK("open 0600 root file", open("/tmp/wvm-perm/secret", O_RDONLY));
    int fd = open("/tmp/wvm-perm/readable", O_RDONLY);
    printf("open 0644 for reading: %d\n", fd >= 0);
    close(fd);
    CHECK("open 0644 for writing", open("/tmp/wvm-perm/readable", O_WRONLY));
    CHECK("create in 0755 root dir", open("/tmp/wvm-perm/new", O_CREAT | O_WRONLY, 0644));
    CHECK("mkdir existing name in 0755 dir", mkdir("/tmp/wvm-perm/private", 0700));
    CHECK("search 0700 dir", open("/tmp/wvm-perm/private/x", O_RDONLY));
    CHECK("unlink in 0755 root dir", unlink("/tmp/wvm-perm/readable"));
    CHECK("exec a 0644 file", execl("/tmp/wvm-perm/readable", "readable", (char *)NULL));
    CHECK("access R_OK secret", access("/tmp/wvm-perm/secret", R_OK));
    CHECK("access F_OK secret", access("/tmp/wvm-perm/secret", F_OK));
    CHECK("faccessat AT_EACCESS", faccessat(AT_FDCWD, "/tmp/wvm-perm/readable", R_OK | W_OK, AT_EACCESS));
    CHECK("seteuid(0) with saved root", seteuid(0));
    CHECK("access W_OK uses the real uid", access("/tmp/wvm-perm/readable", W_OK));
    CHECK("faccessat AT_EACCESS as euid 0", faccessat(AT_FDCWD, "/tmp/wvm-perm/readable", W_OK, AT_EACCESS));
    seteuid(1000);
    fd = open("/tmp/wvm-perm-mine", O_CREAT | O_WRONLY | O_TRUNC, 0600);
    close(fd);
    _exit(0);
  }
  waitpid(pid, &status, 0);
  printf("child status %d\n", status);
  pid = fork();
  if (pid == 0) {
    setresuid(2000, 2000, 2000);
    CHECK("unlink another user's file in sticky /tmp", unlink("/tmp/wvm-perm-mine"));
    _exit(0);
  }
  waitpid(pid, &status, 0);
  unlink("/tmp/wvm-perm-mine");
  unlink("/tmp/wvm-perm/secret");
  unlink("/tmp/wvm-perm/readable");
  rmdir("/tmp/wvm-perm/private");
  rmdir("/tmp/wvm-perm");
  CHECK("sethostname too long", sethostname("0123456789012345678901234567890123456789012345678901234567890123456789", 70));

  /* RLIMIT_NOFILE */
  struct rlimit rl = {8, 64};
  CHECK("setrlimit NOFILE", setrlimit(RLIMIT_NOFILE, &rl));
  struct rlimit cur;
  getrlimit(RLIMIT_NOFILE, &cur);
  printf("nofile %ld %ld\n", (long)cur.rlim_cur, (long)cur.rlim_max);
  int last = -1, opened = 0;
  for (int i = 0; i < 20; i++) {
    int fd = open("/", O_RDONLY);
    if (fd < 0) { printf("open #%d: %s\n", i, strerror(errno)); break; }
    last = fd;
    opened++;
  }
  printf("opened %d, last fd %d\n", opened, last);
  CHECK("dup2 past limit", dup2(0, 8));
  CHECK("F_DUPFD past limit", fcntl(0, F_DUPFD, 9));
  int p[2];
  CHECK("pipe at limit", pipe(p));
  for (int fd = 3; fd <= last; fd++) close(fd);
  rl.rlim_cur = 100;
  rl.rlim_max = 64;
  CHECK("soft above hard", setrlimit(RLIMIT_NOFILE, &rl));
  /* (Raising the hard limit needs CAP_SYS_RESOURCE, which a container's root may lack: not tested.) */
  rl.rlim_cur = 64;
  rl.rlim_max = 64;
  CHECK("raise soft to hard", setrlimit(RLIMIT_NOFILE, &rl));

  /* RLIMIT_NPROC applies to unprivileged users. */
  pid = fork();
  if (pid == 0) {
    struct rlimit np = {0, 0};
    setresuid(1000, 1000, 1000);
    setrlimit(RLIMIT_NPROC, &np);
    pid_t c = fork();
    if (c == 0) _exit(0);
    printf("fork with NPROC 0: %d %s\n", c < 0 ? -1 : 0, c < 0 ? strerror(errno) : "");
    if (c > 0) waitpid(c, NULL, 0);
    np.rlim_cur = np.rlim_max = 1;
    CHECK("raise NPROC hard unprivileged", setrlimit(RLIMIT_NPROC, &np));
    _exit(0);
  }
  waitpid(pid, &status, 0);

  /* prlimit on a child */
  int go[2];
  pipe(go);
  pid = fork();
  if (pid == 0) {
    char c;
    read(go[0], &c, 1);
    struct rlimit r;
    getrlimit(RLIMIT_CORE, &r);
    printf("child sees core %ld %ld\n", (long)r.rlim_cur, (long)r.rlim_max);
    _exit(0);
  }
  struct rlimit nl = {4096, 8192}, old;
  CHECK("prlimit child CORE", prlimit(pid, RLIMIT_CORE, &nl, &old));
  write(go[1], "x", 1);
  waitpid(pid, &status, 0);
  CHECK("prlimit bad resource", prlimit(0, 99, NULL, &old));
  CHECK("getrlimit bad resource", getrlimit(99, &old));
  return 0;
}
