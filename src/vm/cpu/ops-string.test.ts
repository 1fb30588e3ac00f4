import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PROT_EXEC, PROT_READ, PROT_WRITE } from '../mem/address-space.js';
import { S_EIP, S_FLAGS, S_LAZY_OP, S_SEG_BASE, SEG_FS } from '../mem/layout.js';
import { RUN_FAULT } from './cpu.js';
import { FL_ARITH, FL_DF } from './flags.js';
import { DATA, makeMachine, type Machine } from './testing.js';
import { MEM_BASE, compareWithHardware, oracle, pattern, type OracleCase } from './testdata/native-oracle.js';

/**
 * MOVS CMPS STOS LODS SCAS. Most expectations come from running the same
 * bytes natively (testdata/oracle.c); the fault/restart, 16-bit addressing,
 * segment-override and self-modifying cases are computed by hand below.
 */

const OPC: Record<string, number> = { movs: 0xa4, cmps: 0xa6, stos: 0xaa, lods: 0xac, scas: 0xae };
const OPS = ['movs', 'cmps', 'stos', 'lods', 'scas'];
const FLAGS_ALL = FL_ARITH | FL_DF;
const REP_PREFIX = [[], [0xf3], [0xf2]];

function strInsn(op: string, size: number, rep: number): number[] {
  return [...REP_PREFIX[rep], ...(size === 2 ? [0x66] : []), OPC[op] + (size === 1 ? 0 : 1)];
}

/** Little-endian bytes of a `size`-byte value. */
function le(v: number, size: number): number[] {
  const out: number[] = [];
  for (let k = 0; k < size; k++) out.push((v >>> (8 * k)) & 0xff);
  return out;
}

const SRC = 0x400;
const DST = 0x1800;
const EAX = 0x8091a2b3;

/** Every op × size × DF × prefix × ECX in {0, 1, 5, 37}, compares stopping early or not. */
function matrixCases(): OracleCase[] {
  const cases: OracleCase[] = [];
  for (const op of OPS) {
    for (const size of [1, 2, 4]) {
      for (const df of [0, 1]) {
        for (const rep of [0, 1, 2]) {
          for (const count of rep === 0 ? [0, 5] : [0, 1, 5, 37]) {
            const isCmp = op === 'cmps' || op === 'scas';
            // Where a compare stops: at element `stop` (REPE: first unequal; REPNE: first equal).
            const stops = isCmp ? [0, 2, 1000] : [-1];
            for (const stop of stops) {
              for (const fin of [0, FL_ARITH]) {
                const step = df ? -size : size;
                const start = df ? 0x200 : 0;
                const writes: [number, number[]][] = [];
                if (isCmp) {
                  const acc = EAX & (size === 4 ? -1 : (1 << (8 * size)) - 1);
                  for (let j = 0; j < 40; j++) {
                    // Values spread over signs so CF/OF/SF vary at the stopping element.
                    const x = op === 'scas' ? acc : Math.imul(j + 1, 0x9e3779b1);
                    const delta = [1, -1, 0x80, 0x7f, 0x8000][j % 5];
                    const equal = rep === 2 ? j >= stop : j < stop;
                    const y = equal ? x : (x + delta) | 0;
                    if (op === 'cmps') writes.push([SRC + start + j * step, le(x, size)]);
                    writes.push([DST + start + j * step, le(y, size)]);
                  }
                }
                cases.push({
                  name: `${op} size ${size} DF=${df} rep=${['none', 'F3', 'F2'][rep]} ECX=${count} stop=${stop} flags=${fin.toString(16)}`,
                  code: strInsn(op, size, rep),
                  regs: [EAX, count, 0, 0, 0, 0, MEM_BASE + SRC + start, MEM_BASE + DST + start],
                  flags: fin | (df ? FL_DF : 0),
                  seed: 7 + cases.length,
                  writes,
                  flagMask: FLAGS_ALL,
                });
              }
            }
          }
        }
      }
    }
  }
  return cases;
}

