/* Encodings of the eight classic ALU operations (ADD OR ADC SBB AND SUB XOR
 * CMP) at 8/16/32 bits, each emitted byte by byte so every form is covered
 * whatever the assembler would prefer:
 *   r/m,r (00/01 +8n) and r,r/m (02/03 +8n) on registers and on memory;
 *   AL/AX/EAX,imm (04/05 +8n); 80 /n ib; 81 /n iw/id; 83 /n ib sign-extended;
 *   82 /n ib (the 32-bit-mode alias of 80); the same immediates on memory.
 * Then register-number decoding: all 8x8 pairs of 32-bit registers (incl.
 * ESP/EBP) for ADD, all 8x8 byte-register pairs (AL..BH) for ADD and MOV,
 * the one-byte INC/DEC/PUSH/POP/XCHG/MOV-imm forms on every register, and
 * TEST/NOT/NEG/MOVZX/MOVSX forms.
 *
 * Flags printed are masked as in flags.c: all six for arithmetic, AF removed
 * for OR/AND/XOR/TEST (SDM Vol. 2: AF undefined).
 */
#include "common.h"

u32 g_a, g_b, g_fin, g_m, g_saved_esp;
u32 g_out[4096];

static const char *const OPS[8] = {"add", "or", "adc", "sbb", "and", "sub", "xor", "cmp"};
static u32 opmask(int n) { return (n == 1 || n == 4 || n == 6) ? F_LOGIC : F_ARITH; }

/* One case: load EAX=g_a, ECX=g_b, g_m=g_a, flags=g_fin; run; store EAX (or
 * g_m for memory destinations) and the flags into g_out. */
#define PRE "mov g_a, %%eax\n\tmov g_b, %%ecx\n\tmov %%eax, g_m\n\tpushl g_fin\n\tpopf\n\t"
/* for r,m forms the memory operand is the source: g_m = g_b */
#define PRE_RM "mov g_a, %%eax\n\tmov g_b, %%ecx\n\tmov %%ecx, g_m\n\tpushl g_fin\n\tpopf\n\t"
#define POST_REG "pushf\n\tpopl g_out+k+4\n\tmov %%eax, g_out+k\n\t.set k, k+8\n\t"
#define POST_MEM "pushf\n\tpopl g_out+k+4\n\tmov g_m, %%eax\n\tmov %%eax, g_out+k\n\t.set k, k+8\n\t"

/* Immediates. 83 /n (and 82 /n) take an imm8: for a value that does not fit,
 * that slot runs the instruction with imm8 0x80 and is printed as "-". */
#define IMM32 "0x7f, -1, 0x80, 0x12345678, -128"
#define IMM16 "0x7f, -1, 0x80, 0x1234, -128"
#define IMM8 "0x7f, -1, 0x80, 0x5a"
#define NIMM32 5
#define NIMM16 5
#define NIMM8 4
static const char *const IMMS32[] = {"7f", "-1", "80", "12345678", "-128"};
static const char *const IMMS16[] = {"7f", "-1", "80", "1234", "-128"};
static const char *const IMMS8[] = {"7f", "-1", "80", "5a"};
static const int FITS8[] = {1, 1, 0, 0, 1}; /* for the 16/32-bit lists */

/* per immediate: acc, 81 (80) reg, 83 (82) reg, 81 (80) mem, 83 (82) mem */
#define NIF 5

