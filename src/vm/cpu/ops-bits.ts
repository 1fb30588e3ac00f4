import { S_FLAGS, S_LAZY_OP, S_SEG_BASE } from '../mem/layout.js';
import { FL_ARITH, FL_CF, FL_ZF, K_ADD, K_SUB, materialize, setLazy, sizeIndex, testCC } from './flags.js';
import type { Cpu } from './cpu.js';
import type { Insn } from './insn.js';

/**
 * Bit instructions and atomics: BT/BTS/BTR/BTC, BSF/BSR, BSWAP, SETcc,
 * CMOVcc, XADD, CMPXCHG, CMPXCHG8B, POPCNT (Intel SDM Vol. 2, each
 * instruction's page). Flags the SDM leaves undefined keep their previous
 * values. Memory read-modify-write forms probe the write before changing
 * anything, so a fault leaves registers, flags and memory untouched.
 */

/** Replace only the flags in `mask` with `bits`, leaving the rest as they are. */
function setFlags(s: Int32Array, mask: number, bits: number): void {
  materialize(s);
  s[S_FLAGS] = (s[S_FLAGS] & ~mask) | bits;
}

const BT = 0;
const BTS = 1;
const BTR = 2;

/** Apply BT (sub 0) / BTS / BTR / BTC to bit `bit` of `v`; returns the new value. */
function btApply(sub: number, v: number, bit: number): number {
  const m = 1 << bit;
  return sub === BTS ? v | m : sub === BTR ? v & ~m : v ^ m;
}

/** Bit `bit` of the `size`-byte operand at `addr`: CF ← bit, then modify unless BT. */
function btMem(cpu: Cpu, sub: number, size: number, addr: number, bit: number): void {
  if (sub !== BT) cpu.probeWrite(addr, size);
  const v = cpu.rd(addr, size);
  setFlags(cpu.s, FL_CF, (v >>> bit) & 1);
  if (sub !== BT) cpu.wr(addr, size, btApply(sub, v, bit));
}

/**
 * BT/BTS/BTR/BTC E, G (0F A3/AB/B3/BB). CF = selected bit; ZF unchanged;
 * OF SF AF PF undefined. With a memory operand the register is a signed bit
 * index into a bit string starting at the effective address, so it may
 * reach below or far beyond the operand: the word accessed is at
 * EA + size * (offset >> log2(bits)) (SDM "BT—Bit Test", operand-size
 * granular access). A register operand takes the offset mod its size.
 */
export function btEG(cpu: Cpu, i: Insn): void {
  const size = i.size;
  const sub = i.sub;
  if (i.mod === 3) {
    const bit = cpu.getReg(i.reg, size) & (size * 8 - 1);
    const v = cpu.getReg(i.rm, size);
    setFlags(cpu.s, FL_CF, (v >>> bit) & 1);
    if (sub !== BT) cpu.setReg(i.rm, size, btApply(sub, v, bit));
    return;
  }
  let off: number;
  let disp: number;
  if (size === 2) {
    off = (cpu.getReg(i.reg, 2) << 16) >> 16;
    disp = (off >> 4) * 2;
  } else {
    off = cpu.s[i.reg];
    disp = (off >> 5) * 4;
  }
  let addr = cpu.ea(i);
  if (i.a16) {
    // The offset part wraps within the 64 KiB segment.
    const base = cpu.s[S_SEG_BASE + i.seg];
    addr = (base + ((addr - base + disp) & 0xffff)) | 0;
  } else addr = (addr + disp) | 0;
  btMem(cpu, sub, size, addr, off & (size * 8 - 1));
}

/** BT/BTS/BTR/BTC E, imm8 (0F BA /4–/7): offset mod operand size, also for memory. */
export function btEI(cpu: Cpu, i: Insn): void {
  const size = i.size;
  const sub = i.sub;
  const bit = i.imm & (size * 8 - 1);
  if (i.mod === 3) {
    const v = cpu.getReg(i.rm, size);
    setFlags(cpu.s, FL_CF, (v >>> bit) & 1);
    if (sub !== BT) cpu.setReg(i.rm, size, btApply(sub, v, bit));
    return;
  }
  btMem(cpu, sub, size, cpu.ea(i), bit);
}

/**
 * BSF (0F BC): ZF = (source == 0); otherwise the index of the lowest set bit.
 * A zero source leaves the destination unchanged (documented by AMD, done by
 * Intel hardware; Intel's SDM says "undefined"). CF OF SF AF PF undefined.
 */
export function bsf(cpu: Cpu, i: Insn): void {
  const size = i.size;
  const v = cpu.readE(i, size);
  if (v === 0) {
    setFlags(cpu.s, FL_ZF, FL_ZF);
    return;
  }
  cpu.setReg(i.reg, size, 31 - Math.clz32(v & -v));
  setFlags(cpu.s, FL_ZF, 0);
}

