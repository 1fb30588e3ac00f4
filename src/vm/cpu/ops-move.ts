import { CpuFault, Vector } from '../mem/fault.js';
import { S_FLAGS, S_SEG_BASE, S_SEG_SEL, S_TLS_BASE, S_TLS_USED, SEG_CS, SEG_SS, TLS_ENTRIES, TLS_ENTRY_MIN, USER_CS, USER_DS } from '../mem/layout.js';
import { FL_USER_WRITABLE, getFlags, materialize } from './flags.js';
import type { Cpu } from './cpu.js';
import type { Insn } from './insn.js';

/** Data movement: MOV forms, MOVZX/MOVSX, LEA, XCHG, stack, flags transfer, segment loads. */

export function movEG(cpu: Cpu, i: Insn): void {
  cpu.writeE(i, i.size, cpu.getReg(i.reg, i.size));
}
export function movGE(cpu: Cpu, i: Insn): void {
  cpu.setReg(i.reg, i.size, cpu.readE(i, i.size));
}
export function movEI(cpu: Cpu, i: Insn): void {
  cpu.writeE(i, i.size, i.imm);
}
export function mov32RR(cpu: Cpu, i: Insn): void {
  cpu.s[i.rm] = cpu.s[i.reg];
}
export function mov32RI(cpu: Cpu, i: Insn): void {
  cpu.s[i.rm] = i.imm;
}
/** mov r32, [mem] */
export function mov32RM(cpu: Cpu, i: Insn): void {
  cpu.s[i.reg] = cpu.rd32(cpu.ea(i));
}
/** mov [mem], r32 */
export function mov32MR(cpu: Cpu, i: Insn): void {
  cpu.wr32(cpu.ea(i), cpu.s[i.reg]);
}
export function mov32MI(cpu: Cpu, i: Insn): void {
  cpu.wr32(cpu.ea(i), i.imm);
}

export function movzxB(cpu: Cpu, i: Insn): void {
  cpu.setReg(i.reg, i.size, cpu.readE(i, 1));
}
export function movzxW(cpu: Cpu, i: Insn): void {
  cpu.setReg(i.reg, i.size, cpu.readE(i, 2));
}
export function movsxB(cpu: Cpu, i: Insn): void {
  cpu.setReg(i.reg, i.size, (cpu.readE(i, 1) << 24) >> 24);
}
export function movsxW(cpu: Cpu, i: Insn): void {
  cpu.setReg(i.reg, i.size, (cpu.readE(i, 2) << 16) >> 16);
}

/** LEA: the offset, without the segment base. */
export function lea(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  let a = i.disp;
  if (i.base >= 0) a = (a + s[i.base]) | 0;
  if (i.index >= 0) a = (a + (s[i.index] << i.scale)) | 0;
  if (i.a16) a &= 0xffff;
  cpu.setReg(i.reg, i.size, a);
}

export function xchgEG(cpu: Cpu, i: Insn): void {
  const size = i.size;
  if (i.mod === 3) {
    const t = cpu.getReg(i.rm, size);
    cpu.setReg(i.rm, size, cpu.getReg(i.reg, size));
    cpu.setReg(i.reg, size, t);
  } else {
    const addr = cpu.ea(i);
    cpu.probeWrite(addr, size);
    const t = cpu.rd(addr, size);
    cpu.wr(addr, size, cpu.getReg(i.reg, size));
    cpu.setReg(i.reg, size, t);
  }
}

// ---- stack ----

