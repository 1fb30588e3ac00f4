/* poll/select over pipes: timeouts, data, a child's later write, EOF/HUP, POLLNVAL, alarm() interrupting pause(). */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/select.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile int alarms;
static void on_alarm(int s) { (void)s; alarms++; }

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  int p[2];
  pipe(p);
  struct pollfd f[2] = {{p[0], POLLIN, 0}, {-1, POLLIN, 0}};
  int r = poll(f, 2, 10);
  printf("empty pipe, 10 ms: %d revents=%x/%x\n", r, f[0].revents, f[1].revents);
  write(p[1], "x", 1);
  r = poll(f, 2, -1);
  printf("data: %d revents=%x\n", r, f[0].revents);
  char c;
  read(p[0], &c, 1);
  pid_t pid = fork();
  if (pid == 0) { usleep(20000); write(p[1], "yz", 2); _exit(0); }
  r = poll(f, 1, 5000);
  printf("child write: %d revents=%x\n", r, f[0].revents);
  fd_set rs;
  FD_ZERO(&rs);
  FD_SET(p[0], &rs);
  struct timeval tv = {1, 0};
  r = select(p[0] + 1, &rs, NULL, NULL, &tv);
  printf("select: %d isset=%d\n", r, FD_ISSET(p[0], &rs));
  waitpid(pid, NULL, 0);
  close(p[1]);
  read(p[0], &c, 1);
  read(p[0], &c, 1);
  r = poll(f, 1, -1);
  printf("writer closed: %d revents=%x\n", r, f[0].revents);
  struct pollfd bad = {p[1], POLLOUT, 0};
  r = poll(&bad, 1, 0);
  printf("closed fd: %d revents=%x\n", r, bad.revents);
  FD_ZERO(&rs);
  tv.tv_sec = 0;
  tv.tv_usec = 30000;
  r = select(0, NULL, NULL, NULL, &tv);
  printf("select as a sleep: %d\n", r);

  signal(SIGALRM, on_alarm);
  alarm(1);
  r = pause();
  printf("pause: %d EINTR=%d alarms=%d\n", r, errno == EINTR, (int)alarms);
  struct itimerval it = {{0, 20000}, {0, 20000}};
  setitimer(ITIMER_REAL, &it, NULL);
  while (alarms < 4) pause();
  struct itimerval off = {{0, 0}, {0, 0}};
  setitimer(ITIMER_REAL, &off, NULL);
  printf("interval timer fired, alarms=%d\n", (int)alarms);
  return 0;
}
