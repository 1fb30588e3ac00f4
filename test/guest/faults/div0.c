/* DIV by zero raises #DE: the process is killed by SIGFPE. */
#include <stdio.h>

int main(void) {
  unsigned a = 1234, d = 0, zero = 0;
  printf("before div\n");
  fflush(stdout);
  __asm__ volatile("divl %2" : "+a"(a), "+d"(d) : "r"(zero) : "cc");
  printf("after div %u\n", a);
  return 0;
}