/** BSR (0F BD): as BSF, the index of the highest set bit. */
export function bsr(cpu: Cpu, i: Insn): void {
  const size = i.size;
  const v = cpu.readE(i, size);
  if (v === 0) {
    setFlags(cpu.s, FL_ZF, FL_ZF);
    return;
  }
  cpu.setReg(i.reg, size, 31 - Math.clz32(v));
  setFlags(cpu.s, FL_ZF, 0);
}

/**
 * BSWAP r32 (0F C8+r). With a 16-bit operand the SDM says "undefined";
 * hardware writes 0 to the low word, and so do we.
 */
export function bswap(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  const r = i.rm;
  const v = s[r];
  if (i.size === 2) s[r] = v & ~0xffff;
  else s[r] = (v << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24);
}

/** SETcc E8 (0F 90–9F): 1 if condition `sub` holds, else 0. */
export function setcc(cpu: Cpu, i: Insn): void {
  cpu.writeE(i, 1, testCC(cpu.s, i.sub) ? 1 : 0);
}

/**
 * CMOVcc G, E (0F 40–4F). The source is read whatever the condition (a bad
 * memory operand faults even when nothing moves); with a false condition the
 * 16/32-bit destination is left unchanged (32-bit mode).
 */
export function cmovcc(cpu: Cpu, i: Insn): void {
  const v = cpu.readE(i, i.size);
  if (testCC(cpu.s, i.sub)) cpu.setReg(i.reg, i.size, v);
}

/**
 * XADD E, G (0F C0/C1): TEMP ← E + G; G ← E; E ← TEMP (the destination is
 * written last, so XADD r, r with one register leaves the sum). Flags as ADD.
 */
export function xadd(cpu: Cpu, i: Insn): void {
  const size = i.size;
  const g = cpu.getReg(i.reg, size);
  let e: number;
  let r: number;
  if (i.mod === 3) {
    e = cpu.getReg(i.rm, size);
    r = (e + g) | 0;
    cpu.setReg(i.reg, size, e);
    cpu.setReg(i.rm, size, r);
  } else {
    const addr = cpu.ea(i);
    cpu.probeWrite(addr, size);
    e = cpu.rd(addr, size);
    r = (e + g) | 0;
    cpu.wr(addr, size, r);
    cpu.setReg(i.reg, size, e);
  }
  setLazy(cpu.s, (K_ADD << 2) | sizeIndex(size), e, g, r);
}

/**
 * CMPXCHG E, G (0F B0/B1): flags as CMP acc, E. Equal → E ← G; else
 * acc ← E. A memory destination is written either way (the old value goes
 * back when unequal), so the write is probed first.
 */
export function cmpxchg(cpu: Cpu, i: Insn): void {
  const size = i.size;
  const acc = cpu.getReg(0, size);
  const g = cpu.getReg(i.reg, size);
  let e: number;
  if (i.mod === 3) {
    e = cpu.getReg(i.rm, size);
    if (acc === e) cpu.setReg(i.rm, size, g);
    else cpu.setReg(0, size, e);
  } else {
    const addr = cpu.ea(i);
    cpu.probeWrite(addr, size);
    e = cpu.rd(addr, size);
    if (acc === e) cpu.wr(addr, size, g);
    else {
      cpu.wr(addr, size, e);
      cpu.setReg(0, size, e);
    }
  }
  setLazy(cpu.s, (K_SUB << 2) | sizeIndex(size), acc, e, (acc - e) | 0);
}

/**
 * CMPXCHG8B m64 (0F C7 /1): EDX:EAX = m64 → m64 ← ECX:EBX, ZF=1; else
 * EDX:EAX ← m64 (and m64 is written back unchanged), ZF=0. Other flags kept.
 */
export function cmpxchg8b(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  const addr = cpu.ea(i);
  const hiAddr = (addr + 4) | 0;
  cpu.probeWrite(addr, 8);
  const lo = cpu.rd32(addr);
  const hi = cpu.rd32(hiAddr);
  if (lo === s[0] && hi === s[2]) {
    cpu.wr32(addr, s[3]);
    cpu.wr32(hiAddr, s[1]);
    setFlags(s, FL_ZF, FL_ZF);
  } else {
    cpu.wr32(addr, lo);
    cpu.wr32(hiAddr, hi);
    s[0] = lo;
    s[2] = hi;
    setFlags(s, FL_ZF, 0);
  }
}

/** POPCNT G, E (F3 0F B8): number of set bits; ZF = (source == 0); CF OF SF AF PF cleared. */
export function popcnt(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  const v = cpu.readE(i, i.size);
  let x = (v - ((v >>> 1) & 0x55555555)) | 0;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  cpu.setReg(i.reg, i.size, Math.imul(x, 0x01010101) >>> 24);
  s[S_LAZY_OP] = 0;
  s[S_FLAGS] = (s[S_FLAGS] & ~FL_ARITH) | (v === 0 ? FL_ZF : 0);
}