/** REP MOVS/STOS over page boundaries with every alignment, both directions; overlapping moves; long compares. */
function bulkCases(): OracleCase[] {
  const cases: OracleCase[] = [];
  const L = 0xa00; // bytes per run: every run below crosses a page boundary
  for (const size of [1, 2, 4]) {
    const count = L / size;
    for (const df of [0, 1]) {
      // Going down, ESI/EDI start at the top element of the same ranges.
      const top = df ? L - size : 0;
      for (const [so, dof] of [[0, 0], [1, 0], [0, 3], [2, 1], [0x7fd, 0x7fe]]) {
        cases.push({
          name: `rep movs size ${size} DF=${df} src 0x${(0x800 + so).toString(16)} dst 0x${(0x1800 + dof).toString(16)} ECX=${count}`,
          code: strInsn('movs', size, 1),
          regs: [0, count, 0, 0, 0, 0, MEM_BASE + 0x800 + so + top, MEM_BASE + 0x1800 + dof + top],
          flags: df ? FL_DF : 0,
          seed: 99,
          flagMask: FLAGS_ALL,
        });
        for (const v of [0, 0x41414141, 0x12345678, 0x80ff]) {
          cases.push({
            name: `rep stos size ${size} DF=${df} dst 0x${(0x1800 + dof).toString(16)} EAX=${v.toString(16)} ECX=${count}`,
            code: strInsn('stos', size, 1),
            regs: [v, count, 0, 0, 0, 0, 0, MEM_BASE + 0x1800 + dof + top],
            flags: df ? FL_DF : 0,
            seed: 5,
            flagMask: FLAGS_ALL,
          });
        }
      }
      // Overlapping moves, destination just above or below the source, across 0x1000.
      for (const d of [1, 2, 3, 4, 5, 7, 8, 100, -1, -2, -3, -4, -5, -100]) {
        for (const n of [50, 0x900 / size]) {
          const s0 = df ? 0x1700 : 0xc00;
          cases.push({
            name: `overlapping rep movs size ${size} DF=${df} dst=src${d >= 0 ? '+' : ''}${d} ECX=${n}`,
            code: strInsn('movs', size, 1),
            regs: [0, n, 0, 0, 0, 0, MEM_BASE + s0, MEM_BASE + s0 + d],
            flags: df ? FL_DF : 0,
            seed: 3,
            flagMask: FLAGS_ALL,
          });
        }
      }
    }
  }
  // Long scans and compares across pages (strlen, memchr, memcmp).
  const LC = 0x1400;
  for (const [rep, op] of [[2, 'scas'], [1, 'scas'], [1, 'cmps'], [2, 'cmps']] as [number, string][]) {
    for (const size of [1, 4]) {
      for (const df of [0, 1]) {
        const count = LC / size;
        const stopAt = (0x1234 / size) | 0; // element where REPE finds a difference / REPNE a match
        const acc = 0x5a5a5a5a;
        const srcBuf: number[] = [];
        const dstBuf: number[] = [];
        for (let j = 0; j < count; j++) {
          const x = op === 'scas' ? acc : Math.imul(j + 3, 0x2545f491);
          const equal = rep === 2 ? j === stopAt : j !== stopAt;
          const y = equal ? x : x ^ (rep === 2 ? 0x01000001 : 0x80);
          srcBuf.push(...le(x, size));
          dstBuf.push(...le(y, size));
        }
        // Going down, element j sits at the mirror position, so the stop is the same distance in.
        const order = (b: number[]): number[] => {
          if (!df) return b;
          const out: number[] = [];
          for (let j = count - 1; j >= 0; j--) out.push(...b.slice(j * size, j * size + size));
          return out;
        };
        const top = df ? LC - size : 0;
        const writes: [number, number[]][] = [[0x1810, order(dstBuf)]];
        if (op === 'cmps') writes.push([0, order(srcBuf)]);
        cases.push({
          name: `long ${rep === 1 ? 'repe' : 'repne'} ${op} size ${size} DF=${df}`,
          code: strInsn(op, size, rep),
          regs: [acc, count, 0, 0, 0, 0, MEM_BASE + top, MEM_BASE + 0x1810 + top],
          flags: df ? FL_DF : 0,
          seed: 11,
          writes,
          flagMask: FLAGS_ALL,
        });
      }
    }
  }
  return cases;
}

test('string ops match hardware: every op × size × DF × prefix × ECX 0/1/many', (t) => {
  const o = oracle();
  if (o.path === null) return t.skip(o.reason);
  compareWithHardware(matrixCases());
});

test('REP MOVS/STOS across pages, all alignments, overlapping moves, long scans match hardware', (t) => {
  const o = oracle();
  if (o.path === null) return t.skip(o.reason);
  compareWithHardware(bulkCases());
});

