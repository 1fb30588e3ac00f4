import { ACCESS_READ, ACCESS_WRITE } from '../mem/address-space.js';
import { PAGE_SHIFT, R_ECX, R_EDI, R_ESI, S_FLAGS, S_SEG_BASE, SEG_ES } from '../mem/layout.js';
import { FL_DF, K_SUB, setLazy, sizeIndex } from './flags.js';
import type { Cpu } from './cpu.js';
import type { Insn } from './insn.js';

/**
 * String instructions MOVS CMPS STOS LODS SCAS with REP/REPE/REPNE, both
 * directions (Intel SDM Vol. 2, "REP/REPE/REPZ/REPNE/REPNZ" and each
 * instruction's page).
 *
 * Precise and restartable: every iteration commits ESI/EDI/ECX (and, for the
 * compares, the flags) before the next one touches memory, so a fault in
 * iteration k leaves the state after iteration k-1 and the interpreter
 * re-executes the instruction at the same EIP — exactly what hardware does
 * when it interrupts a repeated string instruction (SDM Vol. 2, REP: "the
 * instruction can be restarted").
 *
 * The common forms (REP MOVS / REP STOS with 32-bit addressing, REPE/REPNE
 * CMPSB/SCASB going up) work a page at a time on the physical frames, which
 * are found through the TLB or AddressSpace.fill — the latter also drops any
 * decoded code on a page being written. Everything else runs element by
 * element through Cpu.rd/wr.
 *
 * F2 on MOVS/STOS/LODS repeats like F3 (what hardware does; the SDM leaves it
 * undefined). The source segment (DS:ESI) honours overrides; ES:EDI does not.
 */

const PAGE = 0x1000;

/** Physical byte offset of the page holding `a`, for reading. May throw #PF. */
function rbase(cpu: Cpu, a: number): number {
  const e = cpu.tlbR[a >>> PAGE_SHIFT];
  return e !== 0 ? e : cpu.as.fill(a, ACCESS_READ);
}

/** Physical byte offset of the page holding `a`, for writing (drops code decoded from it). May throw #PF. */
function wbase(cpu: Cpu, a: number): number {
  const e = cpu.tlbW[a >>> PAGE_SHIFT];
  return e !== 0 ? e : cpu.as.fill(a, ACCESS_WRITE);
}

/** Store index register/counter `r`: all 32 bits, or only the low 16 with a 16-bit address size. */
function setIdx(s: Int32Array, r: number, v: number, a16: boolean): void {
  s[r] = a16 ? (s[r] & ~0xffff) | (v & 0xffff) : v | 0;
}

function stepOf(s: Int32Array, size: number): number {
  return (s[S_FLAGS] & FL_DF) !== 0 ? -size : size;
}

/**
 * How many whole elements, starting with the one at page offset `o` and
 * moving by `step`, lie in that page (at least one must, or 0 is returned).
 */
function inPage(o: number, size: number, step: number): number {
  if (o + size > PAGE) return 0;
  return step > 0 ? ((PAGE - o) / size) | 0 : ((o / size) | 0) + 1;
}

// ---------------------------------------------------------------- MOVS

export function movs(cpu: Cpu, i: Insn): void {
  if (i.rep !== 0 && !i.a16) movsRep32(cpu, i);
  else movsSlow(cpu, i);
}

/** One element, or REP with 16-bit addressing: element by element. */
function movsSlow(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  const size = i.size;
  const step = stepOf(s, size);
  const sb = s[S_SEG_BASE + i.seg];
  const db = s[S_SEG_BASE + SEG_ES];
  const a16 = i.a16;
  const am = a16 ? 0xffff : -1;
  const rep = i.rep !== 0;
  for (;;) {
    const c = s[R_ECX] & am;
    if (rep && c === 0) return;
    const si = s[R_ESI] & am;
    const di = s[R_EDI] & am;
    cpu.wr((db + di) | 0, size, cpu.rd((sb + si) | 0, size));
    setIdx(s, R_ESI, si + step, a16);
    setIdx(s, R_EDI, di + step, a16);
    if (!rep) return;
    setIdx(s, R_ECX, c - 1, a16);
  }
}

