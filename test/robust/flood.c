/* Print 16 MiB to stdout in lines, then a final line. */
#include <stdio.h>
#include <string.h>

int main(void) {
  static char line[1024];
  memset(line, 'x', sizeof line - 1);
  line[sizeof line - 2] = '\n';
  for (int i = 0; i < 16 * 1024; i++) fputs(line, stdout);
  puts("done");
  return 0;
}