export function push32R(cpu: Cpu, i: Insn): void {
  cpu.push32(cpu.s[i.rm]);
}
export function pop32R(cpu: Cpu, i: Insn): void {
  const v = cpu.pop32();
  cpu.s[i.rm] = v;
}
export function pushR(cpu: Cpu, i: Insn): void {
  if (i.size === 4) cpu.push32(cpu.s[i.rm]);
  else cpu.push16(cpu.s[i.rm]);
}
export function popR(cpu: Cpu, i: Insn): void {
  if (i.size === 4) cpu.s[i.rm] = cpu.pop32();
  else cpu.setReg(i.rm, 2, cpu.pop16());
}
export function pushI(cpu: Cpu, i: Insn): void {
  if (i.size === 4) cpu.push32(i.imm);
  else cpu.push16(i.imm);
}
/** PUSH E (FF/6): the operand is read before ESP changes. */
export function pushE(cpu: Cpu, i: Insn): void {
  const v = cpu.readE(i, i.size);
  if (i.size === 4) cpu.push32(v);
  else cpu.push16(v);
}
/** POP E (8F/0): the address is computed with ESP already incremented (SDM POP). */
export function popE(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  const size = i.size;
  const sp = s[4];
  const v = cpu.rd(sp, size);
  if (i.mod === 3) {
    s[4] = (sp + size) | 0;
    cpu.setReg(i.rm, size, v);
    return;
  }
  s[4] = (sp + size) | 0;
  try {
    cpu.wr(cpu.ea(i), size, v);
  } catch (e) {
    s[4] = sp;
    throw e;
  }
}

export function pusha(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  const size = i.size;
  const sp = s[4];
  cpu.probeWrite((sp - 8 * size) | 0, 8 * size);
  for (let r = 0; r < 8; r++) {
    const v = r === 4 ? sp : s[r];
    cpu.wr((sp - (r + 1) * size) | 0, size, v);
  }
  s[4] = (sp - 8 * size) | 0;
}

export function popa(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  const size = i.size;
  const sp = s[4];
  const vals = [0, 0, 0, 0, 0, 0, 0, 0];
  for (let r = 0; r < 8; r++) vals[r] = cpu.rd((sp + (7 - r) * size) | 0, size);
  for (let r = 0; r < 8; r++) if (r !== 4) cpu.setReg(r, size, vals[r]);
  s[4] = (sp + 8 * size) | 0;
}

export function pushf(cpu: Cpu, i: Insn): void {
  // RF and VM are never pushed (SDM PUSHF).
  const f = getFlags(cpu.s) & ~0x30000;
  if (i.size === 4) cpu.push32(f);
  else cpu.push16(f);
}

export function popf(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  const v = i.size === 4 ? cpu.pop32() : cpu.pop16();
  const mask = i.size === 4 ? FL_USER_WRITABLE : FL_USER_WRITABLE & 0xffff;
  materialize(s);
  s[S_FLAGS] = (s[S_FLAGS] & ~mask) | (v & mask) | 2;
}

export function lahf(cpu: Cpu, _i: Insn): void {
  cpu.setReg8(4, (getFlags(cpu.s) & 0xd5) | 2);
}

export function sahf(cpu: Cpu, _i: Insn): void {
  const s = cpu.s;
  materialize(s);
  s[S_FLAGS] = (s[S_FLAGS] & ~0xd5) | (cpu.getReg8(4) & 0xd5);
}

/** CBW / CWDE */
export function cbw(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  if (i.size === 4) s[0] = (s[0] << 16) >> 16;
  else cpu.setReg(0, 2, (s[0] << 24) >> 24);
}
/** CWD / CDQ */
export function cwd(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  if (i.size === 4) s[2] = s[0] >> 31;
  else cpu.setReg(2, 2, (s[0] << 16) >> 31);
}

export function xlat(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  let a = (s[3] + (s[0] & 0xff)) | 0;
  if (i.a16) a &= 0xffff;
  cpu.setReg8(0, cpu.rd8((a + s[S_SEG_BASE + i.seg]) | 0));
}

/** ENTER imm16, imm8 (SDM ENTER, nesting levels mod 32). */
export function enter(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  const size = i.size;
  const alloc = i.imm & 0xffff;
  const level = i.imm2 & 31;
  const sp0 = s[4];
  let sp = sp0;
  const ebp = s[5];
  // Check the whole frame is writable first so a fault changes nothing.
  const frameTop = (sp0 - size * (level + 1) - alloc) | 0;
  if (alloc + size * (level + 1) > 0) cpu.probeWrite(frameTop, size * (level + 1) + alloc > 4096 ? 1 : size * (level + 1) + alloc);
  sp = (sp - size) | 0;
  cpu.wr(sp, size, ebp);
  const frameTemp = sp;
  if (level > 0) {
    let bp = ebp;
    for (let l = 1; l < level; l++) {
      bp = (bp - size) | 0;
      const v = cpu.rd(bp, size);
      sp = (sp - size) | 0;
      cpu.wr(sp, size, v);
    }
    sp = (sp - size) | 0;
    cpu.wr(sp, size, frameTemp);
  }
  if (size === 4) s[5] = frameTemp;
  else cpu.setReg(5, 2, frameTemp);
  s[4] = (sp - alloc) | 0;
}