function movsRep32(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  const u8 = cpu.u8;
  const size = i.size;
  const step = stepOf(s, size);
  const sb = s[S_SEG_BASE + i.seg];
  const db = s[S_SEG_BASE + SEG_ES];
  for (;;) {
    const cnt = s[R_ECX] >>> 0;
    if (cnt === 0) return;
    const esi = s[R_ESI];
    const edi = s[R_EDI];
    const src = (sb + esi) | 0;
    const dst = (db + edi) | 0;
    const so = src & 0xfff;
    const dof = dst & 0xfff;
    let k = Math.min(inPage(so, size, step), inPage(dof, size, step));
    if (k > cnt) k = cnt;
    if (k <= 1) {
      // An element that straddles a page boundary, or the last one.
      k = 1;
      cpu.wr(dst, size, cpu.rd(src, size));
    } else {
      // Fault order as for the first element: its read, then its write. The
      // source is looked up again after the write fill, which may have copied
      // a COW frame (same page) and so moved it.
      rbase(cpu, src);
      const dp = wbase(cpu, dst);
      const sp = rbase(cpu, src);
      const bytes = k * size;
      const back = step < 0 ? bytes - size : 0;
      const S = sp + so - back;
      const D = dp + dof - back;
      // Overlap is judged on physical addresses: two mappings may share a frame.
      if (D === S) {
        // Each element is copied onto itself.
      } else if (step > 0 ? D < S || D >= S + bytes : D > S || D + bytes <= S) {
        // Reads never see this chunk's writes: a block move gives the same bytes.
        u8.copyWithin(D, S, S + bytes);
      } else if (step > 0 && D - S >= size) {
        // Forward onto itself by d >= element size: each element reads bytes an
        // earlier one wrote d below, so the result repeats the first d bytes.
        replicate(u8, D, S, D - S, bytes);
      } else {
        movsElements(cpu, S, D, k, size, step);
      }
    }
    s[R_ESI] = (esi + k * step) | 0;
    s[R_EDI] = (edi + k * step) | 0;
    s[R_ECX] = (cnt - k) | 0;
  }
}

/** dst[j] = src[j mod d] for j < bytes, where dst = src + d (a forward overlapping copy). */
function replicate(u8: Uint8Array, D: number, S: number, d: number, bytes: number): void {
  let filled = d < bytes ? d : bytes;
  u8.copyWithin(D, S, S + filled);
  while (filled < bytes) {
    const c = filled < bytes - filled ? filled : bytes - filled;
    u8.copyWithin(D + filled, D, D + c);
    filled += c;
  }
}

/** Element-by-element copy between physical ranges whose lowest elements are at S and D. */
function movsElements(cpu: Cpu, S: number, D: number, k: number, size: number, step: number): void {
  const u8 = cpu.u8;
  const dv = cpu.dv;
  let j = step > 0 ? 0 : (k - 1) * size;
  for (let n = 0; n < k; n++, j += step) {
    if (size === 1) u8[D + j] = u8[S + j];
    else if (size === 2) dv.setUint16(D + j, dv.getUint16(S + j, true), true);
    else dv.setInt32(D + j, dv.getInt32(S + j, true), true);
  }
}

// ---------------------------------------------------------------- STOS

export function stos(cpu: Cpu, i: Insn): void {
  if (i.rep !== 0 && !i.a16) stosRep32(cpu, i);
  else stosSlow(cpu, i);
}

function stosSlow(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  const size = i.size;
  const step = stepOf(s, size);
  const db = s[S_SEG_BASE + SEG_ES];
  const v = cpu.getReg(0, size);
  const a16 = i.a16;
  const am = a16 ? 0xffff : -1;
  const rep = i.rep !== 0;
  for (;;) {
    const c = s[R_ECX] & am;
    if (rep && c === 0) return;
    const di = s[R_EDI] & am;
    cpu.wr((db + di) | 0, size, v);
    setIdx(s, R_EDI, di + step, a16);
    if (!rep) return;
    setIdx(s, R_ECX, c - 1, a16);
  }
}

