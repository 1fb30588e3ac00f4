import { AddressSpace, PROT_EXEC, PROT_READ, PROT_WRITE } from '../mem/address-space.js';
import { PAGE_SIZE } from '../mem/layout.js';
import {
  AT_CLKTCK, AT_EGID, AT_ENTRY, AT_EUID, AT_EXECFN, AT_FLAGS, AT_GID, AT_HWCAP, AT_HWCAP2, AT_NULL, AT_PAGESZ, AT_PHDR,
  AT_PHENT, AT_PHNUM, AT_PLATFORM, AT_RANDOM, AT_SECURE, AT_UID, AT_BASE,
} from './abi/structs.js';
import { VmError } from './errors.js';
import { CPUID_EDX } from '../cpu/ops-control.js';
import type { FileSource } from '../mem/file-backing.js';

/**
 * ELF32 i386 executables: validation, loading of PT_LOAD segments, and the
 * initial process stack (System V i386 ABI, "Process Initialization";
 * Linux fs/binfmt_elf.c create_elf_tables).
 */
const PT_LOAD = 1;
const PT_INTERP = 3;
const PT_PHDR = 6;
const PT_GNU_STACK = 0x6474e551;
const ET_EXEC = 2;
export const ET_DYN = 3;
const EM_386 = 3;
const PF_X = 1;
const PF_W = 2;
const PF_R = 4;

/** Where an ET_DYN (static-PIE) program is placed; Linux's i386 ELF_ET_DYN_BASE without randomisation. */
export const DYN_BASE = 0x56555000;
/** Top of the user stack: a 32-bit process on a 64-bit Linux has 4 GiB less one page of address space. */
export const STACK_TOP = 0xffffe000;
export const STACK_SIZE = 8 * 1024 * 1024;
/** AT_HWCAP is CPUID.1:EDX as our CPU reports it (ops-control.ts). */
export const HWCAP = CPUID_EDX;

export interface Segment {
  offset: number;
  vaddr: number;
  filesz: number;
  memsz: number;
  flags: number;
}

export interface ElfImage {
  type: number;
  entry: number;
  phoff: number;
  phnum: number;
  segments: Segment[];
  interp: string | null;
  phdrVaddr: number;
}

function fail(path: string, why: string): never {
  throw new VmError('exec-format', `${path}: ${why}`, 126);
}

/**
 * How many bytes from the start of the file parseElf needs: the ELF header,
 * the program headers and the PT_INTERP string (0 if `head` is not even an
 * ELF header; parseElf then explains what is wrong).
 */
export function elfHeadLength(head: Uint8Array): number {
  if (head.length < 52 || head[0] !== 0x7f || head[4] !== 1 || head[5] !== 1) return 0;
  const dv = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const phoff = dv.getUint32(28, true);
  const phnum = dv.getUint16(44, true);
  let need = phoff + phnum * 32;
  for (let k = 0; k < phnum && phoff + k * 32 + 32 <= head.length; k++) {
    const o = phoff + k * 32;
    if (dv.getUint32(o, true) === PT_INTERP) need = Math.max(need, dv.getUint32(o + 4, true) + dv.getUint32(o + 16, true));
  }
  return need;
}

/**
 * Parse and validate; throws VmError('exec-format') with a clear reason.
 * `data` holds at least the headers (elfHeadLength); `fileSize` is the whole
 * file's size when `data` is only its beginning.
 */
