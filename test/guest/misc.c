/* Everything else in the integer set:
 *   CBW CWDE CWD CDQ; XCHG (short 90+r forms, 8/16/32, memory); XLAT;
 *   LAHF SAHF; CLC STC CMC; LEA with every 32-bit ModRM/SIB form and every
 *   16-bit (0x67) form, with 32- and 16-bit (0x66) destinations;
 *   ENTER/LEAVE with nesting levels 0-3 (and 32, masked to 0) and their 16-bit
 *   forms; PUSHA/POPA and their 16-bit forms; PUSH/POP forms (imm8, imm32,
 *   memory, ESP itself, 16-bit); PUSHF/POPF round trips, the ID bit, IF
 *   being ignored at CPL 3; LOOP LOOPE LOOPNE JECXZ and their 0x67 (CX) forms; CPUID presence;
 *   16-bit and high-byte operand forms leaving the rest of the register alone;
 *   PUSH/POP of DS/ES/GS; the TLS thread pointer at %gs:0; multi-byte NOPs;
 *   RET imm16, REP RET, PAUSE; indirect CALL/JMP; MOV moffs; LOCK ALU forms.
 *
 * Values that are addresses (stack, data) are printed relative to a known
 * buffer, or only as equalities; segment selectors only as equalities.
 */
#include "common.h"

/* Globals addressed by name from asm (non-PIE, absolute addressing). They
 * must not be static so the assembler names stay exactly these. */
u32 g_stack[512];   /* a private stack for tests that move ESP/EBP */
u32 g_saved_esp;
u32 g_out[1024];
u8 g_xlat[256];

#define STACK_TOP "g_stack+2048"

static void pr_val(u32 v) {
  u32 base = (u32)g_stack;
  if (v >= base && v <= base + sizeof g_stack)
    printf(" S+%03x", v - base);
  else
    printf(" %08x", v);
}

/* -------------------------------------------------------------- CBW etc. */

static void test_convert(void) {
  static const u32 VALS[] = {0, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff,
                             0x12345678, 0x87654321, 0x7fffffff, 0x80000000, 0xffffffff};
  for (unsigned i = 0; i < sizeof VALS / sizeof VALS[0]; i++) {
    u32 v = VALS[i], a1 = v, a2 = v, a3 = v, d3 = 0xdddddddd, a4 = v, d4 = 0xdddddddd;
    __asm__("cbtw" : "+a"(a1));
    __asm__("cwtl" : "+a"(a2));
    __asm__("cwtd" : "+a"(a3), "+d"(d3));
    __asm__("cltd" : "+a"(a4), "+d"(d4));
    printf("convert %08x -> cbw=%08x cwde=%08x cwd=%08x:%08x cdq=%08x:%08x\n", v, a1, a2, d3, a3,
           d4, a4);
  }
}

/* -------------------------------------------------------------- XCHG, XLAT */

static void test_xchg_xlat(void) {
  u32 a = 0x11112222, b = 0x33334444, c = 0x55556666, d = 0x77778888, S = 0x9999aaaa,
      D = 0xbbbbcccc;
  __asm__("xchg %%eax, %%ebx" : "+a"(a), "+b"(b)); /* 93 */
  __asm__("xchg %%eax, %%ecx" : "+a"(a), "+c"(c)); /* 91 */
  __asm__("xchg %%edx, %%eax" : "+a"(a), "+d"(d)); /* 92 */
  __asm__("xchg %%esi, %%edi" : "+S"(S), "+D"(D)); /* 87 /r */
  printf("xchg32 %08x %08x %08x %08x %08x %08x\n", a, b, c, d, S, D);
  __asm__("xchgw %%ax, %%bx" : "+a"(a), "+b"(b)); /* 66 93 */
  __asm__("xchgw %%si, %%di" : "+S"(S), "+D"(D));
  printf("xchg16 %08x %08x %08x %08x\n", a, b, S, D);
  __asm__("xchgb %%al, %%bh" : "+a"(a), "+b"(b));
  __asm__("xchgb %%ch, %%dl" : "+c"(c), "+d"(d));
  __asm__("xchgb %%ah, %%al" : "+a"(a));
  printf("xchg8 %08x %08x %08x %08x\n", a, b, c, d);
  u32 m = 0xdeadbeef;
  __asm__("xchgl %0, %1" : "+r"(a), "+m"(m));
  printf("xchg32m %08x %08x\n", a, m);
  __asm__("xchgw %w0, %1" : "+r"(b), "+m"(*(u16 *)&m));
  printf("xchg16m %08x %08x\n", b, m);
  __asm__("xchgb %b0, %1" : "+q"(c), "+m"(*((u8 *)&m + 3)));
  printf("xchg8m %08x %08x\n", c, m);

  for (int i = 0; i < 256; i++) g_xlat[i] = (u8)(i * 13 + 5);
  for (int al = 0; al < 256; al += 17) {
    u32 eax = 0xabcd0000 | (u32)al;
    __asm__("xlat" : "+a"(eax) : "b"(g_xlat) : "memory");
    printf("xlat al=%02x -> %08x\n", al, eax);
  }
}

/* -------------------------------------------------------------- flags misc */

