/* Files in /tmp (a tmpfs in the VM): create, write, read, hard and symbolic
 * links, rename (over files, of directories, into itself), truncate, mmap,
 * unlinked-but-open files, directory errors, O_EXCL, sockets and FIFOs. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHECK(what, expr) do { errno = 0; long r_ = (long)(expr); printf("%s: %ld %s\n", what, r_, r_ < 0 ? strerror(errno) : ""); } while (0)
#define D "/tmp/wvm-tmpfs-test"

static void show(const char *p) {
  struct stat st;
  if (lstat(p, &st) < 0) { printf("  %s: %s\n", p, strerror(errno)); return; }
  /* Directory sizes are the filesystem's own business (tmpfs counts entries, ext4 blocks). */
  if (S_ISDIR(st.st_mode)) printf("  %s: mode=%o nlink=%d\n", p, (unsigned)st.st_mode, (int)st.st_nlink);
  else printf("  %s: mode=%o nlink=%d size=%lld\n", p, (unsigned)st.st_mode, (int)st.st_nlink, (long long)st.st_size);
}

static void list(const char *d) {
  DIR *dir = opendir(d);
  if (!dir) { printf("  opendir %s: %s\n", d, strerror(errno)); return; }
  static char names[32][256];
  int n = 0;
  struct dirent *e;
  while ((e = readdir(dir)) && n < 32) snprintf(names[n++], 256, "%s", e->d_name);
  closedir(dir);
  qsort(names, n, 256, (int (*)(const void *, const void *))strcmp);
  printf("  %s:", d);
  for (int i = 0; i < n; i++) printf(" %s", names[i]);
  printf("\n");
}

/* rm -rf without a shell (the test image has none). */
static void rmtree(const char *p) {
  struct stat st;
  if (lstat(p, &st) < 0) return;
  if (S_ISDIR(st.st_mode)) {
    DIR *d = opendir(p);
    struct dirent *e;
    char sub[512];
    while (d && (e = readdir(d))) {
      if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
      snprintf(sub, sizeof sub, "%s/%s", p, e->d_name);
      rmtree(sub);
    }
    if (d) closedir(d);
    rmdir(p);
  } else unlink(p);
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  umask(022);
  rmtree(D);
  CHECK("mkdir", mkdir(D, 0755));
  CHECK("mkdir again", mkdir(D, 0755));
  show(D);
  int fd = open(D "/a", O_CREAT | O_RDWR | O_EXCL, 0644);
  printf("open a: %d\n", fd >= 0);
  CHECK("open O_EXCL existing", open(D "/a", O_CREAT | O_EXCL | O_RDWR, 0644));
  CHECK("write", write(fd, "hello tmpfs", 11));
  CHECK("pwrite far", pwrite(fd, "end", 3, 8192));
  show(D "/a");
  char buf[64] = {0};
  CHECK("pread", pread(fd, buf, 11, 0));
  printf("  '%s'\n", buf);
  CHECK("pread hole", pread(fd, buf, 4, 4096));
  printf("  hole bytes %d %d %d %d\n", buf[0], buf[1], buf[2], buf[3]);
  char *m = mmap(NULL, 8195, PROT_READ, MAP_PRIVATE, fd, 0);
  printf("mmap: %d first='%.5s' last='%.3s'\n", m != MAP_FAILED, m, m + 8192);
  munmap(m, 8195);
  CHECK("ftruncate shrink", ftruncate(fd, 5));
  show(D "/a");
  CHECK("ftruncate grow", ftruncate(fd, 100));
  CHECK("pread after grow", pread(fd, buf, 10, 3));
  printf("  %c%c %d\n", buf[0], buf[1], buf[2]);
  CHECK("link", link(D "/a", D "/b"));
  show(D "/a");
  CHECK("link existing", link(D "/a", D "/b"));
  CHECK("symlink", symlink("a", D "/s"));
  CHECK("readlink", readlink(D "/s", buf, sizeof buf));
  show(D "/s");
  struct stat st;
  CHECK("stat through link", stat(D "/s", &st));
  printf("  size=%lld\n", (long long)st.st_size);
  CHECK("mkdir sub", mkdir(D "/sub", 0700));
  CHECK("mkdir sub/deeper", mkdir(D "/sub/deeper", 0700));
  show(D);
  show(D "/sub");
  CHECK("rmdir non-empty", rmdir(D "/sub"));
  CHECK("rename dir into itself", rename(D "/sub", D "/sub/deeper/x"));
  CHECK("rename file over dir", rename(D "/a", D "/sub"));
  CHECK("rename dir over file", rename(D "/sub", D "/a"));
  CHECK("rename file over file", rename(D "/b", D "/c"));
  int c2 = open(D "/d", O_CREAT | O_WRONLY, 0600);
  write(c2, "dd", 2);
  close(c2);
  CHECK("rename over existing", rename(D "/d", D "/c"));
  show(D "/c");
  show(D "/a");
  CHECK("rename dir", rename(D "/sub", D "/moved"));
  show(D "/moved/deeper");
  list(D);
  CHECK("unlink dir", unlink(D "/moved"));
  CHECK("rmdir file", rmdir(D "/c"));
  CHECK("unlink a while open", unlink(D "/a"));
  CHECK("fstat unlinked", fstat(fd, &st));
  printf("  nlink=%d size=%lld\n", (int)st.st_nlink, (long long)st.st_size);
  CHECK("read unlinked", pread(fd, buf, 5, 0));
  close(fd);
  CHECK("mkfifo", mkfifo(D "/fifo", 0600));
  show(D "/fifo");
  CHECK("chmod", chmod(D "/c", 0751));
  show(D "/c");
  CHECK("open dir for write", open(D, O_WRONLY));
  CHECK("open missing", open(D "/nope", O_RDONLY));
  CHECK("open file as dir", open(D "/c/", O_RDONLY));
  CHECK("O_DIRECTORY on file", open(D "/c", O_RDONLY | O_DIRECTORY));
  fd = open(D "/append", O_CREAT | O_WRONLY | O_APPEND, 0600);
  write(fd, "12", 2);
  lseek(fd, 0, SEEK_SET);
  write(fd, "34", 2);
  close(fd);
  fd = open(D "/append", O_RDONLY);
  memset(buf, 0, sizeof buf);
  read(fd, buf, sizeof buf);
  printf("append: '%s'\n", buf);
  CHECK("lseek END", lseek(fd, 0, SEEK_END));
  close(fd);
  fd = open(D "/append", O_WRONLY | O_TRUNC);
  CHECK("after O_TRUNC", lseek(fd, 0, SEEK_END));
  close(fd);
  /* a large file */
  fd = open(D "/big", O_CREAT | O_RDWR, 0600);
  static char block[65536];
  for (int i = 0; i < (int)sizeof block; i++) block[i] = (char)(i * 7);
  long total = 0;
  for (int i = 0; i < 40; i++) total += write(fd, block, sizeof block);
  printf("big: wrote %ld\n", total);
  CHECK("pread big", pread(fd, buf, 8, 39 * 65536 + 100));
  printf("  %d %d\n", buf[0], buf[7]);
  close(fd);
  list(D);
  rmtree(D);
  CHECK("gone", access(D, F_OK));
  return 0;
}
