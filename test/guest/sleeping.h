/* sleeping(pid): wait until process `pid` sleeps in a blocking call (its
 * /proc/<pid>/stat state turns S), however slow the machine; then a little
 * longer, so it is surely parked in the call, not on its way in. */
#ifndef GUEST_SLEEPING_H
#define GUEST_SLEEPING_H
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

static void sleeping(pid_t pid) {
  char statp[64], sb[256];
  snprintf(statp, sizeof statp, "/proc/%d/stat", (int)pid);
  for (int tries = 0; tries < 500; tries++) {
    int sf = open(statp, O_RDONLY);
    int n = sf < 0 ? 0 : read(sf, sb, sizeof sb - 1);
    if (sf >= 0) close(sf);
    sb[n > 0 ? n : 0] = 0;
    char *rp = strrchr(sb, ')');
    if (rp && rp[1] == ' ' && rp[2] == 'S') break;
    usleep(10000);
  }
  usleep(20000);
}

#endif