static void test_flag_ops(void) {
  /* SAHF: AH -> SF ZF AF PF CF; OF untouched (SDM Vol. 2 SAHF) */
  for (int ah = 0; ah < 256; ah++) {
    for (int c = 0; c < 2; c++) {
      u32 f, ax = (u32)ah << 8;
      __asm__ volatile(FLAGS_PRE "sahf" FLAGS_POST
                       : [fout] "=&r"(f)
                       : "a"(ax), [fin] "r"(FLAGS_IN[c])
                       : "cc");
      if ((ah & 0x2a) == 0 || ah == 0xff) /* keep the output small */
        printf("sahf ah=%02x c%d -> %03x\n", ah, c, f & F_ARITH);
    }
  }
  /* LAHF: AH = SF:ZF:0:AF:0:PF:1:CF (SDM Vol. 2 LAHF) */
  for (int combo = 0; combo < 64; combo++) {
    static const u32 B[6] = {F_CF, F_PF, F_AF, F_ZF, F_SF, F_OF};
    u32 fin = 0, ax = 0x12345678;
    for (int b = 0; b < 6; b++)
      if (combo & (1 << b)) fin |= B[b];
    __asm__ volatile("push %[fin]\n\tpopf\n\tlahf" : "+a"(ax) : [fin] "r"(fin) : "cc");
    printf("lahf flags=%03x -> %08x\n", fin, ax);
  }
  for (int c = 0; c < 2; c++) {
    u32 f1, f2, f3;
    __asm__ volatile(FLAGS_PRE "clc" FLAGS_POST : [fout] "=&r"(f1) : [fin] "r"(FLAGS_IN[c]) : "cc");
    __asm__ volatile(FLAGS_PRE "stc" FLAGS_POST : [fout] "=&r"(f2) : [fin] "r"(FLAGS_IN[c]) : "cc");
    __asm__ volatile(FLAGS_PRE "cmc" FLAGS_POST : [fout] "=&r"(f3) : [fin] "r"(FLAGS_IN[c]) : "cc");
    printf("clc/stc/cmc c%d -> %03x %03x %03x\n", c, f1 & F_ARITH, f2 & F_ARITH, f3 & F_ARITH);
  }
}

/* -------------------------------------------------------------- PUSHF/POPF */

static void test_pushf_popf(void) {
  u32 f;
  __asm__ volatile("pushf\n\tpop %0" : "=r"(f));
  /* bit 1 is always 1, IF is 1 in user mode; nothing else outside the status flags */
  printf("pushf other bits = %08x\n", f & ~F_ARITH);
  static const u32 INS[] = {0, F_ARITH, F_CF | F_ZF, F_OF | F_SF, F_DF, F_DF | F_ARITH, 0x3fffff & ~(0x100u | 0x40000u)};
  for (unsigned i = 0; i < sizeof INS / sizeof INS[0]; i++) {
    /* Never set TF (0x100) or AC (0x40000): trap, alignment checks. IOPL and IF
       are silently kept at CPL 3; VM, RF, VIF, VIP cannot be set by POPF. */
    u32 out;
    /* the outer pushf/popf puts back whatever else (NT, ID) this set */
    __asm__ volatile("pushf\n\tpush %1\n\tpopf\n\tpushf\n\tpop %0\n\tpopf" : "=r"(out) : "r"(INS[i]) : "cc");
    printf("popf %08x -> status+df=%03x if=%d iopl=%d\n", INS[i], out & (F_ARITH | F_DF),
           !!(out & 0x200), (out >> 12) & 3);
  }
  /* The ID bit (21) can be toggled: the classic CPUID detection. */
  u32 before, after;
  __asm__ volatile("pushf\n\tpop %0\n\tmov %0, %1\n\txor $0x200000, %1\n\tpush %1\n\tpopf\n\t"
                   "pushf\n\tpop %1\n\tpush %0\n\tpopf"
                   : "=&r"(before), "=&r"(after)
                   :
                   : "cc");
  printf("id bit toggles=%d\n", ((before ^ after) & 0x200000) != 0);
  /* POPF with IF clear is ignored at CPL 3 with IOPL 0 */
  __asm__ volatile("pushf\n\tpush $0\n\tpopf\n\tpushf\n\tpop %0\n\tpopf" : "=r"(after) : : "cc");
  printf("popf 0 keeps if=%d\n", !!(after & 0x200));
  /* 16-bit PUSHF/POPF (66 9C / 66 9D) */
  u32 lo;
  __asm__ volatile("push %1\n\tpopf\n\tpushfw\n\tpopw %w0\n\tpushw $0x0895\n\tpopfw\n\tpushf\n\tpop %1"
                   : "=&r"(lo), "+r"(after)
                   :
                   : "cc");
  printf("pushfw status=%03x popfw -> %03x\n", lo & F_ARITH, after & F_ARITH);
}

/* -------------------------------------------------------------- LEA */

/* Base registers for the LEA tests; each register's upper half is non-zero
 * so 16-bit addressing must truncate. ESP is set too: LEA never touches
 * memory. */
#define LEA_SETREGS                                                                \
  "mov $0xa5a51000, %%eax\n\tmov $0x00020000, %%ecx\n\tmov $0x00000300, %%edx\n\t" \
  "mov $0x1234f000, %%ebx\n\tmov $0x00000050, %%esp\n\tmov $0x5678fff0, %%ebp\n\t" \
  "mov $0x9abc1234, %%esi\n\tmov $0x00008765, %%edi\n\t"
static const u32 LEA_REGS[8] = {0xa5a51000, 0x00020000, 0x00000300, 0x1234f000,
                                0x00000050, 0x5678fff0, 0x9abc1234, 0x00008765};
static const char *const R32[8] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"};