static NOINLINE void run_all(void) {
  __asm__ volatile(
      ".set k, 0\n\t"
      /* ---------------- 32-bit */
      ".irp n,0,1,2,3,4,5,6,7\n\t"
      PRE ".byte 0x01+8*\\n, 0xc8\n\t" POST_REG              /* op %ecx, %eax (01 /r) */
      PRE ".byte 0x03+8*\\n, 0xc1\n\t" POST_REG              /* op %ecx, %eax (03 /r) */
      PRE ".byte 0x01+8*\\n, 0x0d\n\t.long g_m\n\t" POST_MEM /* op %ecx, g_m */
      PRE_RM ".byte 0x03+8*\\n, 0x05\n\t.long g_m\n\t" POST_REG /* op g_m, %eax */
      ".irp imm," IMM32 "\n\t"
      PRE ".byte 0x05+8*\\n\n\t.long \\imm\n\t" POST_REG      /* op $imm, %eax (05) */
      PRE ".byte 0x81, 0xc0+8*\\n\n\t.long \\imm\n\t" POST_REG
      ".if (\\imm >= -128) && (\\imm <= 127)\n\t"
      PRE ".byte 0x83, 0xc0+8*\\n, (\\imm) & 0xff\n\t" POST_REG
      ".else\n\t"
      PRE ".byte 0x83, 0xc0+8*\\n, 0x80\n\t" POST_REG           /* keeps the table regular */
      ".endif\n\t"
      PRE ".byte 0x81, 0x05+8*\\n\n\t.long g_m\n\t.long \\imm\n\t" POST_MEM
      PRE ".byte 0x83, 0x05+8*\\n\n\t.long g_m\n\t.byte (\\imm) & 0xff\n\t" POST_MEM
      ".endr\n\t"
      ".endr\n\t"
      /* ---------------- 16-bit */
      ".irp n,0,1,2,3,4,5,6,7\n\t"
      PRE ".byte 0x66, 0x01+8*\\n, 0xc8\n\t" POST_REG
      PRE ".byte 0x66, 0x03+8*\\n, 0xc1\n\t" POST_REG
      PRE ".byte 0x66, 0x01+8*\\n, 0x0d\n\t.long g_m\n\t" POST_MEM
      PRE_RM ".byte 0x66, 0x03+8*\\n, 0x05\n\t.long g_m\n\t" POST_REG
      ".irp imm," IMM16 "\n\t"
      PRE ".byte 0x66, 0x05+8*\\n\n\t.word (\\imm) & 0xffff\n\t" POST_REG
      PRE ".byte 0x66, 0x81, 0xc0+8*\\n\n\t.word (\\imm) & 0xffff\n\t" POST_REG
      ".if (\\imm >= -128) && (\\imm <= 127)\n\t"
      PRE ".byte 0x66, 0x83, 0xc0+8*\\n, (\\imm) & 0xff\n\t" POST_REG
      ".else\n\t"
      PRE ".byte 0x66, 0x83, 0xc0+8*\\n, 0x80\n\t" POST_REG
      ".endif\n\t"
      PRE ".byte 0x66, 0x81, 0x05+8*\\n\n\t.long g_m\n\t.word (\\imm) & 0xffff\n\t" POST_MEM
      PRE ".byte 0x66, 0x83, 0x05+8*\\n\n\t.long g_m\n\t.byte (\\imm) & 0xff\n\t" POST_MEM
      ".endr\n\t"
      ".endr\n\t"
      /* ---------------- 8-bit */
      ".irp n,0,1,2,3,4,5,6,7\n\t"
      PRE ".byte 0x00+8*\\n, 0xc8\n\t" POST_REG              /* op %cl, %al (00 /r) */
      PRE ".byte 0x02+8*\\n, 0xc1\n\t" POST_REG              /* op %cl, %al (02 /r) */
      PRE ".byte 0x00+8*\\n, 0x0d\n\t.long g_m\n\t" POST_MEM
      PRE_RM ".byte 0x02+8*\\n, 0x05\n\t.long g_m\n\t" POST_REG
      ".irp imm," IMM8 "\n\t"
      PRE ".byte 0x04+8*\\n, (\\imm) & 0xff\n\t" POST_REG     /* op $imm, %al (04) */
      PRE ".byte 0x80, 0xc0+8*\\n, (\\imm) & 0xff\n\t" POST_REG
      PRE ".byte 0x82, 0xc0+8*\\n, (\\imm) & 0xff\n\t" POST_REG /* alias of 80 */
      PRE ".byte 0x80, 0x05+8*\\n\n\t.long g_m\n\t.byte (\\imm) & 0xff\n\t" POST_MEM
      PRE ".byte 0x82, 0x05+8*\\n\n\t.long g_m\n\t.byte (\\imm) & 0xff\n\t" POST_MEM
      ".endr\n\t"
      ".endr\n\t"
      :
      :
      : "eax", "ecx", "memory", "cc");
}

