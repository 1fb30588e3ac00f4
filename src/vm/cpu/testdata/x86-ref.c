/*
 * Native reference for the CPU unit tests: runs arbitrary i386 machine code
 * on the host CPU and prints the resulting registers and EFLAGS.
 *
 * Build: gcc -m32 -static -no-pie -fno-pie -O1 x86-ref.c -o x86-ref
 *
 * stdin, one case per line (hex numbers):
 *   CODE EAX ECX EDX EBX EBP ESI EFLAGS MEM
 * CODE is the instruction bytes as one hex string ("d3e0"). EDI points to a
 * 4-byte scratch word initialised to MEM, so memory operands are written
 * as [edi]. EFLAGS is loaded with POPFD (only the arithmetic bits and DF are
 * meaningful). ESP must not be used by the code.
 * stdout, one line per case:
 *   EAX ECX EDX EBX EBP ESI EFLAGS MEM     or     FAULT <signal number>
 */
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

struct regs {
  uint32_t eax, ecx, edx, ebx, ebp, esi, edi, eflags;
};

struct regs ref_g;
uint32_t ref_saved_esp;
void *ref_code;
extern void ref_run(void);
extern char ref_back[];

/* Loads ref_g into the registers, jumps to ref_code, which ends with a jump
 * to ref_back; stores the registers back. Nothing between the test bytes and
 * PUSHFD changes flags. */
__asm__(
    ".text\n"
    ".globl ref_run\n"
    "ref_run:\n"
    "  pushl %ebp\n  pushl %ebx\n  pushl %esi\n  pushl %edi\n"
    "  movl %esp, ref_saved_esp\n"
    "  pushl ref_g+28\n"
    "  movl ref_g+4, %ecx\n  movl ref_g+8, %edx\n  movl ref_g+12, %ebx\n"
    "  movl ref_g+16, %ebp\n  movl ref_g+20, %esi\n  movl ref_g+24, %edi\n"
    "  movl ref_g, %eax\n"
    "  popfl\n"
    "  jmp *ref_code\n"
    ".globl ref_back\n"
    "ref_back:\n"
    "  pushfl\n"
    "  popl ref_g+28\n"
    "  movl %eax, ref_g\n  movl %ecx, ref_g+4\n  movl %edx, ref_g+8\n  movl %ebx, ref_g+12\n"
    "  movl %ebp, ref_g+16\n  movl %esi, ref_g+20\n  movl %edi, ref_g+24\n"
    "  movl ref_saved_esp, %esp\n"
    "  popl %edi\n  popl %esi\n  popl %ebx\n  popl %ebp\n"
    "  cld\n"
    "  ret\n");

static sigjmp_buf jb;
static volatile int fault_sig;

static void on_fault(int sig) {
  fault_sig = sig;
  siglongjmp(jb, 1);
}

static int hexval(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int main(void) {
  static char line[4096];
  uint8_t *code = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  uint32_t *mem = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (code == MAP_FAILED || mem == MAP_FAILED) return 2;
  /* A line per case as soon as it is done: a reference that dies part way
   * (qemu-user, see native-ref.ts) still reports the cases before. */
  setvbuf(stdout, NULL, _IOLBF, 0);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_fault;
  sa.sa_flags = SA_NODEFER;
  sigaction(SIGFPE, &sa, NULL);
  sigaction(SIGSEGV, &sa, NULL);
  sigaction(SIGILL, &sa, NULL);
  sigaction(SIGBUS, &sa, NULL);
  sigaction(SIGTRAP, &sa, NULL);
  while (fgets(line, sizeof line, stdin)) {
    char *p = line;
    int n = 0;
    while (hexval(p[0]) >= 0 && hexval(p[1]) >= 0 && n < 4000) {
      code[n++] = (uint8_t)(hexval(p[0]) << 4 | hexval(p[1]));
      p += 2;
    }
    if (n == 0) continue;
    /* push ref_back; ret */
    code[n++] = 0x68;
    uint32_t back = (uint32_t)(uintptr_t)ref_back;
    memcpy(code + n, &back, 4);
    n += 4;
    code[n++] = 0xc3;
    uint32_t v[8];
    for (int k = 0; k < 8; k++) v[k] = (uint32_t)strtoul(p, &p, 16);
    ref_g.eax = v[0];
    ref_g.ecx = v[1];
    ref_g.edx = v[2];
    ref_g.ebx = v[3];
    ref_g.ebp = v[4];
    ref_g.esi = v[5];
    ref_g.edi = (uint32_t)(uintptr_t)mem;
    ref_g.eflags = (v[6] & 0xcd5) | 0x2; /* arithmetic flags and DF only */
    mem[0] = v[7];
    ref_code = code;
    fault_sig = 0;
    if (sigsetjmp(jb, 1) == 0) {
      ref_run();
      printf("%x %x %x %x %x %x %x %x\n", ref_g.eax, ref_g.ecx, ref_g.edx, ref_g.ebx, ref_g.ebp, ref_g.esi,
             ref_g.eflags, mem[0]);
    } else {
      printf("FAULT %d\n", fault_sig);
    }
  }
  return 0;
}