static NOINLINE void test_lea(void) {
  /* Emit every encoding with raw bytes (gas would pick shorter ones), store
   * EAX to g_out+n after each, then reload EAX. */
  __asm__ volatile(
      "pusha\n\tmov %%esp, g_saved_esp\n\t" LEA_SETREGS
      ".set lea_n, 0\n\t"
      /* 32-bit ModRM without SIB: rm != 4 */
      ".irp mod,0,1,2\n\t.irp rm,0,1,2,3,5,6,7\n\t"
      ".byte 0x8d, (\\mod << 6) | \\rm\n\t"
      ".if \\mod == 1\n\t.byte 0x85\n\t"
      ".elseif (\\mod == 2) || ((\\mod == 0) && (\\rm == 5))\n\t.long 0x12345678\n\t.endif\n\t"
      "mov %%eax, g_out+lea_n\n\t.set lea_n, lea_n+4\n\tmov $0xa5a51000, %%eax\n\t"
      ".endr\n\t.endr\n\t"
      /* 32-bit ModRM with SIB: every base, index (4 = none) and scale */
      ".irp mod,0,1,2\n\t.irp base,0,1,2,3,4,5,6,7\n\t.irp idx,0,1,2,3,4,5,6,7\n\t"
      ".irp ss,0,1,2,3\n\t"
      ".byte 0x8d, (\\mod << 6) | 4, (\\ss << 6) | (\\idx << 3) | \\base\n\t"
      ".if \\mod == 1\n\t.byte 0x7b\n\t"
      ".elseif (\\mod == 2) || ((\\mod == 0) && (\\base == 5))\n\t.long 0x87654321\n\t.endif\n\t"
      "mov %%eax, g_out+lea_n\n\t.set lea_n, lea_n+4\n\tmov $0xa5a51000, %%eax\n\t"
      ".endr\n\t.endr\n\t.endr\n\t.endr\n\t"
      "mov g_saved_esp, %%esp\n\tpopa"
      :
      :
      : "memory", "cc");
  printf("lea inputs:");
  for (int r = 0; r < 8; r++) printf(" %s=%08x", R32[r], LEA_REGS[r]);
  printf(" disp8=-0x7b/0x7b disp32=0x12345678/0x87654321\n");
  int n = 0;
  for (int mod = 0; mod < 3; mod++)
    for (int rm = 0; rm < 8; rm++) {
      if (rm == 4) continue;
      printf("lea mod=%d rm=%s -> %08x\n", mod, (mod == 0 && rm == 5) ? "disp32" : R32[rm],
             g_out[n++]);
    }
  for (int mod = 0; mod < 3; mod++)
    for (int base = 0; base < 8; base++)
      for (int idx = 0; idx < 8; idx++) {
        printf("lea mod=%d base=%s idx=%s ->", mod,
               (mod == 0 && base == 5) ? "disp32" : R32[base], idx == 4 ? "none" : R32[idx]);
        for (int ss = 0; ss < 4; ss++) printf(" %08x", g_out[n++]);
        printf("\n");
      }

  /* 16-bit addressing (67 8D): [bx+si] [bx+di] [bp+si] [bp+di] [si] [di]
   * [bp]/disp16 [bx]; the sum wraps at 16 bits and is zero-extended. With
   * 66 67 8D only AX is written. */
  __asm__ volatile(
      "pusha\n\tmov %%esp, g_saved_esp\n\t" LEA_SETREGS
      ".set lea_n, 0\n\t"
      ".irp opsz,0,1\n\t.irp mod,0,1,2\n\t.irp rm,0,1,2,3,4,5,6,7\n\t"
      ".if \\opsz\n\t.byte 0x66\n\t.endif\n\t"
      ".byte 0x67, 0x8d, (\\mod << 6) | \\rm\n\t"
      ".if \\mod == 1\n\t.byte 0x85\n\t"
      ".elseif (\\mod == 2) || ((\\mod == 0) && (\\rm == 6))\n\t.word 0x9abc\n\t.endif\n\t"
      "mov %%eax, g_out+lea_n\n\t.set lea_n, lea_n+4\n\tmov $0xa5a51000, %%eax\n\t"
      ".endr\n\t.endr\n\t.endr\n\t"
      /* 32-bit addressing with a 16-bit destination: truncated */
      "leaw 0x7fff(%%ebx,%%esi,8), %%ax\n\tmov %%eax, g_out+lea_n\n\t"
      "mov g_saved_esp, %%esp\n\tpopa"
      :
      :
      : "memory", "cc");
  static const char *const RM16[8] = {"bx+si", "bx+di", "bp+si", "bp+di", "si", "di", "bp", "bx"};
  n = 0;
  for (int opsz = 0; opsz < 2; opsz++)
    for (int mod = 0; mod < 3; mod++)
      for (int rm = 0; rm < 8; rm++)
        printf("lea16 %s mod=%d rm=%s -> %08x\n", opsz ? "ax" : "eax", mod,
               (mod == 0 && rm == 6) ? "disp16" : RM16[rm], g_out[n++]);
  printf("leaw 32-bit address -> %08x\n", g_out[n]);
}

/* -------------------------------------------------------------- ENTER/LEAVE */

