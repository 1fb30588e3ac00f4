/* AF_UNIX sockets: socketpair (stream, dgram, seqpacket), MSG_PEEK/DONTWAIT/TRUNC,
 * shutdown, EPIPE and SIGPIPE, MSG_NOSIGNAL, SCM_RIGHTS and SCM_CREDENTIALS,
 * socket options, named sockets (path and abstract) with listen/connect/accept
 * across fork, datagrams with sender addresses, poll readiness, error cases. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile int sigpipes;
static void on_pipe(int s) { (void)s; sigpipes++; }

#define CHECK(what, expr) do { errno = 0; long r_ = (long)(expr); printf("%s: %ld %s\n", what, r_, r_ < 0 ? strerror(errno) : ""); } while (0)

static void pairs(void) {
  int sv[2];
  char buf[64];
  CHECK("socketpair stream", socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
  CHECK("write", write(sv[0], "hello", 5));
  CHECK("send", send(sv[0], " world", 6, 0));
  CHECK("recv peek", recv(sv[1], buf, sizeof buf, MSG_PEEK));
  memset(buf, 0, sizeof buf);
  CHECK("read", read(sv[1], buf, 3));
  printf("got '%s'\n", buf);
  memset(buf, 0, sizeof buf);
  CHECK("recv rest", recv(sv[1], buf, sizeof buf, 0));
  printf("got '%s'\n", buf);
  CHECK("recv dontwait empty", recv(sv[1], buf, sizeof buf, MSG_DONTWAIT));
  CHECK("zero-length stream send", send(sv[0], "", 0, 0));
  CHECK("nothing arrived (not EOF)", recv(sv[1], buf, sizeof buf, MSG_DONTWAIT));
  int type = -1;
  socklen_t len = sizeof type;
  CHECK("SO_TYPE", getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &type, &len));
  printf("type=%d len=%d\n", type, (int)len);
  struct ucred cr;
  len = sizeof cr;
  CHECK("SO_PEERCRED", getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &cr, &len));
  printf("peercred pid-is-me=%d uid=%d gid=%d len=%d\n", cr.pid == getpid(), (int)cr.uid, (int)cr.gid, (int)len);
  int err = 7;
  len = sizeof err;
  CHECK("SO_ERROR", getsockopt(sv[0], SOL_SOCKET, SO_ERROR, &err, &len));
  printf("err=%d\n", err);
  int one = 1;
  CHECK("SO_REUSEADDR", setsockopt(sv[0], SOL_SOCKET, SO_REUSEADDR, &one, sizeof one));
  int sz = 8192;
  CHECK("SO_SNDBUF set", setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz));
  len = sizeof sz;
  CHECK("SO_SNDBUF get", getsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sz, &len));
  printf("sndbuf=%d\n", sz);
  CHECK("bad option", getsockopt(sv[0], SOL_SOCKET, 9999, &sz, &len));
  CHECK("getsockopt on pipe-less fd", getsockopt(0 + 100, SOL_SOCKET, SO_TYPE, &sz, &len));

  struct sockaddr_un sa;
  len = sizeof sa;
  memset(&sa, 0x55, sizeof sa);
  CHECK("getsockname unbound", getsockname(sv[0], (struct sockaddr *)&sa, &len));
  printf("len=%d family=%d\n", (int)len, sa.sun_family);
  len = sizeof sa;
  CHECK("getpeername", getpeername(sv[0], (struct sockaddr *)&sa, &len));
  printf("len=%d\n", (int)len);

  struct pollfd p = {sv[1], POLLIN | POLLOUT, 0};
  CHECK("poll writable", poll(&p, 1, 0));
  printf("revents=%x\n", p.revents);
  CHECK("shutdown WR", shutdown(sv[0], SHUT_WR));
  CHECK("poll after peer SHUT_WR", poll(&p, 1, 0));
  printf("revents=%x\n", p.revents);
  CHECK("read EOF", read(sv[1], buf, sizeof buf));
  CHECK("write after SHUT_WR (MSG_NOSIGNAL)", send(sv[0], "x", 1, MSG_NOSIGNAL));
  printf("sigpipes=%d\n", sigpipes);
  CHECK("write after SHUT_WR", write(sv[0], "x", 1));
  printf("sigpipes=%d\n", sigpipes);
  CHECK("other direction still works", write(sv[1], "back", 4));
  CHECK("read it", read(sv[0], buf, sizeof buf));
  close(sv[0]);
  CHECK("write to closed peer", write(sv[1], "x", 1));
  printf("sigpipes=%d\n", sigpipes);
  p.events = POLLIN;
  CHECK("poll closed peer", poll(&p, 1, 0));
  printf("revents=%x\n", p.revents);
  close(sv[1]);
  CHECK("shutdown bad fd", shutdown(sv[1], SHUT_RD));
  int np[2];
  pipe(np);
  CHECK("shutdown not a socket", shutdown(np[0], SHUT_RD));
  close(np[0]);
  close(np[1]);

  /* Unread data when the peer closes: ECONNRESET, then EOF. */
  socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
  write(sv[0], "abc", 3);
  write(sv[1], "zz", 2);
  close(sv[1]);
  CHECK("read queued before reset", read(sv[0], buf, sizeof buf));
  CHECK("read after peer closed with unread data", read(sv[0], buf, sizeof buf));
  CHECK("read again", read(sv[0], buf, sizeof buf));
  close(sv[0]);

  CHECK("socketpair dgram", socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv));
  CHECK("fd cloexec", fcntl(sv[0], F_GETFD));
  send(sv[0], "one", 3, 0);
  send(sv[0], "twotwo", 6, 0);
  send(sv[0], "", 0, 0);
  CHECK("recv truncated", recv(sv[1], buf, 2, 0));
  CHECK("recv MSG_TRUNC", recv(sv[1], buf, 2, MSG_TRUNC));
  CHECK("recv empty datagram", recv(sv[1], buf, sizeof buf, 0));
  struct msghdr mh;
  struct iovec iov = {buf, 3};
  memset(&mh, 0, sizeof mh);
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  send(sv[1], "toolong", 7, 0);
  CHECK("recvmsg truncated", recvmsg(sv[0], &mh, 0));
  printf("msg_flags=%x\n", mh.msg_flags);
  CHECK("nonblocking empty", recv(sv[0], buf, sizeof buf, MSG_DONTWAIT));
  close(sv[0]);
  close(sv[1]);

  CHECK("socketpair seqpacket", socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv));
  send(sv[0], "rec1", 4, 0);
  send(sv[0], "rec22", 5, 0);
  CHECK("seqpacket recv 2", recv(sv[1], buf, 2, 0));
  CHECK("seqpacket next record", recv(sv[1], buf, sizeof buf, 0));
  close(sv[0]);
  CHECK("seqpacket EOF", recv(sv[1], buf, sizeof buf, 0));
  close(sv[1]);

  /* sendmmsg/recvmmsg over a datagram pair. */
  socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
  struct mmsghdr mm[3];
  struct iovec mv[3];
  char mb[3][8] = {"a", "bb", "ccc"};
  memset(mm, 0, sizeof mm);
  for (int i = 0; i < 3; i++) {
    mv[i].iov_base = mb[i];
    mv[i].iov_len = strlen(mb[i]);
    mm[i].msg_hdr.msg_iov = &mv[i];
    mm[i].msg_hdr.msg_iovlen = 1;
  }
  CHECK("sendmmsg", sendmmsg(sv[0], mm, 3, 0));
  char rbuf[3][8];
  for (int i = 0; i < 3; i++) {
    mv[i].iov_base = rbuf[i];
    mv[i].iov_len = sizeof rbuf[i];
    mm[i].msg_len = 99;
  }
  CHECK("recvmmsg MSG_WAITFORONE", recvmmsg(sv[1], mm, 3, MSG_WAITFORONE, NULL));
  printf("lens %u %u %u\n", mm[0].msg_len, mm[1].msg_len, mm[2].msg_len);
  close(sv[0]);
  close(sv[1]);

  CHECK("socketpair bad type", socketpair(AF_UNIX, 77, 0, sv));
  CHECK("socketpair bad protocol", socketpair(AF_UNIX, SOCK_STREAM, 5, sv));
  CHECK("socket bad family", socket(12345, SOCK_STREAM, 0));
}

