/* HLT is privileged: #GP at CPL 3, which Linux delivers as SIGSEGV. */
#include <stdio.h>

int main(void) {
  printf("before hlt\n");
  fflush(stdout);
  __asm__ volatile("hlt");
  printf("after hlt\n");
  return 0;
}