static void print_results(int b_idx, int c) {
  static const char *const FORMS[4] = {"rm,r", "r,rm", "m,r", "r,m"};
  int k = 0;
  for (int s = 0; s < 3; s++) {
    int bits = 32 >> s, w = bits / 4;
    u32 vmask = bits == 32 ? 0xffffffffu : (1u << bits) - 1;
    int nimm = s == 0 ? NIMM32 : s == 1 ? NIMM16 : NIMM8;
    const char *const *imms = s == 0 ? IMMS32 : s == 1 ? IMMS16 : IMMS8;
    for (int n = 0; n < 8; n++) {
      u32 m = opmask(n);
      printf("%s%d %0*x %0*x c%d ->", OPS[n], bits, w, g_a & vmask, w, g_b & vmask, c);
      for (int f = 0; f < 4; f++, k += 2)
        printf(" %s:%0*x/%03x", FORMS[f], w, g_out[k] & vmask, g_out[k + 1] & m);
      printf("\n");
      for (int i = 0; i < nimm; i++) {
        /* immediates do not depend on B: print them once per A */
        if (b_idx == 0) {
          printf("%s%d %0*x $%s c%d ->", OPS[n], bits, w, g_a & vmask, imms[i], c);
          for (int f = 0; f < NIF; f++) {
            /* slots 2 and 4 are the imm8 encodings (83, or 82 for bytes) */
            if (s < 2 && (f == 2 || f == 4) && !FITS8[i])
              printf(" -");
            else
              printf(" %0*x/%03x", w, g_out[k + 2 * f] & vmask, g_out[k + 2 * f + 1] & m);
          }
          printf("\n");
        }
        k += 2 * NIF;
      }
    }
  }
}

/* ------------------------------------------------------------ register matrix */

static const char *const R32[8] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"};
static const char *const R8[8] = {"al", "cl", "dl", "bl", "ah", "ch", "dh", "bh"};

#define SETREGS                                                                    \
  "mov $0x11223344, %%eax\n\tmov $0x55667788, %%ecx\n\tmov $0x99aabbcc, %%edx\n\t" \
  "mov $0xddeeff00, %%ebx\n\tmov $0x0a0b0c0d, %%esp\n\tmov $0x10203040, %%ebp\n\t" \
  "mov $0x50607080, %%esi\n\tmov $0x90a0b0c0, %%edi\n\t"
#define STOREREGS                                                                  \
  "mov %%eax, g_out+k\n\tmov %%ecx, g_out+k+4\n\tmov %%edx, g_out+k+8\n\t"         \
  "mov %%ebx, g_out+k+12\n\tmov %%esp, g_out+k+16\n\tmov %%ebp, g_out+k+20\n\t"    \
  "mov %%esi, g_out+k+24\n\tmov %%edi, g_out+k+28\n\t.set k, k+32\n\t"

static NOINLINE void run_matrix(void) {
  __asm__ volatile(
      "pusha\n\tmov %%esp, g_saved_esp\n\t.set k, 0\n\t"
      /* 01 /r: add r32, r/m32 over every pair (incl. ESP, which is fine: no
         memory is touched until ESP is restored) */
      ".irp src,0,1,2,3,4,5,6,7\n\t.irp dst,0,1,2,3,4,5,6,7\n\t" SETREGS
      ".byte 0x01, 0xc0 | (\\src << 3) | \\dst\n\t" STOREREGS ".endr\n\t.endr\n\t"
      /* 00 /r and 88 /r on every byte-register pair */
      ".irp op,0x00,0x88\n\t.irp src,0,1,2,3,4,5,6,7\n\t.irp dst,0,1,2,3,4,5,6,7\n\t" SETREGS
      ".byte \\op, 0xc0 | (\\src << 3) | \\dst\n\t" STOREREGS ".endr\n\t.endr\n\t.endr\n\t"
      /* one-byte forms: INC (40+r), DEC (48+r), XCHG EAX (90+r), MOV imm32
         (B8+r), MOV imm8 (B0+r) */
      ".irp r,0,1,2,3,4,5,6,7\n\t" SETREGS ".byte 0x40+\\r\n\t" STOREREGS
      SETREGS ".byte 0x48+\\r\n\t" STOREREGS
      SETREGS ".byte 0x90+\\r\n\t" STOREREGS
      SETREGS ".byte 0xb8+\\r\n\t.long 0xcafe0000+\\r\n\t" STOREREGS
      SETREGS ".byte 0xb0+\\r, 0xe0+\\r\n\t" STOREREGS ".endr\n\t"
      "mov g_saved_esp, %%esp\n\tpopa"
      :
      :
      : "memory", "cc");
}

