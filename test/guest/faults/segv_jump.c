/* A call to an unmapped address (page 0x1000) faults on instruction fetch:
 * SIGSEGV. */
#include <stdio.h>

int main(void) {
  void (*volatile fn)(void) = (void (*)(void))0x1000;
  printf("before call\n");
  fflush(stdout);
  fn();
  printf("after call\n");
  return 0;
}
