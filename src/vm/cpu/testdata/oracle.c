/* Native oracle for the CPU unit tests (ops-string.test.ts, ops-bits.test.ts).
 *
 * Runs machine code given as hex on this (x86) host with given registers,
 * EFLAGS and memory, and prints the registers, EFLAGS and every changed byte
 * of memory afterwards. The tests run the same bytes in the emulator and
 * compare, so expected values come from hardware, not from the code under
 * test. Build: gcc -m32 -static -fno-pie -no-pie -O1 oracle.c
 *
 * stdin, one case per line (all numbers hex):
 *   CODE EAX ECX EDX EBX EBP ESI EDI EFLAGS SEED NW [OFF BYTES]*NW
 * CODE must not touch ESP or fault; it may use the MEM_SIZE bytes at
 * MEM_BASE, which start as pattern(SEED) with the NW writes applied.
 * stdout, one line per case:
 *   EAX ECX EDX EBX EBP ESI EDI EFLAGS | OFF:BB ...
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define MEM_BASE 0x50000000u
#define MEM_SIZE 0x3000u

typedef uint32_t u32;

/* regs[8] in x86 order; regs[4] (ESP) is ignored. */
u32 regs_in[8], regs_out[8], flags_in, flags_out, saved_esp, back_addr;
void *code_ptr;
extern char tramp_back[];
void tramp(void);

__asm__(".text\n"
        ".globl tramp\n"
        "tramp:\n"
        "  pushal\n"
        "  pushfl\n"
        "  movl %esp, saved_esp\n"
        "  movl regs_in+0, %eax\n"
        "  movl regs_in+4, %ecx\n"
        "  movl regs_in+8, %edx\n"
        "  movl regs_in+12, %ebx\n"
        "  movl regs_in+20, %ebp\n"
        "  movl regs_in+24, %esi\n"
        "  movl regs_in+28, %edi\n"
        "  pushl flags_in\n"
        "  popfl\n"
        "  jmp *code_ptr\n"
        ".globl tramp_back\n"
        "tramp_back:\n"
        "  pushfl\n"
        "  popl flags_out\n"
        "  movl %eax, regs_out+0\n"
        "  movl %ecx, regs_out+4\n"
        "  movl %edx, regs_out+8\n"
        "  movl %ebx, regs_out+12\n"
        "  movl %ebp, regs_out+20\n"
        "  movl %esi, regs_out+24\n"
        "  movl %edi, regs_out+28\n"
        "  movl saved_esp, %esp\n"
        "  popfl\n"
        "  popal\n"
        "  ret\n");

static uint8_t init[MEM_SIZE];

/* Same generator as pattern() in native-oracle.ts. */
static uint8_t pattern(u32 seed, u32 k) { return (uint8_t)(((k + seed) * 0x9E3779B1u) >> 24); }

static int hexval(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static size_t unhex(const char *h, uint8_t *out, size_t max) {
  size_t n = 0;
  while (h[0] && h[1] && n < max) {
    out[n++] = (uint8_t)(hexval(h[0]) * 16 + hexval(h[1]));
    h += 2;
  }
  return n;
}

static char line[1 << 20];

int main(void) {
  uint8_t *mem = mmap((void *)MEM_BASE, MEM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
  uint8_t *code = mmap(0, 0x1000, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mem != (uint8_t *)MEM_BASE || code == MAP_FAILED) {
    fprintf(stderr, "oracle: mmap failed\n");
    return 2;
  }
  code_ptr = code;
  back_addr = (u32)tramp_back;
  while (fgets(line, sizeof line, stdin)) {
    char *tok = strtok(line, " \t\r\n");
    if (!tok) continue;
    size_t n = unhex(tok, code, 0x1000 - 8);
    /* jmp *back_addr */
    code[n++] = 0xff;
    code[n++] = 0x25;
    u32 ba = (u32)&back_addr;
    memcpy(code + n, &ba, 4);
    static const int order[8] = {0, 1, 2, 3, 5, 6, 7, -1};
    for (int r = 0; order[r] >= 0; r++) regs_in[order[r]] = (u32)strtoul(strtok(0, " \t\r\n"), 0, 16);
    flags_in = (u32)strtoul(strtok(0, " \t\r\n"), 0, 16);
    u32 seed = (u32)strtoul(strtok(0, " \t\r\n"), 0, 16);
    u32 nw = (u32)strtoul(strtok(0, " \t\r\n"), 0, 16);
    for (u32 k = 0; k < MEM_SIZE; k++) mem[k] = pattern(seed, k);
    for (u32 w = 0; w < nw; w++) {
      u32 off = (u32)strtoul(strtok(0, " \t\r\n"), 0, 16);
      const char *h = strtok(0, " \t\r\n");
      unhex(h, mem + off, MEM_SIZE - off);
    }
    memcpy(init, mem, MEM_SIZE);
    tramp();
    for (int r = 0; r < 8; r++) {
      if (r == 4) continue;
      printf("%08x ", regs_out[r]);
    }
    printf("%08x |", flags_out);
    for (u32 k = 0; k < MEM_SIZE; k++)
      if (mem[k] != init[k]) printf(" %x:%02x", k, mem[k]);
    printf("\n");
    fflush(stdout);
  }
  return 0;
}
