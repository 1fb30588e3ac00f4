import { K_ADC, K_ADD, K_DEC, K_INC, K_LOGIC, K_SBB, K_SUB, getCF, setLazy, setLazyIncDec, sizeIndex } from './flags.js';
import type { Cpu } from './cpu.js';
import type { Insn } from './insn.js';

/**
 * Integer ALU: ADD OR ADC SBB AND SUB XOR CMP (x86 order, `i.sub`), TEST,
 * INC, DEC, NEG, NOT. Flags are lazy (flags.ts). Memory forms probe the
 * write first so a fault leaves every register and flag untouched.
 */
export const ALU_ADD = 0;
export const ALU_OR = 1;
export const ALU_ADC = 2;
export const ALU_SBB = 3;
export const ALU_AND = 4;
export const ALU_SUB = 5;
export const ALU_XOR = 6;
export const ALU_CMP = 7;

/** Compute `a <kind> b` for an operand of `size` bytes and set the lazy flags. */
export function alu(cpu: Cpu, kind: number, size: number, a: number, b: number): number {
  const s = cpu.s;
  const z = sizeIndex(size);
  let r: number;
  switch (kind) {
    case ALU_ADD:
      r = (a + b) | 0;
      setLazy(s, (K_ADD << 2) | z, a, b, r);
      return r;
    case ALU_OR:
      r = a | b;
      setLazy(s, (K_LOGIC << 2) | z, a, b, r);
      return r;
    case ALU_ADC:
      r = (a + b + getCF(s)) | 0;
      setLazy(s, (K_ADC << 2) | z, a, b, r);
      return r;
    case ALU_SBB:
      r = (a - b - getCF(s)) | 0;
      setLazy(s, (K_SBB << 2) | z, a, b, r);
      return r;
    case ALU_AND:
      r = a & b;
      setLazy(s, (K_LOGIC << 2) | z, a, b, r);
      return r;
    case ALU_XOR:
      r = a ^ b;
      setLazy(s, (K_LOGIC << 2) | z, a, b, r);
      return r;
    default: // SUB, CMP
      r = (a - b) | 0;
      setLazy(s, (K_SUB << 2) | z, a, b, r);
      return r;
  }
}

/** op E, G   (00 01 08 09 … 38 39) */
export function aluEG(cpu: Cpu, i: Insn): void {
  const size = i.size;
  const b = cpu.getReg(i.reg, size);
  if (i.mod === 3) {
    const r = alu(cpu, i.sub, size, cpu.getReg(i.rm, size), b);
    if (i.sub !== ALU_CMP) cpu.setReg(i.rm, size, r);
  } else {
    const addr = cpu.ea(i);
    if (i.sub !== ALU_CMP) cpu.probeWrite(addr, size);
    const r = alu(cpu, i.sub, size, cpu.rd(addr, size), b);
    if (i.sub !== ALU_CMP) cpu.wr(addr, size, r);
  }
}

/** op G, E   (02 03 0A 0B … 3A 3B) */
export function aluGE(cpu: Cpu, i: Insn): void {
  const size = i.size;
  const r = alu(cpu, i.sub, size, cpu.getReg(i.reg, size), cpu.readE(i, size));
  if (i.sub !== ALU_CMP) cpu.setReg(i.reg, size, r);
}

/** op E, imm   (80 81 83, and 04 05 … with E = AL/AX/EAX) */
export function aluEI(cpu: Cpu, i: Insn): void {
  const size = i.size;
  if (i.mod === 3) {
    const r = alu(cpu, i.sub, size, cpu.getReg(i.rm, size), i.imm);
    if (i.sub !== ALU_CMP) cpu.setReg(i.rm, size, r);
  } else {
    const addr = cpu.ea(i);
    if (i.sub !== ALU_CMP) cpu.probeWrite(addr, size);
    const r = alu(cpu, i.sub, size, cpu.rd(addr, size), i.imm);
    if (i.sub !== ALU_CMP) cpu.wr(addr, size, r);
  }
}

// Specialised 32-bit register forms: the bulk of compiled C.
const OP_ADD32 = (K_ADD << 2) | 2;
const OP_SUB32 = (K_SUB << 2) | 2;
const OP_LOGIC32 = (K_LOGIC << 2) | 2;