#define ENTER_CASE(level)                                                          \
  __asm__ volatile("pusha\n\tmov %%esp, g_saved_esp\n\t"                          \
                   "mov $g_stack+0x300, %%esp\n\tmov $g_stack+0x100, %%ebp\n\t"    \
                   "enter $0x20, $" #level "\n\t"                                  \
                   "mov %%esp, g_out\n\tmov %%ebp, g_out+4\n\t"                    \
                   "leave\n\t"                                                     \
                   "mov %%esp, g_out+8\n\tmov %%ebp, g_out+12\n\t"                 \
                   "mov g_saved_esp, %%esp\n\tpopa"                                \
                   :                                                               \
                   :                                                               \
                   : "memory", "cc");                                              \
  report_enter(level);

static void prep_enter(void) {
  for (int i = 0; i < 512; i++) g_stack[i] = 0xcccccccc;
  /* the outer frames' saved frame pointers that ENTER copies */
  for (int i = 1; i <= 8; i++) g_stack[0x100 / 4 - i] = 0xf00d0000 + (u32)i;
}

static void report_enter(int level) {
  printf("enter $0x20,$%d -> esp", level);
  pr_val(g_out[0]);
  printf(" ebp");
  pr_val(g_out[1]);
  printf(" | leave -> esp");
  pr_val(g_out[2]);
  printf(" ebp");
  pr_val(g_out[3]);
  printf(" | stack");
  for (int i = 0x2fc / 4; i >= 0x2d0 / 4; i--) pr_val(g_stack[i]);
  printf("\n");
}

/* A 16-bit stack word that is the low half of an address in g_stack. */
static void pr_half(u16 h) {
  u32 off = (u32)(h - ((u32)g_stack & 0xffff)) & 0xffff;
  if (off <= sizeof g_stack)
    printf(" s16+%03x", off);
  else
    printf(" %04x", h);
}

static void report_enterw(int level) {
  printf("enterw $0x10,$%d -> esp", level);
  pr_val(g_out[0]);
  printf(" ebp");
  pr_val(g_out[1]);
  printf(" | leavew -> esp");
  pr_val(g_out[2]);
  printf(" ebp");
  pr_val(g_out[3]);
  printf(" | stack");
  const u16 *h = (const u16 *)g_stack;
  for (int i = 0x2fe / 2; i >= 0x2e6 / 2; i--) pr_half(h[i]);
  printf("\n");
}

static NOINLINE void test_enter(void) {
  prep_enter();
  ENTER_CASE(0)
  prep_enter();
  ENTER_CASE(1)
  prep_enter();
  ENTER_CASE(2)
  prep_enter();
  ENTER_CASE(3)
  prep_enter();
  ENTER_CASE(32)
  /* a typical prologue/epilogue pair written the long way must match */
  prep_enter();
  __asm__ volatile("pusha\n\tmov %%esp, g_saved_esp\n\t"
                   "mov $g_stack+0x300, %%esp\n\tmov $g_stack+0x100, %%ebp\n\t"
                   ".byte 0xc8, 0x00, 0x01, 0x00\n\t" /* enter $0x100, $0 */
                   "mov %%esp, g_out\n\tmov %%ebp, g_out+4\n\t"
                   "leave\n\tmov %%esp, g_out+8\n\tmov %%ebp, g_out+12\n\t"
                   "mov g_saved_esp, %%esp\n\tpopa"
                   :
                   :
                   : "memory", "cc");
  report_enter(0);
  /* 16-bit ENTER/LEAVE (66 C8 / 66 C9) on a 32-bit stack: words are pushed,
     frame pointers are read at EBP-2*i, and only BP (the low half of EBP) is
     written (SDM Vol. 2 ENTER, LEAVE). */
  prep_enter();
  __asm__ volatile("pusha\n\tmov %%esp, g_saved_esp\n\t"
                   "mov $g_stack+0x300, %%esp\n\tmov $g_stack+0x100, %%ebp\n\t"
                   ".byte 0x66, 0xc8, 0x10, 0x00, 0x00\n\t" /* enterw $0x10, $0 */
                   "mov %%esp, g_out\n\tmov %%ebp, g_out+4\n\t"
                   ".byte 0x66, 0xc9\n\tmov %%esp, g_out+8\n\tmov %%ebp, g_out+12\n\t"
                   "mov g_saved_esp, %%esp\n\tpopa"
                   :
                   :
                   : "memory", "cc");
  report_enterw(0);
  prep_enter();
  __asm__ volatile("pusha\n\tmov %%esp, g_saved_esp\n\t"
                   "mov $g_stack+0x300, %%esp\n\tmov $g_stack+0x100, %%ebp\n\t"
                   ".byte 0x66, 0xc8, 0x10, 0x00, 0x03\n\t" /* enterw $0x10, $3 */
                   "mov %%esp, g_out\n\tmov %%ebp, g_out+4\n\t"
                   ".byte 0x66, 0xc9\n\tmov %%esp, g_out+8\n\tmov %%ebp, g_out+12\n\t"
                   "mov g_saved_esp, %%esp\n\tpopa"
                   :
                   :
                   : "memory", "cc");
  report_enterw(3);
}

/* -------------------------------------------------------------- PUSH/POP */

#define PRIV(body)                                                                 \
  __asm__ volatile("pusha\n\tmov %%esp, g_saved_esp\n\tmov $" STACK_TOP ", %%esp\n\t" \
                   body "\n\tmov g_saved_esp, %%esp\n\tpopa"                      \
                   :                                                               \
                   :                                                               \
                   : "memory", "cc")

