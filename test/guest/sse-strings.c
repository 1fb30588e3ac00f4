// web-vm-cflags: -msse2 -mssse3 -mfpmath=sse -O2
/* strings-glibc.c built with SSE2/SSSE3 code generation: the program's own loops vectorise too. */
#include "strings-glibc.c"
