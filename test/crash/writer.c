/*
 * Crash-test guest (test/disk-crash.test.mjs): writes files as fast as it
 * can, making each durable the way careful programs do — write a temporary
 * file, fsync it, rename it into place, fsync the directory — and prints
 * "synced N" only after that. It is killed (the whole VM, SIGKILL) at
 * random moments and restarted; it continues after the highest file it
 * finds. Also churns the allocator: overwrites a scratch file in place,
 * deletes old files, and makes and removes directories.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The bytes of file n (the test computes the same). */
static unsigned char byte_of(unsigned n, unsigned i) { return (unsigned char)((n * 131u + i * 7u + (i >> 9)) & 0xff); }
static unsigned size_of(unsigned n) { return (n * 7919u) % 150000u + 1u; }

static void die(const char *what) {
  perror(what);
  exit(1);
}

int main(void) {
  static unsigned char buf[150001];
  unsigned start = 0;
  DIR *d = opendir("/data");
  if (!d) die("opendir");
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    unsigned n;
    if (sscanf(e->d_name, "f%u", &n) == 1 && n + 1 > start) start = n + 1;
  }
  closedir(d);
  int dirfd = open("/data", O_RDONLY | O_DIRECTORY);
  if (dirfd < 0) die("open /data");
  for (unsigned n = start; n < start + 100000; n++) {
    unsigned size = size_of(n);
    for (unsigned i = 0; i < size; i++) buf[i] = byte_of(n, i);
    char tmp[64], name[64];
    snprintf(tmp, sizeof tmp, "/data/tmp.%u", n);
    snprintf(name, sizeof name, "/data/f%u", n);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) die("open tmp");
    /* In uneven pieces, so writes straddle blocks. */
    for (unsigned at = 0; at < size;) {
      unsigned piece = 1000 + (n + at) % 7000;
      if (piece > size - at) piece = size - at;
      if (write(fd, buf + at, piece) != (ssize_t)piece) die("write");
      at += piece;
    }
    if (fsync(fd) != 0) die("fsync");
    close(fd);
    if (rename(tmp, name) != 0) die("rename");
    if (fsync(dirfd) != 0) die("fsync dir");
    printf("synced %u\n", n);
    fflush(stdout);
    /* Churn: scratch overwrite in place (never fsynced), old files out, a directory in and out. */
    int s = open("/data/scratch", O_WRONLY | O_CREAT, 0644);
    if (s >= 0) {
      pwrite(s, buf, size < 40000 ? size : 40000, (n % 13) * 4096);
      close(s);
    }
    if (n >= 30) {
      snprintf(name, sizeof name, "/data/f%u", n - 30);
      unlink(name);
    }
    snprintf(name, sizeof name, "/data/d%u", n % 5);
    if (mkdir(name, 0755) != 0) rmdir(name);
  }
  return 0;
}
