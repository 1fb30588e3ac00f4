/* UD2 raises #UD: the process is killed by SIGILL. */
#include <stdio.h>

int main(void) {
  printf("before ud2\n");
  fflush(stdout);
  __asm__ volatile("ud2");
  printf("after ud2\n");
  return 0;
}