export function parseElf(data: Uint8Array, path: string, fileSize = data.length): ElfImage {
  if (data.length < 4 || data[0] !== 0x7f || data[1] !== 0x45 || data[2] !== 0x4c || data[3] !== 0x46) {
    fail(path, 'cannot execute binary file: Exec format error (not an ELF file)');
  }
  if (data.length < 52) fail(path, `truncated ELF header (${data.length} bytes, need 52)`);
  if (data[4] !== 1) fail(path, data[4] === 2 ? 'is a 64-bit ELF; only 32-bit i386 programs run here' : `bad ELF class ${data[4]}`);
  if (data[5] !== 1) fail(path, 'is a big-endian ELF; only i386 programs run here');
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const type = dv.getUint16(16, true);
  const machine = dv.getUint16(18, true);
  if (machine !== EM_386 && machine !== 6) fail(path, `is for machine ${machine}, not i386 (3)`);
  if (type !== ET_EXEC && type !== ET_DYN) fail(path, `is not an executable (ELF type ${type})`);
  const entry = dv.getUint32(24, true);
  const phoff = dv.getUint32(28, true);
  const phentsize = dv.getUint16(42, true);
  const phnum = dv.getUint16(44, true);
  if (phentsize !== 32) fail(path, `corrupt ELF: program header size ${phentsize}, expected 32`);
  if (phnum === 0 || phnum > 256) fail(path, `corrupt ELF: ${phnum} program headers`);
  if (phoff + phnum * 32 > data.length) fail(path, 'truncated ELF: program headers lie past the end of the file');
  const segments: Segment[] = [];
  let interp: string | null = null;
  let phdrVaddr = -1;
  for (let k = 0; k < phnum; k++) {
    const o = phoff + k * 32;
    const ptype = dv.getUint32(o, true);
    const offset = dv.getUint32(o + 4, true);
    const vaddr = dv.getUint32(o + 8, true);
    const filesz = dv.getUint32(o + 16, true);
    const memsz = dv.getUint32(o + 20, true);
    const flags = dv.getUint32(o + 24, true);
    if (ptype === PT_LOAD) {
      if (filesz > memsz) fail(path, `corrupt ELF: segment ${k} has file size ${filesz} > memory size ${memsz}`);
      if (offset + filesz > fileSize) fail(path, `truncated ELF: segment ${k} needs bytes up to ${offset + filesz}, file has ${fileSize}`);
      if ((vaddr & (PAGE_SIZE - 1)) !== (offset & (PAGE_SIZE - 1))) fail(path, `corrupt ELF: segment ${k} is not page-congruent`);
      if (vaddr + memsz > STACK_TOP - STACK_SIZE) fail(path, `corrupt ELF: segment ${k} extends to 0x${(vaddr + memsz).toString(16)}`);
      segments.push({ offset, vaddr, filesz, memsz, flags });
    } else if (ptype === PT_INTERP) {
      if (offset + filesz > data.length || filesz === 0) fail(path, 'truncated ELF: bad PT_INTERP');
      let end = offset + filesz;
      while (end > offset && data[end - 1] === 0) end--;
      interp = String.fromCharCode(...data.subarray(offset, end));
    } else if (ptype === PT_PHDR) {
      phdrVaddr = vaddr;
    } else if (ptype === PT_GNU_STACK) {
      // Executable stacks are not honoured: the stack is mapped RW.
    }
  }
  if (segments.length === 0) fail(path, 'corrupt ELF: no loadable segments');
  return { type, entry, phoff, phnum, segments, interp, phdrVaddr };
}

export interface LoadedImage {
  entry: number;
  phdr: number;
  phnum: number;
  brk: number;
  base: number;
  /** Where the program interpreter (ld.so) was loaded: AT_BASE, 0 for a static program. */
  interpBase?: number;
  /** With an interpreter, `entry` is ld.so's and this is the program's (AT_ENTRY). */
  progEntry?: number;
}

function protOf(flags: number): number {
  let prot = 0;
  if (flags & PF_R) prot |= PROT_READ;
  if (flags & PF_W) prot |= PROT_WRITE;
  if (flags & PF_X) prot |= PROT_EXEC;
  return prot;
}

/** Bytes spanned by the PT_LOAD segments, from the first one's page. */
export function elfSpan(elf: ElfImage): number {
  let lo = 0xffffffff;
  let hi = 0;
  for (const seg of elf.segments) {
    lo = Math.min(lo, (seg.vaddr & ~(PAGE_SIZE - 1)) >>> 0);
    hi = Math.max(hi, seg.vaddr + seg.memsz);
  }
  return Math.ceil((hi - lo) / PAGE_SIZE) * PAGE_SIZE;
}

/**
 * Map the segments of `elf` at `base` as file-backed pages (Linux
 * fs/binfmt_elf.c elf_map + padzero + set_brk): nothing is read now, each
 * page is read from `src` on first touch. The file part of the last page of
 * a segment with bss is cut at the segment's file size so the bss reads as
 * zero; pages past it are anonymous. Returns the image with brk after it.
 */
