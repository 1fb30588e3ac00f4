/* SHOW(fmt, call): run a system call, then print its result and, when it
 * failed, strerror(errno) — errno is read before printf can change it.
 * stdout is flushed so output stays in order across fork. */
#ifndef GUEST_SHOW_H
#define GUEST_SHOW_H
#include <errno.h>
#include <stdio.h>
#include <string.h>

#define SHOW(fmt, call)                                         \
  do {                                                          \
    long r_ = (long)(call);                                     \
    int e_ = errno;                                             \
    printf(fmt " %ld %s\n", r_, r_ < 0 ? strerror(e_) : "");    \
    fflush(stdout);                                             \
  } while (0)

#endif