static void print_regs(int *k) {
  for (int r = 0; r < 8; r++) printf(" %08x", g_out[*k + r]);
  printf("\n");
  *k += 8;
}

/* PUSH r (50+r) / POP r (58+r) for every register, on a private stack. */
u32 g_stack[64];
static NOINLINE void run_push_pop(void) {
  __asm__ volatile(
      "pusha\n\tmov %%esp, g_saved_esp\n\t.set k, 0\n\t"
      ".irp r,0,1,2,3,5,6,7\n\t"
      "mov $g_stack+256, %%esp\n\t"
      SETREGS "mov $g_stack+256, %%esp\n\t"
      ".byte 0x50+\\r\n\t"            /* push r */
      "mov $0xeeeeeeee, %%eax\n\tmov $0xeeeeeeee, %%ecx\n\tmov $0xeeeeeeee, %%edx\n\t"
      "mov $0xeeeeeeee, %%ebx\n\tmov $0xeeeeeeee, %%ebp\n\tmov $0xeeeeeeee, %%esi\n\t"
      "mov $0xeeeeeeee, %%edi\n\t"
      "xorl $0x01010101, (%%esp)\n\t"
      ".byte 0x58+\\r\n\t"            /* pop r */
      "mov %%esp, g_out+k\n\tmov %%eax, g_out+k+4\n\tmov %%ecx, g_out+k+8\n\t"
      "mov %%edx, g_out+k+12\n\tmov %%ebx, g_out+k+16\n\tmov %%ebp, g_out+k+20\n\t"
      "mov %%esi, g_out+k+24\n\tmov %%edi, g_out+k+28\n\t.set k, k+32\n\t"
      ".endr\n\t"
      "mov g_saved_esp, %%esp\n\tpopa"
      :
      :
      : "memory", "cc");
}

/* ------------------------------------------------------------ TEST/NOT/NEG/MOVX */

static NOINLINE void run_misc_forms(u32 a, u32 b, int c) {
  u32 f1, f2, f3, f4, f5, f6, x = a, y;
  volatile u32 m = a;
  __asm__ volatile(FLAGS_PRE "testb $0x81, %%al" FLAGS_POST /* A8 */
                   : [fout] "=&r"(f1) : "a"(a), [fin] "r"(FLAGS_IN[c]) : "cc");
  __asm__ volatile(FLAGS_PRE "testl $0x80000001, %%eax" FLAGS_POST /* A9 */
                   : [fout] "=&r"(f2) : "a"(a), [fin] "r"(FLAGS_IN[c]) : "cc");
  __asm__ volatile(FLAGS_PRE "testw $0x8001, %%bx" FLAGS_POST /* 66 F7 /0 */
                   : [fout] "=&r"(f3) : "b"(a), [fin] "r"(FLAGS_IN[c]) : "cc");
  __asm__ volatile(FLAGS_PRE "testb $0x18, %[m]" FLAGS_POST /* F6 /0 mem */
                   : [fout] "=&r"(f4) : [m] "m"(m), [fin] "r"(FLAGS_IN[c]) : "cc");
  __asm__ volatile(FLAGS_PRE "testl %[b], %[m]" FLAGS_POST /* 85 mem */
                   : [fout] "=&r"(f5) : [m] "m"(m), [b] "r"(b), [fin] "r"(FLAGS_IN[c]) : "cc");
  __asm__ volatile(FLAGS_PRE "testb %b[b], %h[x]" FLAGS_POST /* 84 with a high byte */
                   : [fout] "=&r"(f6) : [x] "Q"(x), [b] "Q"(b), [fin] "r"(FLAGS_IN[c]) : "cc");
  printf("test %08x %08x c%d -> %03x %03x %03x %03x %03x %03x\n", a, b, c, f1 & F_LOGIC,
         f2 & F_LOGIC, f3 & F_LOGIC, f4 & F_LOGIC, f5 & F_LOGIC, f6 & F_LOGIC);

  volatile u32 mn = a, mg = a, mb = a;
  __asm__ volatile(FLAGS_PRE "notl %[m]" FLAGS_POST : [m] "+m"(mn), [fout] "=&r"(f1) : [fin] "r"(FLAGS_IN[c]) : "cc");
  __asm__ volatile(FLAGS_PRE "negl %[m]" FLAGS_POST : [m] "+m"(mg), [fout] "=&r"(f2) : [fin] "r"(FLAGS_IN[c]) : "cc");
  __asm__ volatile(FLAGS_PRE "negb 1+%[m]" FLAGS_POST : [m] "+m"(mb), [fout] "=&r"(f3) : [fin] "r"(FLAGS_IN[c]) : "cc");
  printf("not/neg mem %08x c%d -> %08x %03x %08x %03x %08x %03x\n", a, c, mn, f1 & F_ARITH, mg,
         f2 & F_ARITH, mb, f3 & F_ARITH);

  volatile u32 mm = a;
  u32 r[6];
  __asm__ volatile("movzbl %1, %0" : "=r"(r[0]) : "m"(*((volatile u8 *)&mm + 1)));
  __asm__ volatile("movzwl %1, %0" : "=r"(r[1]) : "m"(*((volatile u16 *)&mm + 1)));
  __asm__ volatile("movsbl %1, %0" : "=r"(r[2]) : "m"(*((volatile u8 *)&mm + 3)));
  __asm__ volatile("movswl %1, %0" : "=r"(r[3]) : "m"(*((volatile u16 *)&mm)));
  y = 0xdddddddd;
  __asm__ volatile("movsbw %1, %w0" : "+r"(y) : "m"(*((volatile u8 *)&mm + 2)));
  r[4] = y;
  y = 0xdddddddd;
  __asm__ volatile("movzbw %1, %w0" : "+r"(y) : "m"(*((volatile u8 *)&mm)));
  r[5] = y;
  printf("movx mem %08x -> %08x %08x %08x %08x %08x %08x\n", a, r[0], r[1], r[2], r[3], r[4],
         r[5]);
  (void)x;
}

