/* dlopen(3) of libm at run time: the loader maps a library the program never linked. */
#include <dlfcn.h>
#include <stdio.h>
int main(void) {
  void *h = dlopen("libm.so.6", RTLD_NOW);
  if (!h) {
    printf("dlopen failed: %s\n", dlerror());
    return 1;
  }
  double (*cosp)(double) = (double (*)(double))dlsym(h, "cos");
  double (*hypotp)(double, double) = (double (*)(double, double))dlsym(h, "hypot");
  if (!cosp || !hypotp) {
    printf("dlsym failed: %s\n", dlerror());
    return 1;
  }
  printf("cos(1) = %a\n", cosp(1.0));
  printf("hypot(3, 4) = %.17g\n", hypotp(3.0, 4.0));
  printf("missing symbol: %s\n", dlsym(h, "no_such_symbol") ? "found?!" : "not found");
  printf("dlclose = %d\n", dlclose(h));
  return 0;
}