test('segment override on the source: FS:ESI → ES:EDI', () => {
  const m = makeMachine();
  const s = m.cpu.s;
  m.poke(DATA + 0x100, [1, 2, 3, 4]);
  s[S_SEG_BASE + SEG_FS] = DATA;
  s[6] = 0x100;
  s[7] = DATA + 0x200;
  s[1] = 4;
  assert.equal(m.run([0x64, 0xf3, 0xa4]), null); // rep movsb fs:[esi], es:[edi]
  assert.deepEqual(Array.from(m.peek(DATA + 0x200, 4)), [1, 2, 3, 4]);
  assert.equal(s[6], 0x104);
  assert.equal(s[1], 0);
});

// ---- hand-computed: faults, restart, 16-bit addressing, invalidation ----

function fill(m: Machine, addr: number, n: number, seed: number): number[] {
  const b: number[] = [];
  for (let k = 0; k < n; k++) b.push(pattern(seed, k));
  m.poke(addr, b);
  return b;
}

test('ECX=0: nothing moves and the flags stay', () => {
  const m = makeMachine();
  const s = m.cpu.s;
  for (const op of OPS) {
    for (const rep of [1, 2]) {
      s[0] = 0x55;
      s[1] = 0;
      s[6] = DATA;
      s[7] = DATA + 0x100;
      s[S_FLAGS] = 0x202 | FL_ARITH;
      s[S_LAZY_OP] = 0;
      const before = Array.from(m.peek(DATA, 0x200));
      assert.equal(m.run(strInsn(op, 4, rep)), null);
      assert.deepEqual([s[0], s[1], s[6], s[7]], [0x55, 0, DATA, DATA + 0x100], op);
      assert.equal(m.flags() & FL_ARITH, FL_ARITH, op);
      assert.deepEqual(Array.from(m.peek(DATA, 0x200)), before, op);
    }
  }
});

test('REP MOVSB across a page boundary copies every byte', () => {
  const m = makeMachine();
  const s = m.cpu.s;
  const src = fill(m, DATA + 0x1f80, 0x180, 1);
  s[6] = DATA + 0x1f80;
  s[7] = DATA + 0x4fc1; // destination crosses 0x15000 at a different offset
  s[1] = 0x180;
  assert.equal(m.run([0xf3, 0xa4]), null);
  assert.deepEqual(Array.from(m.peek(DATA + 0x4fc1, 0x180)), src);
  assert.deepEqual([s[1], s[6], s[7]], [0, DATA + 0x2100, DATA + 0x5141]);
});