static void rights(void) {
  int sv[2], pp[2];
  char buf[32];
  socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
  pipe(pp);
  write(pp[1], "through the pipe", 16);
  struct msghdr mh;
  struct iovec iov = {"F", 1};
  union { char b[CMSG_SPACE(2 * sizeof(int))]; struct cmsghdr align; } ctl;
  memset(&mh, 0, sizeof mh);
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  mh.msg_control = ctl.b;
  mh.msg_controllen = CMSG_SPACE(2 * sizeof(int));
  struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(2 * sizeof(int));
  int fds[2] = {pp[0], pp[1]};
  memcpy(CMSG_DATA(c), fds, sizeof fds);
  CHECK("sendmsg SCM_RIGHTS", sendmsg(sv[0], &mh, 0));
  close(pp[0]);
  close(pp[1]);
  pid_t pid = fork();
  if (pid == 0) {
    struct msghdr rm;
    char rb[4];
    struct iovec riov = {rb, sizeof rb};
    union { char b[CMSG_SPACE(2 * sizeof(int))]; struct cmsghdr align; } rctl;
    memset(&rm, 0, sizeof rm);
    rm.msg_iov = &riov;
    rm.msg_iovlen = 1;
    rm.msg_control = rctl.b;
    rm.msg_controllen = sizeof rctl.b;
    CHECK("child recvmsg", recvmsg(sv[1], &rm, MSG_CMSG_CLOEXEC));
    struct cmsghdr *rc = CMSG_FIRSTHDR(&rm);
    printf("controllen=%d level=%d type=%d len=%d flags=%x\n", (int)rm.msg_controllen, rc->cmsg_level, rc->cmsg_type, (int)rc->cmsg_len, rm.msg_flags);
    int got[2];
    memcpy(got, CMSG_DATA(rc), sizeof got);
    CHECK("received fd cloexec", fcntl(got[0], F_GETFD));
    memset(buf, 0, sizeof buf);
    CHECK("read received pipe", read(got[0], buf, 16));
    printf("'%s'\n", buf);
    CHECK("write received pipe end", write(got[1], "ok", 2));
    CHECK("read it back", read(got[0], buf, 2));
    _exit(0);
  }
  int st;
  waitpid(pid, &st, 0);
  printf("child status %d\n", st);

  /* Credentials with SO_PASSCRED. */
  struct msghdr rm;
  char rb[4];
  struct iovec riov = {rb, sizeof rb};
  int on = 1;
  setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof on);
  send(sv[0], "c", 1, 0);
  union { char b[CMSG_SPACE(sizeof(struct ucred))]; struct cmsghdr align; } cc;
  memset(&rm, 0, sizeof rm);
  rm.msg_iov = &riov;
  rm.msg_iovlen = 1;
  rm.msg_control = cc.b;
  rm.msg_controllen = sizeof cc.b;
  CHECK("recvmsg creds", recvmsg(sv[1], &rm, 0));
  struct cmsghdr *h = CMSG_FIRSTHDR(&rm);
  struct ucred u;
  memcpy(&u, CMSG_DATA(h), sizeof u);
  printf("type=%d pid-is-me=%d uid=%d\n", h->cmsg_type, u.pid == getpid(), (int)u.uid);
  /* Sending a bad fd. */
  int bad = 99;
  memset(&mh, 0, sizeof mh);
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  mh.msg_control = ctl.b;
  mh.msg_controllen = CMSG_SPACE(sizeof(int));
  c = CMSG_FIRSTHDR(&mh);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &bad, sizeof bad);
  CHECK("sendmsg bad fd", sendmsg(sv[0], &mh, 0));
  close(sv[0]);
  close(sv[1]);
}