static void show_stack(const char *name, int nout) {
  printf("%s ->", name);
  for (int i = 0; i < nout; i++) pr_val(g_out[i]);
  printf(" | top");
  for (int i = 511; i >= 500; i--) pr_val(g_stack[i]);
  printf("\n");
}
static void clear_stack(void) {
  for (int i = 0; i < 512; i++) g_stack[i] = 0xcccccccc;
  for (int i = 0; i < 16; i++) g_out[i] = 0xeeeeeeee;
}

static NOINLINE void test_push_pop(void) {
  clear_stack();
  PRIV("mov $0x11111111, %%eax\n\tmov $0x22222222, %%ecx\n\tmov $0x33333333, %%edx\n\t"
       "mov $0x44444444, %%ebx\n\tmov $0x66666666, %%ebp\n\tmov $0x77777777, %%esi\n\t"
       "mov $0x88888888, %%edi\n\t"
       "pusha\n\tmov %%esp, g_out\n\t"
       "movl $0xdeadbeef, 12(%%esp)\n\t" /* POPA must skip the ESP slot */
       "xor %%eax, %%eax\n\txor %%ecx, %%ecx\n\txor %%edx, %%edx\n\txor %%ebx, %%ebx\n\t"
       "xor %%ebp, %%ebp\n\txor %%esi, %%esi\n\txor %%edi, %%edi\n\t"
       "popa\n\tmov %%esp, g_out+4\n\tmov %%eax, g_out+8\n\tmov %%ecx, g_out+12\n\t"
       "mov %%edx, g_out+16\n\tmov %%ebx, g_out+20\n\tmov %%ebp, g_out+24\n\t"
       "mov %%esi, g_out+28\n\tmov %%edi, g_out+32");
  show_stack("pusha/popa", 9);

  clear_stack();
  PRIV("mov $0xaaaa1111, %%eax\n\tmov $0xbbbb2222, %%ecx\n\tmov $0x33333333, %%edx\n\t"
       "mov $0x44444444, %%ebx\n\tmov $0x66666666, %%ebp\n\tmov $0x77777777, %%esi\n\t"
       "mov $0x88888888, %%edi\n\t"
       "pushaw\n\tmov %%esp, g_out\n\t"
       "xor %%eax, %%eax\n\txor %%ecx, %%ecx\n\tmov $0xffffffff, %%edi\n\t"
       "popaw\n\tmov %%esp, g_out+4\n\tmov %%eax, g_out+8\n\tmov %%ecx, g_out+12\n\t"
       "mov %%edi, g_out+16");
  /* the SP image is the low half of an address: check it, then hide it */
  u32 sp16 = g_stack[509] >> 16;
  g_stack[509] = (g_stack[509] & 0xffff) | 0x55550000;
  show_stack("pushaw/popaw", 5);
  printf("pushaw sp image ok %d\n", sp16 == (((u32)g_stack + 2048) & 0xffff));

  clear_stack();
  PRIV("push $-2\n\t"                 /* 6A FE: sign-extended */
       "push $0x12345678\n\t"         /* 68 */
       "pushl g_out+40\n\t"           /* FF /6 */
       "push %%esp\n\t"               /* pushes the value before the push */
       "mov %%esp, g_out\n\t"
       "popl g_out+44\n\t"            /* 8F /0 */
       "popl 4(%%esp)\n\t"            /* address computed after ESP is incremented */
       "mov %%esp, g_out+4\n\t"
       "mov $g_stack+0x100, %%eax\n\tmov %%eax, (%%esp)\n\tpop %%esp\n\t" /* pop into ESP */
       "mov %%esp, g_out+8\n\t"
       "mov $g_stack+1536, %%esp\n\txor %%eax, %%eax\n\t"
       "pushw $-2\n\tpushw $0x1234\n\t" /* 66 6A, 66 68 */
       "pushw g_out+40\n\tmov %%esp, g_out+12\n\t"
       "popw %%ax\n\tmov %%eax, g_out+16\n\tpopw g_out+20\n\tmov %%esp, g_out+24\n\t"
       "popl %%ecx\n\tmov %%ecx, g_out+28\n\tmov %%esp, g_out+32");
  show_stack("push/pop forms", 12);
}

/* -------------------------------------------------------------- LOOP/JECXZ */

