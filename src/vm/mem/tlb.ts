import { PhysicalMemory } from './phys.js';

/**
 * The per-VM software TLB (DESIGN.md decision 3): two flat Int32 arrays in
 * the shared memory, one entry per guest page, holding the frame's byte
 * offset or 0. Filled entries are remembered so a flush touches only them.
 */
export class Tlb {
  readonly read: Int32Array;
  readonly write: Int32Array;
  private readonly filled = new Int32Array(16384);
  private count = 0;
  private overflow = false;

  constructor(phys: PhysicalMemory) {
    this.read = phys.tlbRead;
    this.write = phys.tlbWrite;
  }

  fill(vpn: number, phys: number, writable: boolean): void {
    if (this.read[vpn] === 0) {
      if (this.count < this.filled.length) this.filled[this.count++] = vpn;
      else this.overflow = true;
    }
    this.read[vpn] = phys;
    this.write[vpn] = writable ? phys : 0;
  }

  flushPage(vpn: number): void {
    this.read[vpn] = 0;
    this.write[vpn] = 0;
  }

  /** Drop write permission for one page (it now holds compiled/decoded code, or became COW). */
  dropWrite(vpn: number): void {
    this.write[vpn] = 0;
  }

  flushAll(): void {
    if (this.overflow) {
      this.read.fill(0);
      this.write.fill(0);
    } else {
      const f = this.filled;
      for (let i = 0; i < this.count; i++) {
        this.read[f[i]] = 0;
        this.write[f[i]] = 0;
      }
    }
    this.count = 0;
    this.overflow = false;
  }
}