static socklen_t path_addr(struct sockaddr_un *a, const char *p) {
  memset(a, 0, sizeof *a);
  a->sun_family = AF_UNIX;
  strcpy(a->sun_path, p);
  return offsetof(struct sockaddr_un, sun_path) + strlen(p) + 1;
}

static socklen_t abstract_addr(struct sockaddr_un *a, const char *p) {
  memset(a, 0, sizeof *a);
  a->sun_family = AF_UNIX;
  memcpy(a->sun_path + 1, p, strlen(p));
  return offsetof(struct sockaddr_un, sun_path) + 1 + strlen(p);
}

static void named(void) {
  const char *path = "wvm-sock-test.sock";
  unlink(path);
  struct sockaddr_un a, b;
  socklen_t alen = path_addr(&a, path);
  char buf[64];
  int c = socket(AF_UNIX, SOCK_STREAM, 0);
  CHECK("connect to missing path", connect(c, (struct sockaddr *)&a, alen));
  int s = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
  CHECK("bind", bind(s, (struct sockaddr *)&a, alen));
  struct stat st;
  CHECK("stat socket", stat(path, &st));
  printf("is socket=%d\n", S_ISSOCK(st.st_mode));
  CHECK("bind again", bind(s, (struct sockaddr *)&a, alen));
  int s2 = socket(AF_UNIX, SOCK_STREAM, 0);
  CHECK("bind taken path", bind(s2, (struct sockaddr *)&a, alen));
  close(s2);
  CHECK("connect before listen", connect(c, (struct sockaddr *)&a, alen));
  CHECK("accept before listen", accept(s, NULL, NULL));
  CHECK("listen", listen(s, 4));
  CHECK("accept nonblocking empty", accept(s, NULL, NULL));
  socklen_t blen = sizeof b;
  CHECK("getsockname", getsockname(s, (struct sockaddr *)&b, &blen));
  printf("len=%d path=%s\n", (int)blen, b.sun_path);
  struct pollfd p = {s, POLLIN | POLLOUT, 0};
  CHECK("poll listener idle", poll(&p, 1, 0));
  printf("revents=%x\n", p.revents);
  pid_t pid = fork();
  if (pid == 0) {
    /* Print only after the parent has answered, so the output order is fixed. */
    int cc = socket(AF_UNIX, SOCK_STREAM, 0);
    int cr_ = connect(cc, (struct sockaddr *)&a, alen);
    socklen_t l = sizeof b;
    getpeername(cc, (struct sockaddr *)&b, &l);
    write(cc, "ping", 4);
    int n = read(cc, buf, sizeof buf);
    printf("child connect=%d peer len=%d path=%s read=%d\n", cr_, (int)l, b.sun_path, n);
    _exit(0);
  }
  p.events = POLLIN;
  CHECK("poll listener", poll(&p, 1, 5000));
  printf("revents=%x\n", p.revents);
  blen = sizeof b;
  memset(&b, 0x55, sizeof b);
  int x = accept4(s, (struct sockaddr *)&b, &blen, SOCK_CLOEXEC);
  printf("accepted=%d addrlen=%d\n", x >= 0, (int)blen);
  struct ucred cr;
  socklen_t crl = sizeof cr;
  getsockopt(x, SOL_SOCKET, SO_PEERCRED, &cr, &crl);
  printf("peer is child=%d\n", cr.pid == pid);
  int acc = 0;
  socklen_t al = sizeof acc;
  getsockopt(s, SOL_SOCKET, SO_ACCEPTCONN, &acc, &al);
  printf("acceptconn=%d\n", acc);
  CHECK("read ping", read(x, buf, sizeof buf));
  write(x, "pong", 4);
  int stt;
  waitpid(pid, &stt, 0);
  printf("child status %d\n", stt);
  close(x);
  close(s);
  CHECK("connect after close", connect(c, (struct sockaddr *)&a, alen));
  /* A connection the listener never accepted: closing the listener resets it. */
  unlink(path);
  CHECK("read on an unconnected stream socket", read(c, buf, sizeof buf));
  s = socket(AF_UNIX, SOCK_STREAM, 0);
  bind(s, (struct sockaddr *)&a, alen);
  listen(s, 1);
  int pend = socket(AF_UNIX, SOCK_STREAM, 0);
  CHECK("connect pending", connect(pend, (struct sockaddr *)&a, alen));
  CHECK("write to pending", write(pend, "abc", 3));
  int fionread = -1;
  close(s);
  CHECK("read after listener closed", read(pend, buf, sizeof buf));
  CHECK("read again", read(pend, buf, sizeof buf));
  close(pend);
  unlink(path);
  int fr[2];
  socketpair(AF_UNIX, SOCK_DGRAM, 0, fr);
  send(fr[0], "12345", 5, 0);
  send(fr[0], "67", 2, 0);
  CHECK("FIONREAD dgram", ioctl(fr[1], FIONREAD, &fionread));
  printf("  next datagram %d\n", fionread);
  close(fr[0]);
  close(fr[1]);
  socketpair(AF_UNIX, SOCK_STREAM, 0, fr);
  send(fr[0], "12345", 5, 0);
  send(fr[0], "67", 2, 0);
  CHECK("FIONREAD stream", ioctl(fr[1], FIONREAD, &fionread));
  printf("  queued %d\n", fionread);
  close(fr[0]);
  close(fr[1]);
  unlink(path);
  close(c);

  /* Abstract namespace, datagrams with addresses. */
  int d1 = socket(AF_UNIX, SOCK_DGRAM, 0);
  int d2 = socket(AF_UNIX, SOCK_DGRAM, 0);
  socklen_t l1 = abstract_addr(&a, "wvm-test-d1");
  socklen_t l2 = abstract_addr(&b, "wvm-test-d2");
  CHECK("bind abstract", bind(d1, (struct sockaddr *)&a, l1));
  CHECK("bind abstract 2", bind(d2, (struct sockaddr *)&b, l2));
  int d3 = socket(AF_UNIX, SOCK_DGRAM, 0);
  CHECK("bind abstract taken", bind(d3, (struct sockaddr *)&a, l1));
  CHECK("sendto", sendto(d2, "dgram", 5, 0, (struct sockaddr *)&a, l1));
  struct sockaddr_un from;
  socklen_t fl = sizeof from;
  CHECK("recvfrom", recvfrom(d1, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl));
  printf("fromlen=%d name=%.11s\n", (int)fl, from.sun_path + 1);
  CHECK("sendto unbound dgram sender", sendto(d3, "anon", 4, 0, (struct sockaddr *)&a, l1));
  fl = sizeof from;
  CHECK("recvfrom anon", recvfrom(d1, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl));
  printf("fromlen=%d\n", (int)fl);
  CHECK("send unconnected dgram", send(d3, "x", 1, 0));
  CHECK("connect dgram", connect(d3, (struct sockaddr *)&b, l2));
  CHECK("send connected dgram", send(d3, "y", 1, 0));
  CHECK("recv it", recv(d2, buf, sizeof buf, 0));
  socklen_t nl = abstract_addr(&from, "wvm-test-none");
  CHECK("sendto nobody", sendto(d1, "z", 1, 0, (struct sockaddr *)&from, nl));
  CHECK("connect stream to dgram", connect(socket(AF_UNIX, SOCK_STREAM, 0), (struct sockaddr *)&a, l1));
  CHECK("listen on dgram", listen(d1, 1));
  close(d2);
  CHECK("send to closed dgram peer", send(d3, "w", 1, 0));
  close(d1);
  close(d3);

  /* A regular file is not a socket. */
  int f = open("wvm-sock-test.file", O_CREAT | O_WRONLY | O_TRUNC, 0600);
  close(f);
  alen = path_addr(&a, "wvm-sock-test.file");
  c = socket(AF_UNIX, SOCK_STREAM, 0);
  CHECK("connect to regular file", connect(c, (struct sockaddr *)&a, alen));
  unlink("wvm-sock-test.file");
  alen = path_addr(&a, "no-such-dir/x.sock");
  CHECK("bind in missing dir", bind(c, (struct sockaddr *)&a, alen));
  a.sun_family = AF_INET;
  CHECK("bind wrong family", bind(c, (struct sockaddr *)&a, alen));
  close(c);
}

