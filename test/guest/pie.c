/* Built with -static-pie: the loader must honour the ELF's dynamic
 * relocations (R_386_RELATIVE) at a load base of its choosing. Everything
 * printed is independent of that base. */
#include <stdio.h>

static const char *const names[] = {"alpha", "beta", "gamma"}; /* relocated pointers */
static int counter = 40;
static int *const counter_ptr = &counter;                      /* pointer to data */
static __thread int tls = 5;

static int twice(int x) { return 2 * x; }
static int thrice(int x) { return 3 * x; }
static int (*const fns[])(int) = {twice, thrice};             /* pointers to code */

int main(void) {
  for (int i = 0; i < 3; i++) printf("name %d %s\n", i, names[i]);
  *counter_ptr += 2;
  printf("counter %d\n", counter);
  printf("fns %d %d\n", fns[0](7), fns[1](7));
  tls += 1;
  printf("tls %d\n", tls);
  return 3;
}
