/* close_range(2): closing a range of descriptors (holes and a last past the
 * table included), CLOSE_RANGE_CLOEXEC marking instead of closing,
 * CLOSE_RANGE_UNSHARE in a single-threaded process, and EINVAL for unknown
 * flags and first > last. Python's subprocess calls it in the child. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static long crange(unsigned first, unsigned last, unsigned flags) {
  return syscall(SYS_close_range, first, last, flags);
}

#include "show.h"

/* One character per descriptor 3..12: '-' closed, 'o' open, 'x' open close-on-exec. */
static void table(const char *what) {
  char s[11];
  for (int fd = 3; fd <= 12; fd++) {
    int f = fcntl(fd, F_GETFD);
    s[fd - 3] = f < 0 ? '-' : (f & FD_CLOEXEC) ? 'x' : 'o';
  }
  s[10] = 0;
  printf("%-28s %s\n", what, s);
}

int main(void) {
  for (int fd = 3; fd <= 12; fd++) dup2(1, fd);
  close(7);
  table("opened 3..12 but 7");
  SHOW("close_range 10..~0", crange(10, ~0u, 0));
  table("after");
  SHOW("close_range 5..8 CLOEXEC", crange(5, 8, CLOSE_RANGE_CLOEXEC));
  table("after");
  SHOW("close_range 6..6 UNSHARE", crange(6, 6, CLOSE_RANGE_UNSHARE));
  table("after");
  SHOW("close_range unknown flag", crange(3, 4, 1));
  SHOW("close_range first > last", crange(5, 4, 0));
  SHOW("close_range of closed only", crange(200, 300, 0));
  table("after");
  SHOW("close_range 3..~0 CLOEXEC|UNSHARE", crange(3, ~0u, CLOSE_RANGE_CLOEXEC | CLOSE_RANGE_UNSHARE));
  table("after");
  SHOW("close_range 3..~0", crange(3, ~0u, 0));
  table("after");
  return 0;
}
