/* INT3 raises #BP: the process is killed by SIGTRAP. */
#include <stdio.h>

int main(void) {
  printf("before int3\n");
  fflush(stdout);
  __asm__ volatile("int3");
  printf("after int3\n");
  return 0;
}
