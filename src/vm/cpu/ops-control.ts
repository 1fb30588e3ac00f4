import { CpuFault, Vector } from '../mem/fault.js';
import { S_EIP, S_FLAGS } from '../mem/layout.js';
import { FL_CF, FL_DF, getCF, materialize, testCC } from './flags.js';
import type { Cpu } from './cpu.js';
import type { Insn } from './insn.js';
import { SIMD_CPUID_ECX, SIMD_CPUID_EDX, X87_CPUID_EDX } from './cpuid-features.js';

/** CPUID.1:EDX as reported (also the kernel's AT_HWCAP): TSC, CX8, CMOV + the FPU/SIMD units. */
export const CPUID_EDX = (1 << 4) | (1 << 8) | (1 << 15) | X87_CPUID_EDX | SIMD_CPUID_EDX;
export const CPUID_ECX = SIMD_CPUID_ECX;

/** Control transfer, interrupts, and the system instructions a user program may run. */

export function jcc(cpu: Cpu, i: Insn): void {
  if (testCC(cpu.s, i.sub)) cpu.s[S_EIP] = i.target;
}

/** Jcc in the middle of a superblock: when taken, leave the block. */
export function jccExit(cpu: Cpu, i: Insn): void {
  if (testCC(cpu.s, i.sub)) {
    cpu.s[S_EIP] = i.target;
    cpu.stop = 3; // STOP_EXIT (cpu.ts)
  }
}

export function jmpRel(cpu: Cpu, i: Insn): void {
  cpu.s[S_EIP] = i.target;
}

export function callRel(cpu: Cpu, i: Insn): void {
  if (i.size === 4) cpu.push32(i.next);
  else cpu.push16(i.next);
  cpu.s[S_EIP] = i.target;
}

/** JMP E (FF/4) */
export function jmpE(cpu: Cpu, i: Insn): void {
  const t = cpu.readE(i, i.size);
  cpu.s[S_EIP] = t;
}

/** CALL E (FF/2): target read before the push, so a bad pointer faults with ESP intact. */
export function callE(cpu: Cpu, i: Insn): void {
  const t = cpu.readE(i, i.size);
  if (i.size === 4) cpu.push32(i.next);
  else cpu.push16(i.next);
  cpu.s[S_EIP] = t;
}

export function ret(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  if (i.size === 4) {
    const sp = s[4];
    const t = cpu.rd32(sp);
    s[4] = (sp + 4 + i.imm) | 0;
    s[S_EIP] = t;
  } else {
    const sp = s[4];
    const t = cpu.rd16(sp);
    s[4] = (sp + 2 + i.imm) | 0;
    s[S_EIP] = t;
  }
}

function counter(cpu: Cpu, i: Insn): number {
  // The address size selects CX or ECX (SDM LOOP/JECXZ).
  const s = cpu.s;
  if (i.a16) {
    const c = (s[1] - 1) & 0xffff;
    s[1] = (s[1] & ~0xffff) | c;
    return c;
  }
  return (s[1] = (s[1] - 1) | 0);
}

export function loop(cpu: Cpu, i: Insn): void {
  if (counter(cpu, i) !== 0) cpu.s[S_EIP] = i.target;
}
export function loope(cpu: Cpu, i: Insn): void {
  if (counter(cpu, i) !== 0 && testCC(cpu.s, 4)) cpu.s[S_EIP] = i.target;
}
export function loopne(cpu: Cpu, i: Insn): void {
  if (counter(cpu, i) !== 0 && testCC(cpu.s, 5)) cpu.s[S_EIP] = i.target;
}
export function jecxz(cpu: Cpu, i: Insn): void {
  const c = i.a16 ? cpu.s[1] & 0xffff : cpu.s[1];
  if (c === 0) cpu.s[S_EIP] = i.target;
}

/** INT imm8 */
export function int(cpu: Cpu, i: Insn): void {
  if (i.imm === 0x80 && cpu.host !== null) {
    cpu.host.interrupt(cpu, 0x80);
    return;
  }
  // Any other vector is a gate with DPL 0 on Linux: #GP → SIGSEGV.
  throw new CpuFault(Vector.GP);
}

export function int3(_cpu: Cpu, _i: Insn): void {
  throw new CpuFault(Vector.BP);
}

