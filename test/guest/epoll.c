/* epoll over pipes and eventfds: level- and edge-triggered, EPOLLONESHOT,
 * MOD/DEL, the errors of epoll_ctl (EEXIST, ENOENT, EPERM on a regular
 * file, EINVAL on itself), EPOLLHUP when the writer closes, timeouts,
 * nested epoll, a blocking wait woken by another process; eventfd
 * counter and semaphore modes. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <unistd.h>

static int ep;

static void show(const char *what, int timeout) {
  struct epoll_event ev[8];
  int n = epoll_wait(ep, ev, 8, timeout);
  printf("%s: %d", what, n);
  if (n < 0) printf(" (%s)", strerror(errno));
  /* Sort by data so the order Linux keeps its ready list in does not matter. */
  for (int i = 0; i < n; i++)
    for (int j = i + 1; j < n; j++)
      if (ev[j].data.u64 < ev[i].data.u64) {
        struct epoll_event x = ev[i];
        ev[i] = ev[j];
        ev[j] = x;
      }
  for (int i = 0; i < n; i++) printf(" [%llu:%#x]", (unsigned long long)ev[i].data.u64, ev[i].events);
  printf("\n");
}

static int ctl(int op, int fd, uint32_t events, uint64_t data) {
  struct epoll_event e;
  memset(&e, 0, sizeof e);
  e.events = events;
  e.data.u64 = data;
  int r = epoll_ctl(ep, op, fd, &e);
  return r < 0 ? -errno : r;
}

#include "show.h"

int main(int argc, char **argv) {
  (void)argc;
  const char *self = argv[0];
  setvbuf(stdout, 0, _IOLBF, 0);
  char buf[64];
  ep = epoll_create1(EPOLL_CLOEXEC);
  printf("cloexec %d\n", (fcntl(ep, F_GETFD) & FD_CLOEXEC) != 0);
  int lt[2], et[2], os[2];
  pipe(lt);
  pipe(et);
  pipe(os);
  printf("add lt %d\n", ctl(EPOLL_CTL_ADD, lt[0], EPOLLIN, 1));
  printf("add et %d\n", ctl(EPOLL_CTL_ADD, et[0], EPOLLIN | EPOLLET, 2));
  printf("add os %d\n", ctl(EPOLL_CTL_ADD, os[0], EPOLLIN | EPOLLONESHOT, 3));
  printf("add again %d\n", ctl(EPOLL_CTL_ADD, lt[0], EPOLLIN, 1));
  printf("mod missing %d\n", ctl(EPOLL_CTL_MOD, lt[1], EPOLLOUT, 9));
  printf("del missing %d\n", ctl(EPOLL_CTL_DEL, lt[1], 0, 0));
  printf("add self %d\n", ctl(EPOLL_CTL_ADD, ep, EPOLLIN, 0));
  int reg = open(self, O_RDONLY);
  printf("add regular file %d\n", ctl(EPOLL_CTL_ADD, reg, EPOLLIN, 0));
  printf("add bad fd %d\n", ctl(EPOLL_CTL_ADD, 999, EPOLLIN, 0));
  show("nothing ready", 0);
  show("timeout 20ms", 20);
  write(lt[1], "ab", 2);
  write(et[1], "ab", 2);
  write(os[1], "ab", 2);
  show("all written", 0);
  show("again: lt only", 0);
  read(lt[0], buf, 2);
  show("lt drained", 0);
  write(et[1], "c", 1);
  show("et new data", 0);
  show("et no new data", 0);
  printf("rearm oneshot %d\n", ctl(EPOLL_CTL_MOD, os[0], EPOLLIN | EPOLLONESHOT, 3));
  show("oneshot rearmed", 0);
  read(et[0], buf, sizeof buf);
  read(os[0], buf, sizeof buf);
  printf("del os %d\n", ctl(EPOLL_CTL_DEL, os[0], 0, 0));
  close(lt[1]);
  show("writer closed: hup", 0);
  printf("del lt %d\n", ctl(EPOLL_CTL_DEL, lt[0], 0, 0));
  /* Writable ends report EPOLLOUT; RDHUP asked of a pipe is not reported. */
  printf("add out %d\n", ctl(EPOLL_CTL_ADD, et[1], EPOLLOUT | EPOLLRDHUP, 4));
  show("writable", 0);
  printf("del out %d\n", ctl(EPOLL_CTL_DEL, et[1], 0, 0));

  /* eventfd: counter, semaphore, nonblocking, in epoll. */
  int efd = eventfd(3, EFD_NONBLOCK);
  uint64_t v = 0;
  printf("add eventfd %d\n", ctl(EPOLL_CTL_ADD, efd, EPOLLIN | EPOLLOUT, 5));
  show("eventfd 3", 0);
  SHOW("read", read(efd, &v, 8));
  printf("value %llu\n", (unsigned long long)v);
  show("eventfd 0", 0);
  SHOW("read empty", read(efd, &v, 8));
  SHOW("short read", read(efd, &v, 4));
  v = 0xffffffffffffffffULL;
  SHOW("write max", write(efd, &v, 8));
  v = 0xfffffffffffffffeULL;
  SHOW("write near max", write(efd, &v, 8));
  v = 1;
  SHOW("write over", write(efd, &v, 8));
  show("eventfd full", 0);
  close(efd);
  show("closed eventfd gone", 0);
  int sem = eventfd(2, EFD_SEMAPHORE | EFD_NONBLOCK);
  for (int i = 0; i < 3; i++) {
    ssize_t r = read(sem, &v, 8);
    printf("sem read %zd %llu\n", r, r > 0 ? (unsigned long long)v : 0ULL);
  }

  /* Nested epoll, and a blocking wait woken by a child writing an eventfd. */
  int inner = epoll_create(1);
  int ev2 = eventfd(0, 0);
  struct epoll_event e = {.events = EPOLLIN, .data.u64 = 7};
  epoll_ctl(inner, EPOLL_CTL_ADD, ev2, &e);
  printf("add inner %d\n", ctl(EPOLL_CTL_ADD, inner, EPOLLIN, 6));
  SHOW("loop", epoll_ctl(inner, EPOLL_CTL_ADD, ep, &e));
  pid_t c = fork();
  if (c == 0) {
    usleep(20000);
    uint64_t one = 1;
    write(ev2, &one, 8);
    _exit(0);
  }
  show("blocking wait, woken by the child", -1);
  struct epoll_event ie;
  SHOW("inner", epoll_wait(inner, &ie, 1, 0));
  printf("inner data %llu\n", (unsigned long long)ie.data.u64);
  waitpid(c, 0, 0);
  /* A blocking eventfd read waits for a writer. */
  c = fork();
  if (c == 0) {
    usleep(20000);
    uint64_t two = 2;
    write(ev2, &two, 8);
    _exit(0);
  }
  read(ev2, &v, 8);
  printf("blocking read %llu\n", (unsigned long long)v);
  read(ev2, &v, 8);
  printf("blocking read %llu\n", (unsigned long long)v);
  waitpid(c, 0, 0);
  SHOW("bad maxevents", epoll_wait(ep, &ie, 0, 0));
  SHOW("not an epoll", epoll_wait(ev2, &ie, 1, 0));
  SHOW("create1 bad flags", epoll_create1(1));
  SHOW("create size 0", epoll_create(0));
  return 0;
}