static NOINLINE void test_loops(void) {
  for (int c = 0; c < 2; c++) {
    u32 ecx = 5, n = 0, f;
    /* LOOP leaves the flags alone */
    __asm__ volatile(FLAGS_PRE "1:\tlea 1(%[n]), %[n]\n\tloop 1b" FLAGS_POST
                     : "+c"(ecx), [n] "+r"(n), [fout] "=&r"(f)
                     : [fin] "r"(FLAGS_IN[c]));
    printf("loop c%d -> ecx=%08x n=%u f=%03x\n", c, ecx, n, f & F_ARITH);
  }
  /* LOOPE: runs while ZF=1 and ECX!=0; the body compares n with 3 */
  for (u32 start = 1; start <= 6; start += 5) {
    u32 ecx = start, n = 0;
    __asm__ volatile("1:\tinc %[n]\n\tcmp $3, %[n]\n\tsetb %%al\n\tcmp $1, %%al\n\tloope 1b"
                     : "+c"(ecx), [n] "+r"(n)
                     :
                     : "eax", "cc");
    printf("loope start=%u -> ecx=%08x n=%u\n", start, ecx, n);
    ecx = start * 2;
    n = 0;
    __asm__ volatile("1:\tinc %[n]\n\tcmp $4, %[n]\n\tloopne 1b"
                     : "+c"(ecx), [n] "+r"(n)
                     :
                     : "cc");
    printf("loopne start=%u -> ecx=%08x n=%u\n", start * 2, ecx, n);
  }
  static const u32 ECX[] = {0, 1, 0x10000, 0xffffffff};
  for (unsigned i = 0; i < 4; i++) {
    u32 t1, t2, ecx = ECX[i];
    __asm__ volatile("mov $0, %0\n\tjecxz 1f\n\tjmp 2f\n1:\tmov $1, %0\n2:" : "=&r"(t1) : "c"(ecx));
    /* 67 E3: JCXZ tests CX only */
    __asm__ volatile("mov $0, %0\n\t.byte 0x67\n\tjecxz 1f\n\tjmp 2f\n1:\tmov $1, %0\n2:"
                     : "=&r"(t2)
                     : "c"(ecx));
    printf("jecxz ecx=%08x -> %u jcxz -> %u\n", ecx, t1, t2);
  }
  /* 67 E2: LOOP decrements CX only; upper ECX survives, CX wraps */
  static const u32 LC[] = {0x12340003, 0x00010000};
  for (unsigned i = 0; i < 2; i++) {
    u32 ecx = LC[i], n = 0;
    __asm__ volatile("1:\tinc %[n]\n\t.byte 0x67\n\tloop 1b"
                     : "+c"(ecx), [n] "=r"(n)
                     : "[n]"(0)
                     : "cc");
    printf("addr16 loop ecx=%08x -> ecx=%08x n=%u\n", LC[i], ecx, n);
  }
}

/* -------------------------------------------------------------- CPUID */

static NOINLINE void test_cpuid(void) {
  u32 a = 0, b, c, d;
  __asm__ volatile("cpuid" : "+a"(a), "=b"(b), "=c"(c), "=d"(d));
  u32 max = a;
  a = 1;
  __asm__ volatile("cpuid" : "+a"(a), "=b"(b), "=c"(c), "=d"(d));
  /* only what an i686 target needs: CX8 (bit 8) and CMOV (bit 15) */
  printf("cpuid max>=1 %d cx8 %d cmov %d\n", max >= 1, (d >> 8) & 1, (d >> 15) & 1);
}

/* -------------------------------------------------------------- narrow forms */

/* The asm text as a reader would write it: "%%" -> "%", newline+tab -> "; ". */
static void pr_insn(const char *s) {
  char out[64];
  int n = 0;
  for (; *s && n < 60; s++) {
    if (s[0] == '%' && s[1] == '%') continue;
    if (*s == '\t') continue;
    if (*s == '\n') {
      out[n++] = ';';
      out[n++] = ' ';
      continue;
    }
    out[n++] = *s;
  }
  out[n] = 0;
  printf("%-26s", out);
}

/* Run a snippet on EAX..EDX preloaded with distinct halves; print all four. */
#define NARROW(insn)                                                               \
  do {                                                                             \
    u32 a = 0x11112222, b = 0x33334444, c = 0x55556606, d = 0x77778888, f;         \
    __asm__ volatile(FLAGS_PRE insn FLAGS_POST                                     \
                     : "+a"(a), "+b"(b), "+c"(c), "+d"(d), [fout] "=&S"(f)         \
                     : [fin] "D"(F_CF)                                             \
                     : "cc");                                                      \
    pr_insn(insn);                                                                 \
    printf(" -> %08x %08x %08x %08x\n", a, b, c, d);                               \
  } while (0)

static NOINLINE void test_narrow(void) {
  NARROW("addw %%bx, %%ax");
  NARROW("adcw $5, %%ax");
  NARROW("subw $1, %%cx");
  NARROW("sbbb %%bl, %%ah");
  NARROW("andb $0x0f, %%ah");
  NARROW("orw $0x4001, %%dx");
  NARROW("xorb %%dh, %%bl");
  NARROW("incw %%dx");
  NARROW("decb %%ch");
  NARROW("negw %%bx");
  NARROW("notb %%bh");
  NARROW("shlw $4, %%ax");
  NARROW("rolw %%cl, %%bx");
  NARROW("rcrw $1, %%dx");
  NARROW("sarb $3, %%dh");
  NARROW("shldw $4, %%bx, %%ax");
  NARROW("mulw %%bx");
  NARROW("mulb %%bh");
  NARROW("imulw %%cx, %%bx");
  NARROW("imulw $-3, %%dx, %%ax");
  NARROW("movw $3, %%dx\n\tdivw %%bx");
  NARROW("movb $1, %%ah\n\tdivb %%ch");
  NARROW("movzbw %%bl, %%ax");
  NARROW("movzbl %%bh, %%eax");
  NARROW("movzwl %%cx, %%edx");
  NARROW("movsbw %%dl, %%cx");
  NARROW("movsbl %%dh, %%ebx");
  NARROW("movswl %%dx, %%eax");
  NARROW("movsbw %%ah, %%bx");
  NARROW("movw %%bx, %%ax");
  NARROW("movb %%bh, %%al");
  NARROW("movb %%al, %%ah");
  NARROW("movb $0x99, %%dh");
  NARROW("movw $0x1234, %%cx");
  NARROW("xchgw %%ax, %%bx");
  NARROW("cmovcw %%bx, %%ax");
  NARROW("cmovncw %%bx, %%ax");
  NARROW("setc %%ah");
  NARROW("setnc %%bh");
  NARROW("leaw 1(%%ebx,%%ecx), %%ax");
  NARROW("xaddw %%bx, %%ax");
  NARROW("cmpxchgw %%cx, %%dx");
  NARROW("bsfw %%bx, %%ax");
  NARROW("bsrw %%dx, %%cx");
  NARROW("btsw $3, %%cx");
  NARROW("btcw %%bx, %%ax");
  NARROW("bswap %%edx");

  /* memory: only the addressed bytes change */
  static const char *const MEMN[] = {"addw %%ax, (m)", "movw %%ax, (m)", "incw (m)",
                                     "movb %%ah, 1(m)", "notb 3(m)", "xchgw %%ax, 2(m)",
                                     "shlw $3, (m)", "addb $1, 3(m)", "orw $0x0c30, 1(m)"};
  u32 m[9];
  for (int i = 0; i < 9; i++) m[i] = 0xa1b2c3d4;
  u32 a = 0x12345678;
  __asm__ volatile("addw %%ax, %0" : "+m"(m[0]) : "a"(a) : "cc");
  __asm__ volatile("movw %%ax, %0" : "+m"(m[1]) : "a"(a));
  __asm__ volatile("incw %0" : "+m"(m[2]) : : "cc");
  __asm__ volatile("movb %%ah, 1+%0" : "+m"(m[3]) : "a"(a));
  __asm__ volatile("notb 3+%0" : "+m"(m[4]));
  u32 x = a;
  __asm__ volatile("xchgw %%ax, 2+%0" : "+m"(m[5]), "+a"(x));
  __asm__ volatile("shlw $3, %0" : "+m"(m[6]) : : "cc");
  __asm__ volatile("addb $1, 3+%0" : "+m"(m[7]) : : "cc");
  __asm__ volatile("orw $0x0c30, 1+%0" : "+m"(m[8]) : : "cc");
  for (int i = 0; i < 9; i++) {
    pr_insn(MEMN[i]);
    printf(" -> %08x\n", m[i]);
  }
  printf("xchgw mem -> eax %08x\n", x);
}