export function mapElf(as: AddressSpace, elf: ElfImage, src: FileSource, base: number, path: string, fileSize: number): LoadedImage {
  let end = 0;
  let phdr = elf.phdrVaddr >= 0 ? elf.phdrVaddr + base : -1;
  for (const seg of elf.segments) {
    const va = (seg.vaddr + base) >>> 0;
    const start = (va & ~(PAGE_SIZE - 1)) >>> 0;
    const stop = va + seg.memsz;
    if (seg.memsz === 0) continue;
    if (start < 0x1000) fail(path, 'corrupt ELF: segment maps the zero page');
    const pageOff = va - start;
    const fileStart = seg.offset - pageOff;
    // Without bss, the last page shows the file's following bytes, as on Linux.
    const fileBytes = seg.memsz > seg.filesz ? pageOff + seg.filesz : Math.min(fileSize - fileStart, Math.ceil((pageOff + seg.filesz) / PAGE_SIZE) * PAGE_SIZE);
    as.mapFile(start, stop - start, protOf(seg.flags), src, fileStart, seg.filesz === 0 ? 0 : fileBytes);
    if (stop > end) end = stop;
    if (phdr < 0 && elf.phoff >= seg.offset && elf.phoff + elf.phnum * 32 <= seg.offset + seg.filesz) {
      phdr = seg.vaddr + base + (elf.phoff - seg.offset);
    }
  }
  const brk = (end + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
  return { entry: (elf.entry + base) >>> 0, phdr: phdr < 0 ? 0 : phdr, phnum: elf.phnum, brk, base };
}

/** Map the segments of `elf` into `as` (copying file bytes) and set up brk. */
export function loadElf(as: AddressSpace, elf: ElfImage, data: Uint8Array, path: string): LoadedImage {
  const base = elf.type === ET_DYN ? DYN_BASE : 0;
  let end = 0;
  let phdr = elf.phdrVaddr >= 0 ? elf.phdrVaddr + base : -1;
  for (const seg of elf.segments) {
    const start = (seg.vaddr + base) & ~(PAGE_SIZE - 1);
    const stop = seg.vaddr + base + seg.memsz;
    if (stop <= start && seg.memsz === 0) continue;
    let prot = 0;
    if (seg.flags & PF_R) prot |= PROT_READ;
    if (seg.flags & PF_W) prot |= PROT_WRITE;
    if (seg.flags & PF_X) prot |= PROT_EXEC;
    if (start < 0x1000) fail(path, 'corrupt ELF: segment maps the zero page');
    as.map(start, stop - start, prot);
    as.load(seg.vaddr + base, data.subarray(seg.offset, seg.offset + seg.filesz));
    if (stop > end) end = stop;
    if (phdr < 0 && elf.phoff >= seg.offset && elf.phoff + elf.phnum * 32 <= seg.offset + seg.filesz) {
      phdr = seg.vaddr + base + (elf.phoff - seg.offset);
    }
  }
  const brk = (end + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
  as.brkStart = brk;
  as.brk = brk;
  return { entry: (elf.entry + base) >>> 0, phdr: phdr < 0 ? 0 : phdr, phnum: elf.phnum, brk, base };
}

export interface StackInfo {
  argv: string[];
  envp: string[];
  execfn: string;
  uid: number;
  gid: number;
  euid?: number;
  egid?: number;
  random: Uint8Array;
  /** Bytes of stack to map below STACK_TOP (RLIMIT_STACK; STACK_SIZE when absent). */
  stackSize?: number;
}

/** Map the stack and lay out argc/argv/envp/auxv; returns the initial ESP. */
export function buildStack(as: AddressSpace, img: LoadedImage, info: StackInfo): number {
  const stack = info.stackSize ?? STACK_SIZE;
  as.map(STACK_TOP - stack, stack, PROT_READ | PROT_WRITE);
  as.mmapTop = STACK_TOP - Math.max(stack, STACK_SIZE) - 0x100000;
  let sp = STACK_TOP;
  const enc = (s: string): Uint8Array => {
    const b = new Uint8Array(s.length + 1);
    for (let k = 0; k < s.length; k++) b[k] = s.charCodeAt(k) & 0xff;
    return b;
  };
  const pushBytes = (b: Uint8Array): number => {
    sp -= b.length;
    as.write(sp, b);
    return sp;
  };
  // Strings at the top: execfn, environment, arguments (as Linux does, highest first).
  const execfnAddr = pushBytes(enc(info.execfn));
  const envAddrs = info.envp.map((e) => 0).slice();
  for (let k = info.envp.length - 1; k >= 0; k--) envAddrs[k] = pushBytes(enc(info.envp[k]));
  const argAddrs = info.argv.map(() => 0);
  for (let k = info.argv.length - 1; k >= 0; k--) argAddrs[k] = pushBytes(enc(info.argv[k]));
  const platform = pushBytes(enc('i686'));
  sp &= ~15;
  const random = pushBytes(info.random.subarray(0, 16));
  sp &= ~15;
  const aux: [number, number][] = [
    [AT_HWCAP, HWCAP],
    [AT_PAGESZ, PAGE_SIZE],
    [AT_CLKTCK, 100],
    [AT_PHDR, img.phdr],
    [AT_PHENT, 32],
    [AT_PHNUM, img.phnum],
    [AT_BASE, img.interpBase ?? 0],
    [AT_FLAGS, 0],
    [AT_ENTRY, img.progEntry ?? img.entry],
    [AT_UID, info.uid],
    [AT_EUID, info.euid ?? info.uid],
    [AT_GID, info.gid],
    [AT_EGID, info.egid ?? info.gid],
    [AT_SECURE, 0],
    [AT_RANDOM, random],
    [AT_HWCAP2, 0],
    [AT_EXECFN, execfnAddr],
    [AT_PLATFORM, platform],
    [AT_NULL, 0],
  ];
  const words: number[] = [info.argv.length, ...argAddrs, 0, ...envAddrs, 0];
  for (const [k, v] of aux) words.push(k, v);
  sp -= words.length * 4;
  sp &= ~15;
  const buf = new Uint8Array(words.length * 4);
  const dv = new DataView(buf.buffer);
  words.forEach((w, k) => dv.setUint32(k * 4, w >>> 0, true));
  as.write(sp, buf);
  return sp >>> 0;
}
