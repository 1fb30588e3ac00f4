/* Allocate until memory runs out. A single allocation larger than RAM is ENOMEM at once;
 * touching page after page ends with the OOM killer (SIGKILL and a console line). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  void *huge = mmap(NULL, 1u << 30, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  printf("1 GiB mmap: %s\n", huge == MAP_FAILED ? strerror(errno) : "mapped");
  printf("1 GiB malloc: %s\n", malloc(1u << 30) == NULL ? "NULL" : "non-NULL");
  if (argc > 1 && fork() == 0) {
    /* A small bystander that must survive: the largest task is the one killed. */
    sleep(100);
    _exit(0);
  }
  long mb = 0;
  for (;;) {
    char *p = malloc(1 << 20);
    if (!p) { printf("malloc failed after %ld MiB\n", mb); return 1; }
    memset(p, 1, 1 << 20);
    mb++;
    if (mb % 16 == 0) printf("%ld MiB\n", mb);
  }
}