/* -------------------------------------------------------------- segments, TLS */

__thread u32 t_tls_var = 0x1234;

static NOINLINE void test_segments(void) {
  u32 ds, es, ss, pushed, esp0, esp1, gs0, gs1;
  __asm__ volatile("mov %%ds, %0" : "=r"(ds));
  __asm__ volatile("mov %%es, %0" : "=r"(es));
  __asm__ volatile("mov %%ss, %0" : "=r"(ss));
  __asm__ volatile("mov %%esp, %1\n\tpush %%ds\n\tmov %%esp, %2\n\tpop %0"
                   : "=r"(pushed), "=&r"(esp0), "=&r"(esp1));
  printf("segs es==ds %d ss==ds %d push ds delta=%u low16==ds %d\n", (es & 0xffff) == (ds & 0xffff),
         (ss & 0xffff) == (ds & 0xffff), esp0 - esp1, (pushed & 0xffff) == (ds & 0xffff));
  /* reload ES from DS via the stack, then use it (STOS writes through ES) */
  u32 dst = 0, D = (u32)&dst;
  __asm__ volatile("push %%ds\n\tpop %%es\n\tpush %%es\n\tpop %%es\n\tmov $0x5a5a5a5a, %%eax\n\tstosl"
                   : "+D"(D)
                   :
                   : "eax", "memory");
  printf("es reload stos -> %08x\n", dst);

  /* TLS (i386 TLS ABI, variant II): %gs:0 holds the thread pointer, and a
     __thread variable lives at tp + its @ntpoff offset. */
  u32 tp, off, via_gs;
  __asm__ volatile("mov %%gs:0, %0" : "=r"(tp));
  __asm__ volatile("movl $t_tls_var@ntpoff, %0" : "=r"(off));
  t_tls_var = 0xfeedf00d;
  __asm__ volatile("movl %%gs:t_tls_var@ntpoff, %0" : "=r"(via_gs) : : "memory");
  printf("tls &var==tp+off %d gs read %08x\n", (u32)&t_tls_var == tp + off, via_gs);
  /* GS reloaded from its own selector keeps the TLS base */
  __asm__ volatile("mov %%gs:0, %0\n\tpush %%gs\n\tpop %%gs\n\tmov %%gs, %%eax\n\tmov %%eax, %%gs\n\t"
                   "mov %%gs:0, %1"
                   : "=&r"(gs0), "=&r"(gs1)
                   :
                   : "eax", "memory");
  printf("gs reload keeps base %d\n", gs0 == gs1 && gs0 == tp);
}

/* -------------------------------------------------------------- NOPs, control */