function stosRep32(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  const size = i.size;
  const step = stepOf(s, size);
  const db = s[S_SEG_BASE + SEG_ES];
  const v = cpu.getReg(0, size);
  for (;;) {
    const cnt = s[R_ECX] >>> 0;
    if (cnt === 0) return;
    const edi = s[R_EDI];
    const dst = (db + edi) | 0;
    const dof = dst & 0xfff;
    let k = inPage(dof, size, step);
    if (k > cnt) k = cnt;
    if (k <= 1) {
      k = 1;
      cpu.wr(dst, size, v);
    } else {
      const bytes = k * size;
      const D = wbase(cpu, dst) + dof - (step < 0 ? bytes - size : 0);
      fillPattern(cpu, D, bytes, size, v);
    }
    s[R_EDI] = (edi + k * step) | 0;
    s[R_ECX] = (cnt - k) | 0;
  }
}

/** Fill `bytes` at physical D with the little-endian `size`-byte element v (every element is the same, so order does not matter). */
function fillPattern(cpu: Cpu, D: number, bytes: number, size: number, v: number): void {
  const u8 = cpu.u8;
  const b0 = v & 0xff;
  if (size === 1 || (size === 2 ? (v >>> 8) === b0 : v === Math.imul(b0, 0x01010101))) {
    u8.fill(b0, D, D + bytes);
    return;
  }
  if (size === 2) cpu.dv.setUint16(D, v, true);
  else cpu.dv.setInt32(D, v, true);
  let filled = size;
  while (filled < bytes) {
    const c = filled < bytes - filled ? filled : bytes - filled;
    u8.copyWithin(D + filled, D, D + c);
    filled += c;
  }
}

// ---------------------------------------------------------------- LODS

export function lods(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  const size = i.size;
  const step = stepOf(s, size);
  const sb = s[S_SEG_BASE + i.seg];
  const a16 = i.a16;
  const am = a16 ? 0xffff : -1;
  const rep = i.rep !== 0;
  for (;;) {
    const c = s[R_ECX] & am;
    if (rep && c === 0) return;
    const si = s[R_ESI] & am;
    cpu.setReg(0, size, cpu.rd((sb + si) | 0, size));
    setIdx(s, R_ESI, si + step, a16);
    if (!rep) return;
    setIdx(s, R_ECX, c - 1, a16);
  }
}

// ---------------------------------------------------------------- CMPS

/** CMPS compares [DS:ESI] - [ES:EDI] (source minus destination), flags as CMP. */
export function cmps(cpu: Cpu, i: Insn): void {
  if (i.rep !== 0 && !i.a16 && i.size === 1 && (cpu.s[S_FLAGS] & FL_DF) === 0) cmpsbUp(cpu, i);
  else cmpsSlow(cpu, i);
}

function cmpsSlow(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  const size = i.size;
  const op = (K_SUB << 2) | sizeIndex(size);
  const step = stepOf(s, size);
  const sb = s[S_SEG_BASE + i.seg];
  const db = s[S_SEG_BASE + SEG_ES];
  const a16 = i.a16;
  const am = a16 ? 0xffff : -1;
  const rep = i.rep;
  for (;;) {
    const c = s[R_ECX] & am;
    if (rep !== 0 && c === 0) return;
    const si = s[R_ESI] & am;
    const di = s[R_EDI] & am;
    const a = cpu.rd((sb + si) | 0, size);
    const b = cpu.rd((db + di) | 0, size);
    setIdx(s, R_ESI, si + step, a16);
    setIdx(s, R_EDI, di + step, a16);
    setLazy(s, op, a, b, (a - b) | 0);
    if (rep === 0) return;
    setIdx(s, R_ECX, c - 1, a16);
    // REPE stops when ZF=0, REPNE when ZF=1, after counting the element.
    if (rep === 1 ? a !== b : a === b) return;
  }
}

