/* libm from the shared library: results printed with %a are bit-exact. */
#include <math.h>
#include <stdio.h>
int main(int argc, char **argv) {
  volatile double x = 0.5 + argc;
  printf("sin %a\n", sin(x));
  printf("pow %a\n", pow(x, 3.25));
  printf("fmod %.17g\n", fmod(x * 100, 7.5));
  printf("log %.17g\n", log(x * 1000));
  printf("sqrt %.17g\n", sqrt(x));
  printf("atan2 %.17g\n", atan2(x, 3.0));
  (void)argv;
  return 3;
}