export function add32RR(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  const a = s[i.rm];
  const b = s[i.reg];
  const r = (a + b) | 0;
  s[i.rm] = r;
  setLazy(s, OP_ADD32, a, b, r);
}
export function sub32RR(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  const a = s[i.rm];
  const b = s[i.reg];
  const r = (a - b) | 0;
  s[i.rm] = r;
  setLazy(s, OP_SUB32, a, b, r);
}
export function cmp32RR(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  const a = s[i.rm];
  const b = s[i.reg];
  setLazy(s, OP_SUB32, a, b, (a - b) | 0);
}
export function and32RR(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  const r = s[i.rm] & s[i.reg];
  s[i.rm] = r;
  setLazy(s, OP_LOGIC32, 0, 0, r);
}
export function or32RR(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  const r = s[i.rm] | s[i.reg];
  s[i.rm] = r;
  setLazy(s, OP_LOGIC32, 0, 0, r);
}
export function xor32RR(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  const r = s[i.rm] ^ s[i.reg];
  s[i.rm] = r;
  setLazy(s, OP_LOGIC32, 0, 0, r);
}
export function test32RR(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  setLazy(s, OP_LOGIC32, 0, 0, s[i.rm] & s[i.reg]);
}
export function add32RI(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  const a = s[i.rm];
  const r = (a + i.imm) | 0;
  s[i.rm] = r;
  setLazy(s, OP_ADD32, a, i.imm, r);
}
export function sub32RI(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  const a = s[i.rm];
  const r = (a - i.imm) | 0;
  s[i.rm] = r;
  setLazy(s, OP_SUB32, a, i.imm, r);
}
export function cmp32RI(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  const a = s[i.rm];
  setLazy(s, OP_SUB32, a, i.imm, (a - i.imm) | 0);
}
export function and32RI(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  const r = s[i.rm] & i.imm;
  s[i.rm] = r;
  setLazy(s, OP_LOGIC32, 0, 0, r);
}
/** CMP r32, [mem] and CMP [mem], r32/imm — reads only. */
export function cmp32GM(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  const a = s[i.reg];
  const b = cpu.rd32(cpu.ea(i));
  setLazy(s, OP_SUB32, a, b, (a - b) | 0);
}
export function cmp32MI(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  const a = cpu.rd32(cpu.ea(i));
  setLazy(s, OP_SUB32, a, i.imm, (a - i.imm) | 0);
}
export function add32GM(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  const a = s[i.reg];
  const b = cpu.rd32(cpu.ea(i));
  const r = (a + b) | 0;
  s[i.reg] = r;
  setLazy(s, OP_ADD32, a, b, r);
}

/** TEST E, G (84 85) */
export function testEG(cpu: Cpu, i: Insn): void {
  const size = i.size;
  setLazy(cpu.s, (K_LOGIC << 2) | sizeIndex(size), 0, 0, cpu.readE(i, size) & cpu.getReg(i.reg, size));
}

/** TEST E, imm (A8 A9 F6/0 F7/0) */
export function testEI(cpu: Cpu, i: Insn): void {
  const size = i.size;
  setLazy(cpu.s, (K_LOGIC << 2) | sizeIndex(size), 0, 0, cpu.readE(i, size) & i.imm);
}

/** INC E (FE/0 FF/0, 40+r with mod=3) */
export function incE(cpu: Cpu, i: Insn): void {
  const size = i.size;
  if (i.mod === 3) {
    const a = cpu.getReg(i.rm, size);
    const r = (a + 1) | 0;
    cpu.setReg(i.rm, size, r);
    setLazyIncDec(cpu.s, (K_INC << 2) | sizeIndex(size), a, r);
  } else {
    const addr = cpu.ea(i);
    cpu.probeWrite(addr, size);
    const a = cpu.rd(addr, size);
    const r = (a + 1) | 0;
    cpu.wr(addr, size, r);
    setLazyIncDec(cpu.s, (K_INC << 2) | sizeIndex(size), a, r);
  }
}

export function decE(cpu: Cpu, i: Insn): void {
  const size = i.size;
  if (i.mod === 3) {
    const a = cpu.getReg(i.rm, size);
    const r = (a - 1) | 0;
    cpu.setReg(i.rm, size, r);
    setLazyIncDec(cpu.s, (K_DEC << 2) | sizeIndex(size), a, r);
  } else {
    const addr = cpu.ea(i);
    cpu.probeWrite(addr, size);
    const a = cpu.rd(addr, size);
    const r = (a - 1) | 0;
    cpu.wr(addr, size, r);
    setLazyIncDec(cpu.s, (K_DEC << 2) | sizeIndex(size), a, r);
  }
}

export function inc32R(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  const a = s[i.rm];
  const r = (a + 1) | 0;
  s[i.rm] = r;
  setLazyIncDec(s, (K_INC << 2) | 2, a, r);
}

export function dec32R(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  const a = s[i.rm];
  const r = (a - 1) | 0;
  s[i.rm] = r;
  setLazyIncDec(s, (K_DEC << 2) | 2, a, r);
}

/** NEG E (F6/3 F7/3): flags as SUB 0, src. */
export function negE(cpu: Cpu, i: Insn): void {
  const size = i.size;
  const z = sizeIndex(size);
  if (i.mod === 3) {
    const b = cpu.getReg(i.rm, size);
    const r = (0 - b) | 0;
    cpu.setReg(i.rm, size, r);
    setLazy(cpu.s, (K_SUB << 2) | z, 0, b, r);
  } else {
    const addr = cpu.ea(i);
    cpu.probeWrite(addr, size);
    const b = cpu.rd(addr, size);
    const r = (0 - b) | 0;
    cpu.wr(addr, size, r);
    setLazy(cpu.s, (K_SUB << 2) | z, 0, b, r);
  }
}

/** NOT E (F6/2 F7/2): no flags. */
export function notE(cpu: Cpu, i: Insn): void {
  const size = i.size;
  if (i.mod === 3) cpu.setReg(i.rm, size, ~cpu.getReg(i.rm, size));
  else {
    const addr = cpu.ea(i);
    cpu.probeWrite(addr, size);
    cpu.wr(addr, size, ~cpu.rd(addr, size));
  }
}