/** REPE/REPNE CMPSB going up with 32-bit addressing (memcmp): a page pair at a time. */
function cmpsbUp(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  const u8 = cpu.u8;
  const sb = s[S_SEG_BASE + i.seg];
  const db = s[S_SEG_BASE + SEG_ES];
  const stopOnEqual = i.rep === 2;
  for (;;) {
    const cnt = s[R_ECX] >>> 0;
    if (cnt === 0) return;
    const esi = s[R_ESI];
    const edi = s[R_EDI];
    const src = (sb + esi) | 0;
    const dst = (db + edi) | 0;
    const so = src & 0xfff;
    const dof = dst & 0xfff;
    let k = Math.min(PAGE - so, PAGE - dof);
    if (k > cnt) k = cnt;
    const S = rbase(cpu, src) + so;
    const D = rbase(cpu, dst) + dof;
    let j = 0;
    let a = 0;
    let b = 0;
    for (; j < k; j++) {
      a = u8[S + j];
      b = u8[D + j];
      if ((a === b) === stopOnEqual) break;
    }
    const done = j < k;
    const n = done ? j + 1 : k;
    s[R_ESI] = (esi + n) | 0;
    s[R_EDI] = (edi + n) | 0;
    s[R_ECX] = (cnt - n) | 0;
    setLazy(s, K_SUB << 2, a, b, (a - b) | 0);
    if (done) return;
  }
}

// ---------------------------------------------------------------- SCAS

/** SCAS compares AL/AX/EAX - [ES:EDI], flags as CMP. */
export function scas(cpu: Cpu, i: Insn): void {
  if (i.rep !== 0 && !i.a16 && i.size === 1 && (cpu.s[S_FLAGS] & FL_DF) === 0) scasbUp(cpu, i);
  else scasSlow(cpu, i);
}

function scasSlow(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  const size = i.size;
  const op = (K_SUB << 2) | sizeIndex(size);
  const step = stepOf(s, size);
  const db = s[S_SEG_BASE + SEG_ES];
  const a = cpu.getReg(0, size);
  const a16 = i.a16;
  const am = a16 ? 0xffff : -1;
  const rep = i.rep;
  for (;;) {
    const c = s[R_ECX] & am;
    if (rep !== 0 && c === 0) return;
    const di = s[R_EDI] & am;
    const b = cpu.rd((db + di) | 0, size);
    setIdx(s, R_EDI, di + step, a16);
    setLazy(s, op, a, b, (a - b) | 0);
    if (rep === 0) return;
    setIdx(s, R_ECX, c - 1, a16);
    if (rep === 1 ? a !== b : a === b) return;
  }
}

/** REPNE/REPE SCASB going up with 32-bit addressing (strlen, memchr): a page at a time. */
function scasbUp(cpu: Cpu, i: Insn): void {
  const s = cpu.s;
  const u8 = cpu.u8;
  const db = s[S_SEG_BASE + SEG_ES];
  const a = s[0] & 0xff;
  const repne = i.rep === 2;
  for (;;) {
    const cnt = s[R_ECX] >>> 0;
    if (cnt === 0) return;
    const edi = s[R_EDI];
    const dst = (db + edi) | 0;
    const dof = dst & 0xfff;
    let k = PAGE - dof;
    if (k > cnt) k = cnt;
    const D = rbase(cpu, dst) + dof;
    let j: number;
    if (repne) {
      j = u8.subarray(D, D + k).indexOf(a);
      if (j < 0) j = k;
    } else {
      j = 0;
      while (j < k && u8[D + j] === a) j++;
    }
    const done = j < k;
    const n = done ? j + 1 : k;
    const b = u8[D + n - 1];
    s[R_EDI] = (edi + n) | 0;
    s[R_ECX] = (cnt - n) | 0;
    setLazy(s, K_SUB << 2, a, b, (a - b) | 0);
    if (done) return;
  }
}