static volatile int alarms;
static void on_alarm(int s) { (void)s; alarms++; }

/* Blocking socket reads end with EINTR when a handler without SA_RESTART runs. */
static void interrupted(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_alarm;
  sigaction(SIGALRM, &sa, NULL);
  int sv[2];
  char c;
  socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
  struct itimerval it = {{0, 0}, {0, 50000}};
  setitimer(ITIMER_REAL, &it, NULL);
  CHECK("read interrupted", read(sv[0], &c, 1));
  setitimer(ITIMER_REAL, &it, NULL);
  CHECK("recv interrupted", recv(sv[0], &c, 1, 0));
  printf("alarms=%d\n", alarms);
  struct timeval tv = {0, 40000}; /* a whole number of jiffies at HZ 100, 250, 300 and 1000 */
  CHECK("SO_RCVTIMEO", setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
  CHECK("recv with timeout", recv(sv[0], &c, 1, 0));
  CHECK("read with timeout", read(sv[0], &c, 1));
  struct timeval got;
  socklen_t gl = sizeof got;
  CHECK("get SO_RCVTIMEO", getsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &got, &gl));
  printf("  %ld.%06ld len=%d\n", (long)got.tv_sec, (long)got.tv_usec, (int)gl);
  tv.tv_usec = 2000000;
  CHECK("SO_RCVTIMEO bad usec", setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
  close(sv[0]);
  close(sv[1]);
}

/* Too small a control buffer: MSG_CTRUNC, the extra files are closed. Last in
 * main: qemu-user (a stand-in reference where the host cannot run i386) keeps
 * the extra file open, so the read below never sees EOF there and everything
 * after it would go unchecked (test/support/qemu-differences.mjs). */
static void truncated_rights(void) {
  int sv[2], pp[2];
  char buf[32];
  socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
  pipe(pp);
  struct msghdr mh;
  struct iovec iov = {"F", 1};
  union { char b[CMSG_SPACE(2 * sizeof(int))]; struct cmsghdr align; } ctl;
  memset(&mh, 0, sizeof mh);
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  mh.msg_control = ctl.b;
  mh.msg_controllen = CMSG_SPACE(2 * sizeof(int));
  struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(2 * sizeof(int));
  memcpy(CMSG_DATA(c), pp, sizeof pp);
  sendmsg(sv[0], &mh, 0);
  close(pp[0]);
  struct msghdr rm;
  char rb[4];
  struct iovec riov = {rb, sizeof rb};
  union { char b[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } small;
  memset(&rm, 0, sizeof rm);
  rm.msg_iov = &riov;
  rm.msg_iovlen = 1;
  rm.msg_control = small.b;
  rm.msg_controllen = sizeof small.b;
  CHECK("recvmsg small control", recvmsg(sv[1], &rm, 0));
  printf("controllen=%d flags=%x\n", (int)rm.msg_controllen, rm.msg_flags);
  int one;
  memcpy(&one, CMSG_DATA(CMSG_FIRSTHDR(&rm)), sizeof one);
  close(pp[1]);
  CHECK("read from received read end: writer gone", read(one, buf, sizeof buf));
  close(one);
  close(sv[0]);
  close(sv[1]);
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  signal(SIGPIPE, on_pipe);
  interrupted();
  pairs();
  rights();
  named();
  truncated_rights();
  return 0;
}
