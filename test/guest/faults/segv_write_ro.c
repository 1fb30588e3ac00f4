/* A store into read-only data (.rodata): SIGSEGV. The store is inline asm so
 * the compiler cannot drop it as undefined behaviour. */
#include <stdio.h>

static const char message[] = "read-only";

int main(void) {
  printf("before write\n");
  fflush(stdout);
  __asm__ volatile("movb $0x52, (%0)" : : "r"(message) : "memory");
  printf("after write %s\n", message);
  return 0;
}