static NOINLINE void test_nops(void) {
  u32 a = 0x11111111, b = 0x22222222, c = 0x33333333, d = 0x44444444, f;
  __asm__ volatile(FLAGS_PRE
                   ".byte 0x90\n\t"
                   ".byte 0x66, 0x90\n\t"
                   ".byte 0xf3, 0x90\n\t"                                /* pause */
                   ".byte 0x0f, 0x1f, 0x00\n\t"                          /* nopl (%eax) */
                   ".byte 0x0f, 0x1f, 0x40, 0x00\n\t"                    /* nopl 0(%eax) */
                   ".byte 0x0f, 0x1f, 0x44, 0x00, 0x00\n\t"              /* nopl 0(%eax,%eax,1) */
                   ".byte 0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00\n\t"        /* nopw 0(%eax,%eax,1) */
                   ".byte 0x0f, 0x1f, 0x80, 0, 0, 0, 0\n\t"              /* nopl 0L(%eax) */
                   ".byte 0x0f, 0x1f, 0x84, 0x00, 0, 0, 0, 0\n\t"        /* nopl 0L(%eax,%eax,1) */
                   ".byte 0x66, 0x0f, 0x1f, 0x84, 0x00, 0, 0, 0, 0\n\t"  /* nopw 0L(...) */
                   ".byte 0x66, 0x2e, 0x0f, 0x1f, 0x84, 0x00, 0, 0, 0, 0\n\t" /* cs nopw */
                   ".byte 0x0f, 0x1f, 0x05, 0x10, 0x00, 0x00, 0x00\n\t"  /* nopl 0x10: no access */
                   ".byte 0x0f, 0x1f, 0xc0\n\t"                          /* nopl %eax */
                   ".byte 0x0f, 0x1f, 0x44, 0x9b, 0x80\n\t"              /* other SIB bytes */
                   FLAGS_POST
                   : "+a"(a), "+b"(b), "+c"(c), "+d"(d), [fout] "=&S"(f)
                   : [fin] "D"(F_ARITH)
                   : "cc");
  printf("nops -> %08x %08x %08x %08x %03x\n", a, b, c, d, f & F_ARITH);
}

/* RET imm16 pops its arguments; REP RET (F3 C3) is a plain RET. */
__asm__(".text\n"
        "t_ret8:\n\tmov 4(%esp), %eax\n\tadd 8(%esp), %eax\n\tret $8\n"
        "t_ret0:\n\tmov $7, %eax\n\t.byte 0xc2, 0x00, 0x00\n"
        "t_repret:\n\tmov $9, %eax\n\t.byte 0xf3, 0xc3\n"
        "t_jtab:\n\t.long t_jt0, t_jt1, t_jt2\n"
        "t_jt0:\n\tmov $100, %eax\n\tret\n"
        "t_jt1:\n\tmov $101, %eax\n\tret\n"
        "t_jt2:\n\tmov $102, %eax\n\tret\n"
        "t_dispatch:\n\tjmp *t_jtab(,%eax,4)\n");
void t_ret8(void), t_ret0(void), t_repret(void), t_dispatch(void);
void (*g_fnptr)(void) = t_ret0;

static NOINLINE void test_control(void) {
  u32 r, esp0, esp1;
  __asm__ volatile("mov %%esp, %1\n\tpush $0x30\n\tpush $0x12\n\tcall t_ret8\n\tmov %%esp, %2"
                   : "=a"(r), "=&r"(esp0), "=&r"(esp1)
                   :
                   : "ecx", "edx", "memory", "cc");
  printf("ret $8 -> %u esp delta=%d\n", r, (int)(esp0 - esp1));
  __asm__ volatile("call *%1" : "=a"(r) : "r"(t_ret0) : "ecx", "edx", "memory", "cc");
  printf("call *reg, ret $0 -> %u\n", r);
  __asm__ volatile("call *g_fnptr" : "=a"(r) : : "ecx", "edx", "memory", "cc");
  printf("call *mem -> %u\n", r);
  __asm__ volatile("call t_repret" : "=a"(r) : : "ecx", "edx", "memory", "cc");
  printf("rep ret -> %u\n", r);
  for (u32 i = 0; i < 3; i++) {
    r = i;
    __asm__ volatile("call t_dispatch" : "+a"(r) : : "ecx", "edx", "memory", "cc");
    printf("jmp *table(,%%eax,4) %u -> %u\n", i, r);
  }
  /* call/pop: the PIC thunk idiom reads its own address */
  u32 here, expect;
  __asm__ volatile("call 1f\n1:\tpop %0\n\tmov $1b, %1" : "=r"(here), "=r"(expect));
  printf("call next; pop == label %d\n", here == expect);
  /* MOV moffs (A0-A3, with 66 for words): gas picks them for EAX/AX/AL */
  u32 v;
  g_out[12] = g_out[13] = g_out[14] = 0xeeeeeeee;
  __asm__ volatile("movl $0x13572468, g_out+60\n\tmovl g_out+60, %%eax\n\tmovl %%eax, g_out+48\n\t"
                   "movb %%al, g_out+56\n\tmovw %%ax, g_out+52\n\tmovb g_out+61, %%al\n\t"
                   "movw g_out+62, %%ax"
                   : "=a"(v)
                   :
                   : "memory");
  printf("moffs -> %08x %08x %08x %08x %08x\n", v, g_out[12], g_out[13], g_out[14], g_out[15]);
  /* LOCK on read-modify-write ALU ops gives the same results */
  u32 m = 0x0000ffff;
  __asm__ volatile("lock addl $1, %0\n\tlock orl $0x80000000, %0\n\tlock andl $0xfffffff0, %0\n\t"
                   "lock xorl $0x0f0f0f0f, %0\n\tlock incl %0\n\tlock decl %0\n\tlock subl $2, %0\n\t"
                   "lock notl %0\n\tlock negl %0\n\tlock btsl $3, %0\n\tlock btrl $31, %0\n\t"
                   "lock btcl $4, %0\n\tlock adcl $0, %0\n\tlock sbbl $0, %0"
                   : "+m"(m)
                   :
                   : "cc");
  printf("lock alu -> %08x\n", m);
}

int main(void) {
  test_convert();
  test_xchg_xlat();
  test_flag_ops();
  test_pushf_popf();
  test_lea();
  test_enter();
  test_push_pop();
  test_loops();
  test_cpuid();
  test_narrow();
  test_segments();
  test_nops();
  test_control();
  return 0;
}