test('overlapping forward MOVSB with dst = src+1 replicates the first byte', () => {
  const m = makeMachine();
  const s = m.cpu.s;
  m.poke(DATA, [0xab, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  s[6] = DATA;
  s[7] = DATA + 1;
  s[1] = 9;
  assert.equal(m.run([0xf3, 0xa4]), null);
  assert.deepEqual(Array.from(m.peek(DATA, 10)), new Array(10).fill(0xab));
  // And dst = src+3 repeats the first three bytes.
  m.poke(DATA, [1, 2, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  s[6] = DATA;
  s[7] = DATA + 3;
  s[1] = 9;
  assert.equal(m.run([0xf3, 0xa4]), null);
  assert.deepEqual(Array.from(m.peek(DATA, 12)), [1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3]);
});

/** DATA ends at 0x20000; the next page is unmapped until a test maps it. */
const HOLE = DATA + 0x10000;

test('REP MOVSD faulting on an unmapped destination page keeps partial progress and restarts', () => {
  const m = makeMachine();
  const s = m.cpu.s;
  const src = fill(m, DATA + 0x100, 0x200, 2);
  s[6] = DATA + 0x100;
  s[7] = HOLE - 0x80;
  s[1] = 0x80; // 0x200 bytes: 0x80 fit, then the hole
  const code = [0xf3, 0xa5];
  const f = m.run(code);
  assert.ok(f !== null);
  assert.equal(f.vector, 14);
  assert.equal(f.addr, HOLE);
  assert.equal(s[S_EIP], 0x1000, 'EIP at the REP MOVSD');
  assert.deepEqual([s[1], s[6], s[7]], [0x60, DATA + 0x180, HOLE], 'ECX ESI EDI after 32 dwords');
  assert.deepEqual(Array.from(m.peek(HOLE - 0x80, 0x80)), src.slice(0, 0x80));
  m.as.map(HOLE, 0x1000, PROT_READ | PROT_WRITE);
  assert.equal(m.run(code), null);
  assert.deepEqual([s[1], s[6], s[7]], [0, DATA + 0x300, HOLE + 0x180]);
  assert.deepEqual(Array.from(m.peek(HOLE - 0x80, 0x200)), src);
});

test('REP MOVSD with an element straddling into an unmapped page writes none of it', () => {
  const m = makeMachine();
  const s = m.cpu.s;
  fill(m, DATA + 0x100, 0x10, 3);
  m.poke(HOLE - 6, [0xee, 0xee, 0xee, 0xee, 0xee, 0xee]);
  s[6] = DATA + 0x100;
  s[7] = HOLE - 6;
  s[1] = 4;
  const f = m.run([0xf3, 0xa5]);
  assert.ok(f !== null && f.vector === 14);
  assert.deepEqual([s[1], s[6], s[7]], [3, DATA + 0x104, HOLE - 2]);
  assert.deepEqual(Array.from(m.peek(HOLE - 2, 2)), [0xee, 0xee]);
  assert.deepEqual(Array.from(m.peek(HOLE - 6, 4)), Array.from(m.peek(DATA + 0x100, 4)));
});

test('REP MOVSB going down faulting on an unmapped source page restarts where it stopped', () => {
  const m = makeMachine();
  const s = m.cpu.s;
  // The source goes down from HOLE+0x3f into the unmapped page below HOLE.
  m.as.map(HOLE, 0x1000, PROT_READ | PROT_WRITE);
  m.as.unmap(DATA + 0xf000, 0x1000); // page below HOLE is now unmapped
  const top = fill(m, HOLE, 0x40, 5);
  s[6] = HOLE + 0x3f;
  s[7] = DATA + 0x1000 + 0x7f;
  s[1] = 0x80;
  const code = [0xfd, 0xf3, 0xa4]; // std; rep movsb
  const f = m.run(code);
  assert.ok(f !== null);
  assert.equal(f.vector, 14);
  assert.equal(f.addr, HOLE - 1);
  assert.equal(s[S_EIP], 0x1001, 'EIP at the REP MOVSB, after STD');
  assert.deepEqual([s[1], s[6], s[7]], [0x40, HOLE - 1, DATA + 0x1000 + 0x3f]);
  assert.deepEqual(Array.from(m.peek(DATA + 0x1040, 0x40)), top);
  m.as.map(DATA + 0xf000, 0x1000, PROT_READ | PROT_WRITE);
  const low = fill(m, HOLE - 0x40, 0x40, 6);
  // Restart the same instruction (DF is still set).
  assert.equal(m.run([0xf3, 0xa4]), null);
  assert.deepEqual([s[1], s[6], s[7]], [0, HOLE - 0x41, DATA + 0xfff]);
  assert.deepEqual(Array.from(m.peek(DATA + 0x1000, 0x80)), [...low, ...top]);
});

test('REP STOSD, REPE CMPSB, REPNE SCASB and REP LODSB stop precisely at an unmapped page', () => {
  const m = makeMachine();
  const s = m.cpu.s;
  const reset = (): void => {
    s[S_FLAGS] = 0x202;
    s[S_LAZY_OP] = 0;
  };
  // STOSD
  reset();
  s[0] = 0x11223344;
  s[7] = HOLE - 8;
  s[1] = 5;
  let f = m.run([0xf3, 0xab]);
  assert.ok(f !== null && f.vector === 14 && f.addr === HOLE);
  assert.deepEqual([s[1], s[7]], [3, HOLE]);
  // REPE CMPSB: equal bytes up to the hole.
  reset();
  m.poke(HOLE - 4, [9, 9, 9, 9]);
  m.poke(DATA, [9, 9, 9, 9, 9, 9]);
  s[6] = HOLE - 4;
  s[7] = DATA;
  s[1] = 6;
  f = m.run([0xf3, 0xa6]);
  assert.ok(f !== null && f.vector === 14 && f.addr === HOLE);
  assert.deepEqual([s[1], s[6], s[7]], [2, HOLE, DATA + 4]);
  assert.ok((m.flags() & 0x40) !== 0, 'ZF from the last completed compare');
  // REPNE SCASB: no match before the hole.
  reset();
  s[0] = 0x77;
  s[7] = HOLE - 3;
  s[1] = 100;
  f = m.run([0xf2, 0xae]);
  assert.ok(f !== null && f.vector === 14 && f.addr === HOLE);
  assert.deepEqual([s[1], s[7]], [97, HOLE]);
  // REP LODSB
  reset();
  m.poke(HOLE - 2, [0x12, 0x34]);
  s[6] = HOLE - 2;
  s[1] = 10;
  f = m.run([0xf3, 0xac]);
  assert.ok(f !== null && f.vector === 14 && f.addr === HOLE);
  assert.deepEqual([s[1], s[6], s[0] & 0xff], [8, HOLE, 0x34]);
  // Once mapped, the SCASB restart finds the byte.
  m.as.map(HOLE, 0x1000, PROT_READ | PROT_WRITE);
  m.poke(HOLE + 5, [0x77]);
  s[0] = 0x77;
  s[7] = HOLE;
  s[1] = 97;
  assert.equal(m.run([0xf2, 0xae]), null);
  assert.deepEqual([s[1], s[7]], [91, HOLE + 6]);
  assert.ok((m.flags() & 0x40) !== 0, 'ZF=1: found');
});

test('16-bit addressing (0x67) uses SI/DI/CX, keeps the high halves and wraps at 64 KiB', () => {
  const m = makeMachine();
  const s = m.cpu.s;
  m.as.map(0x6000, 0xa000, PROT_READ | PROT_WRITE);
  const src = fill(m, 0x7000, 16, 8);
  s[6] = 0xaaaa7000 | 0;
  s[7] = 0xbbbb8000 | 0;
  s[1] = 0xcccc0010 | 0;
  assert.equal(m.run([0x67, 0xf3, 0xa4]), null);
  assert.deepEqual(Array.from(m.peek(0x8000, 16)), src);
  assert.deepEqual([s[6] >>> 0, s[7] >>> 0, s[1] >>> 0], [0xaaaa7010, 0xbbbb8010, 0xcccc0000]);
  // SI = 0xFFFF going up wraps to 0 (LODSB, no REP).
  m.poke(0xffff, [0x5c]);
  s[6] = 0x1234ffff;
  s[0] = 0;
  assert.equal(m.run([0x67, 0xac]), null);
  assert.equal(s[0], 0x5c);
  assert.equal(s[6] >>> 0, 0x12340000);
  // REP STOSW with 16-bit CX going down from DI = 0x9000.
  s[0] = 0xbeef;
  s[7] = 0x9000;
  s[1] = 0x7fff0003;
  assert.equal(m.run([0xfd, 0x67, 0xf3, 0x66, 0xab, 0xfc]), null);
  assert.deepEqual(Array.from(m.peek(0x8ffc, 6)), [0xef, 0xbe, 0xef, 0xbe, 0xef, 0xbe]);
  assert.deepEqual([s[7] >>> 0, s[1] >>> 0], [0x8ffa, 0x7fff0000]);
});

test('REP STOSB / REP MOVSB over the code that follows them: the new code runs', () => {
  const m = makeMachine();
  const s = m.cpu.s;
  const CODE2 = 0x8000;
  for (const form of ['stos', 'movs']) {
    m.as.map(CODE2, 0x1000, PROT_READ | PROT_WRITE | PROT_EXEC);
    // rep stosb / rep movsb at CODE2, then 40 bytes of INT3 that it turns into NOPs, then HLT.
    m.as.write(CODE2, new Uint8Array([0xf3, form === 'stos' ? 0xaa : 0xa4, ...new Array(40).fill(0xcc), 0xf4]));
    m.as.write(DATA, new Uint8Array(40).fill(0x90));
    s[0] = 0x90;
    s[6] = DATA;
    s[7] = CODE2 + 2;
    s[1] = 40;
    s[S_EIP] = CODE2;
    const r = m.cpu.run(1000);
    assert.equal(r, RUN_FAULT);
    assert.equal(m.cpu.fault!.vector, 13, `${form}: reached the HLT, not an INT3`);
    assert.equal(s[S_EIP], CODE2 + 42);
    m.as.unmap(CODE2, 0x1000);
  }
});
