#include <stdio.h>
int main(void) {
  printf("hello, dynamic world\n");
  return 0;
}
