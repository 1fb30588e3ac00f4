import { AddressSpace, PROT_EXEC, PROT_READ, PROT_WRITE } from '../mem/address-space.js';
import { CpuFault } from '../mem/fault.js';
import { S_EIP, S_FLAGS, S_LAZY_OP, S_SEG_SEL, USER_CS, USER_DS } from '../mem/layout.js';
import { PhysicalMemory } from '../mem/phys.js';
import { Tlb } from '../mem/tlb.js';
import { Cpu, RUN_FAULT } from './cpu.js';
import { getFlags } from './flags.js';

/**
 * Unit-test helper: a small machine with code at CODE, a read-write data
 * page at DATA and a stack below STACK_TOP. Not used by the VM itself.
 */
export const CODE = 0x1000;
export const DATA = 0x10000;
export const STACK_TOP = 0x30000;

export interface Machine {
  cpu: Cpu;
  as: AddressSpace;
  /** Write bytes to guest memory. */
  poke(addr: number, bytes: ArrayLike<number>): void;
  peek(addr: number, len: number): Uint8Array;
  /** Execute the code placed at CODE until it runs `hlt`-free off the end (F4 = #GP), returns the fault or null. */
  run(code: ArrayLike<number>, maxInsns?: number): CpuFault | null;
  flags(): number;
}

export function makeMachine(): Machine {
  const phys = new PhysicalMemory(8);
  const tlb = new Tlb(phys);
  const as = new AddressSpace(phys, tlb);
  as.map(CODE, 0x4000, PROT_READ | PROT_EXEC);
  as.map(DATA, 0x10000, PROT_READ | PROT_WRITE);
  as.map(STACK_TOP - 0x8000, 0x8000, PROT_READ | PROT_WRITE);
  const cpu = new Cpu(phys);
  cpu.setAddressSpace(as);
  const s = cpu.s;
  s.fill(0, 0, 64);
  s[4] = STACK_TOP;
  s[S_FLAGS] = 0x202;
  s[S_LAZY_OP] = 0;
  for (let r = 0; r < 6; r++) s[S_SEG_SEL + r] = r === 1 ? USER_CS : USER_DS;
  const poke = (addr: number, bytes: ArrayLike<number>): void => {
    // Bypass permissions: tests put code into read-only pages.
    for (let k = 0; k < bytes.length; k++) {
      const a = addr + k;
      as.fill(a, 0);
      const pte = as.pte(a >>> 12);
      phys.u8[phys.frameAddr(pte >>> 12) + (a & 0xfff)] = bytes[k];
    }
  };
  return {
    cpu,
    as,
    poke,
    peek: (addr, len) => as.read(addr, len),
    run(code, maxInsns = 10000) {
      // Terminate with HLT (privileged → #GP) so the run ends with a known fault.
      poke(CODE, [...Array.from(code), 0xf4]);
      cpu.cache?.clear();
      s[S_EIP] = CODE;
      const r = cpu.run(maxInsns);
      if (r === RUN_FAULT) {
        const f = cpu.fault!;
        // The terminating HLT is the expected end.
        if (f.vector === 13 && s[S_EIP] === CODE + code.length) return null;
        return f;
      }
      throw new Error(`code did not finish within ${maxInsns} instructions (EIP=${(s[S_EIP] >>> 0).toString(16)})`);
    },
    flags: () => getFlags(s),
  };
}
