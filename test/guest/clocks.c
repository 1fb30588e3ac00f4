/* The wall clock's resolution and consistency, printed as yes/no against margins so the output
 * is the same on every run. Programs measure short intervals as the difference of two
 * gettimeofday() calls: vim's inchar_loop computes (sec diff) * 1000 + (usec diff) / 1000 and, when
 * that is above a zero wait, waits forever with typed keys unread. A wall clock that only moves in
 * whole milliseconds makes two calls microseconds apart read a millisecond apart whenever a tick
 * falls between them; Linux's moves in nanoseconds. */
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define SAMPLES 4000

/* vim's elapsed(): whole milliseconds between two timevals, the usec part truncated. */
static long elapsed_ms(const struct timeval *a, const struct timeval *b) {
  return (b->tv_sec - a->tv_sec) * 1000L + (b->tv_usec - a->tv_usec) / 1000L;
}

int main(void) {
  /* gettimeofday through the system call, as a guest without a vDSO makes it. */
  int sub_ms = 0, pairs_ms_apart = 0, backwards = 0;
  struct timeval prev;
  syscall(SYS_gettimeofday, &prev, NULL);
  for (int k = 0; k < SAMPLES; k++) {
    struct timeval a, b;
    syscall(SYS_gettimeofday, &a, NULL);
    syscall(SYS_gettimeofday, &b, NULL);
    if (a.tv_usec % 1000 != 0 || b.tv_usec % 1000 != 0) sub_ms++;
    if (elapsed_ms(&a, &b) >= 1) pairs_ms_apart++;
    if (elapsed_ms(&prev, &a) < 0 || elapsed_ms(&a, &b) < 0) backwards++;
    if (a.tv_usec < 0 || a.tv_usec >= 1000000) backwards++;
    prev = b;
  }
  printf("gettimeofday: finer than a millisecond: %s\n", sub_ms > SAMPLES / 2 ? "yes" : "no");
  /* Back-to-back calls are microseconds apart; only a rare preemption puts a millisecond between. */
  printf("gettimeofday: back-to-back calls a millisecond apart at most rarely: %s\n", pairs_ms_apart <= SAMPLES / 100 ? "yes" : "no");
  printf("gettimeofday: never backwards, usec in range: %s\n", backwards == 0 ? "yes" : "no");

  int ns_fine = 0, bad = 0;
  for (int k = 0; k < SAMPLES; k++) {
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    if (t.tv_nsec % 1000000 != 0) ns_fine++;
    if (t.tv_nsec < 0 || t.tv_nsec >= 1000000000) bad++;
  }
  printf("CLOCK_REALTIME: finer than a millisecond: %s, nsec in range: %s\n", ns_fine > SAMPLES / 2 ? "yes" : "no", bad == 0 ? "yes" : "no");

  struct timespec res;
  clock_getres(CLOCK_REALTIME, &res);
  printf("clock_getres(CLOCK_REALTIME): %ld s %ld ns\n", (long)res.tv_sec, res.tv_nsec);

  /* The three wall clocks agree: gettimeofday, CLOCK_REALTIME and time(). */
  struct timeval tv;
  struct timespec ts;
  syscall(SYS_gettimeofday, &tv, NULL);
  clock_gettime(CLOCK_REALTIME, &ts);
  long t = (long)syscall(SYS_time, NULL);
  long diff_us = (ts.tv_sec - tv.tv_sec) * 1000000L + (ts.tv_nsec / 1000 - tv.tv_usec);
  printf("gettimeofday and CLOCK_REALTIME within 10 ms: %s\n", diff_us >= 0 && diff_us < 10000 ? "yes" : "no");
  printf("time() is the same second: %s\n", t == tv.tv_sec || t == tv.tv_sec + 1 ? "yes" : "no");
  printf("the wall clock is past 2024: %s\n", tv.tv_sec > 1704067200 ? "yes" : "no");
  return 0;
}