export function leave(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  const bp = s[5];
  const v = cpu.rd(bp, i.size);
  s[4] = (bp + i.size) | 0;
  cpu.setReg(5, i.size, v);
}

// ---- segment registers ----

/**
 * Load a segment register in user mode: null (not SS/CS), the Linux user
 * code/data selectors (base 0), or a TLS selector set by set_thread_area.
 * Anything else raises #GP → SIGSEGV, as Linux would.
 */
export function loadSegment(cpu: Cpu, sreg: number, sel: number): void {
  const s = cpu.s;
  sel &= 0xffff;
  let base = 0;
  const idx = sel >> 3;
  if ((sel & ~3) === 0) {
    if (sreg === SEG_SS || sreg === SEG_CS) throw new CpuFault(Vector.GP);
  } else if ((sel & 3) !== 3) {
    throw new CpuFault(Vector.GP);
  } else if (sel === USER_DS || sel === USER_CS) {
    base = 0;
  } else if (idx >= TLS_ENTRY_MIN && idx < TLS_ENTRY_MIN + TLS_ENTRIES && s[S_TLS_USED + idx - TLS_ENTRY_MIN] !== 0) {
    base = s[S_TLS_BASE + idx - TLS_ENTRY_MIN];
  } else {
    throw new CpuFault(Vector.GP);
  }
  s[S_SEG_SEL + sreg] = sel;
  s[S_SEG_BASE + sreg] = base;
}

/** MOV E, Sreg (8C): a register destination gets the zero-extended selector. */
export function movESreg(cpu: Cpu, i: Insn): void {
  const sel = cpu.s[S_SEG_SEL + i.reg] & 0xffff;
  if (i.mod === 3) cpu.setReg(i.rm, i.size, sel);
  else cpu.wr16(cpu.ea(i), sel);
}

/** MOV Sreg, E (8E) */
export function movSregE(cpu: Cpu, i: Insn): void {
  if (i.reg === SEG_CS || i.reg > 5) throw new CpuFault(Vector.UD);
  loadSegment(cpu, i.reg, cpu.readE(i, 2));
}

/** PUSH Sreg: a 32-bit push writes the 16-bit selector zero-extended (modern CPUs may write only 16 bits). */
export function pushSreg(cpu: Cpu, i: Insn): void {
  const sel = cpu.s[S_SEG_SEL + i.reg] & 0xffff;
  if (i.size === 4) cpu.push32(sel);
  else cpu.push16(sel);
}

export function popSreg(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  const sp = s[4];
  const v = cpu.rd(sp, i.size);
  loadSegment(cpu, i.reg, v);
  s[4] = (sp + i.size) | 0;
}

/** LDS/LES/LSS/LFS/LGS: far pointer load. `i.sub` is the segment register. */
export function loadFarPointer(cpu: Cpu, i: Insn): void {
  if (i.mod === 3) throw new CpuFault(Vector.UD);
  const a = cpu.ea(i);
  const off = cpu.rd(a, i.size);
  const sel = cpu.rd16((a + i.size) | 0);
  loadSegment(cpu, i.sub, sel);
  cpu.setReg(i.reg, i.size, off);
}

/** ARPL (63): adjust the RPL field of a selector (valid at CPL 3 in 32-bit protected mode). */
export function arpl(cpu: Cpu, i: Insn): void {
  // SDM ARPL: if dest.RPL < src.RPL then dest.RPL = src.RPL, ZF = 1 else ZF = 0.
  const s = cpu.s;
  const d = cpu.readE(i, 2);
  const src = cpu.getReg(i.reg, 2);
  materialize(s);
  if ((d & 3) < (src & 3)) {
    if (i.mod !== 3) cpu.probeWrite(cpu.ea(i), 2);
    cpu.writeE(i, 2, (d & ~3) | (src & 3));
    s[S_FLAGS] |= 0x40;
  } else {
    s[S_FLAGS] &= ~0x40;
  }
}