export function int1(_cpu: Cpu, _i: Insn): void {
  throw new CpuFault(Vector.DB);
}

export function into(cpu: Cpu, _i: Insn): void {
  if (testCC(cpu.s, 0)) throw new CpuFault(Vector.OF);
}

export function ud(_cpu: Cpu, _i: Insn): void {
  throw new CpuFault(Vector.UD);
}

/** HLT, CLI/STI, IN/OUT, LGDT… at CPL 3 with IOPL 0: #GP. */
export function privileged(_cpu: Cpu, _i: Insn): void {
  throw new CpuFault(Vector.GP);
}

export function nop(_cpu: Cpu, _i: Insn): void {}

export function clc(cpu: Cpu, _i: Insn): void {
  materialize(cpu.s);
  cpu.s[S_FLAGS] &= ~FL_CF;
}
export function stc(cpu: Cpu, _i: Insn): void {
  materialize(cpu.s);
  cpu.s[S_FLAGS] |= FL_CF;
}
export function cmc(cpu: Cpu, _i: Insn): void {
  const cf = getCF(cpu.s);
  materialize(cpu.s);
  cpu.s[S_FLAGS] = (cpu.s[S_FLAGS] & ~FL_CF) | (cf ^ 1);
}
export function cld(cpu: Cpu, _i: Insn): void {
  cpu.s[S_FLAGS] &= ~FL_DF;
}
export function std(cpu: Cpu, _i: Insn): void {
  cpu.s[S_FLAGS] |= FL_DF;
}

/**
 * CPUID: an i686 with TSC, CX8, CMOV and exactly the FPU/SIMD features
 * implemented, so glibc's ifuncs pick code paths that run.
 */
// "GenuineIntel": glibc reads CPUID leaf 1 (and so picks its SSE2/SSSE3 string
// functions) only for vendors it knows (sysdeps/x86/cpu-features.c, init_cpu_features).
const VENDOR = ['Genu', 'ineI', 'ntel'].map((w) => w.charCodeAt(0) | (w.charCodeAt(1) << 8) | (w.charCodeAt(2) << 16) | (w.charCodeAt(3) << 24)); // EBX, EDX, ECX
export function cpuid(cpu: Cpu, _i: Insn): void {
  const s = cpu.s;
  const leaf = s[0] >>> 0;
  let a = 0, b = 0, c = 0, d = 0;
  if (leaf === 0) {
    a = 1;
    b = VENDOR[0];
    d = VENDOR[1];
    c = VENDOR[2];
  } else if (leaf === 1) {
    // Family 6, model 15, stepping 1. EDX: TSC(4) CX8(8) CMOV(15) plus what
    // the x87 and SIMD units implement; ECX: the SIMD unit's bits.
    a = 0x000006f1;
    d = CPUID_EDX;
    c = CPUID_ECX;
  } else if (leaf === 0x80000000) {
    a = 0x80000000;
  }
  s[0] = a;
  s[3] = b;
  s[1] = c;
  s[2] = d;
}

export function rdtsc(cpu: Cpu, _i: Insn): void {
  // A monotonically increasing count; guests only compare differences.
  const t = cpu.icount + cpu.tscBase;
  cpu.s[0] = t | 0;
  cpu.s[2] = Math.floor(t / 4294967296) | 0;
}

/** SMSW/SGDT/SIDT/SLDT/STR: Linux with UMIP emulates these with dummy values. */
export function umipStore(cpu: Cpu, i: Insn): void {
  if (i.mod === 3) cpu.setReg(i.rm, i.size, 0);
  else cpu.wr16(cpu.ea(i), 0);
}

/** BOUND r, m: #BR (→ SIGSEGV) when the signed index is outside [lower, upper]. */
export function bound(cpu: Cpu, i: Insn): void {
  const a = cpu.ea(i);
  const size = i.size;
  const shift = 32 - size * 8;
  const idx = (cpu.getReg(i.reg, size) << shift) >> shift;
  const lo = (cpu.rd(a, size) << shift) >> shift;
  const hi = (cpu.rd((a + size) | 0, size) << shift) >> shift;
  if (idx < lo || idx > hi) throw new CpuFault(Vector.BR);
}