int main(void) {
  static const u32 A[] = {0, 1, 0x7f, 0x80, 0xffffffff, 0x7fffffff, 0x80000000, 0x12345678,
                          0x0000ff80, 0x00008000};
  static const u32 B[] = {0xffffffff, 0, 1, 0x80000000, 0x7f7f7f80, 0xedcba988};
  for (unsigned i = 0; i < sizeof A / sizeof A[0]; i++)
    for (unsigned j = 0; j < sizeof B / sizeof B[0]; j++) {
      if ((i + j) % 2 && j != 0) continue; /* thin the pairs; keep every A once */
      for (int c = 0; c < 2; c++) {
        g_a = A[i];
        g_b = B[j];
        g_fin = FLAGS_IN[c];
        run_all();
        print_results(j, c);
      }
    }

  run_matrix();
  int k = 0;
  for (int src = 0; src < 8; src++)
    for (int dst = 0; dst < 8; dst++) {
      printf("add %s, %s ->", R32[src], R32[dst]);
      print_regs(&k);
    }
  for (int op = 0; op < 2; op++)
    for (int src = 0; src < 8; src++)
      for (int dst = 0; dst < 8; dst++) {
        printf("%s %s, %s ->", op ? "mov" : "add", R8[src], R8[dst]);
        print_regs(&k);
      }
  for (int r = 0; r < 8; r++) {
    printf("inc %s ->", R32[r]);
    print_regs(&k);
    printf("dec %s ->", R32[r]);
    print_regs(&k);
    printf("xchg eax, %s ->", R32[r]);
    print_regs(&k);
    printf("mov $imm32, %s ->", R32[r]);
    print_regs(&k);
    printf("mov $imm8, %s ->", R8[r]);
    print_regs(&k);
  }

  run_push_pop();
  k = 0;
  static const int PR[7] = {0, 1, 2, 3, 5, 6, 7};
  for (int i = 0; i < 7; i++) {
    printf("push/pop %s -> esp-top=%d", R32[PR[i]], (int)(g_out[k] - (u32)(g_stack + 64)));
    for (int r = 1; r < 8; r++) printf(" %08x", g_out[k + r]);
    printf("\n");
    k += 8;
  }

  for (unsigned i = 0; i < sizeof A / sizeof A[0]; i++)
    for (int c = 0; c < 2; c++) run_misc_forms(A[i], B[(i + c) % 6], c);
  return 0;
}
