import type { CodeWatcher } from '../mem/address-space.js';
import { STOP_REFETCH, type Cpu } from './cpu.js';
import { Block } from './insn.js';

const FAST_BITS = 12;
const FAST_MASK = (1 << FAST_BITS) - 1;

/**
 * Decoded blocks of one address space, by linear address. A direct-mapped
 * array answers most lookups; a Map holds the rest. Blocks are indexed by the
 * pages their bytes came from so a write to a page drops exactly them.
 */
export class CodeCache implements CodeWatcher {
  private readonly fast: (Block | null)[] = new Array(FAST_MASK + 1).fill(null);
  private readonly map = new Map<number, Block>();
  private readonly byPage = new Map<number, Block[]>();

  constructor(private readonly cpu: Cpu) {}

  lookup(addr: number): Block | null {
    const f = this.fast[(addr ^ (addr >>> FAST_BITS)) & FAST_MASK];
    if (f !== null && f.addr === addr) return f;
    const b = this.map.get(addr);
    if (b === undefined) return null;
    this.fast[(addr ^ (addr >>> FAST_BITS)) & FAST_MASK] = b;
    return b;
  }

  insert(b: Block): void {
    b.owner = this;
    this.map.set(b.addr, b);
    this.fast[(b.addr ^ (b.addr >>> FAST_BITS)) & FAST_MASK] = b;
    this.addToPage(b.page1, b);
    if (b.page2 !== b.page1) this.addToPage(b.page2, b);
  }

  private addToPage(vpn: number, b: Block): void {
    const l = this.byPage.get(vpn);
    if (l === undefined) this.byPage.set(vpn, [b]);
    else l.push(b);
  }

  invalidatePage(vpn: number): void {
    const l = this.byPage.get(vpn);
    if (l === undefined) return;
    this.byPage.delete(vpn);
    for (const b of l) {
      if (!b.valid) continue;
      b.valid = false;
      if (b.jitId >= 0) this.cpu.jit?.invalidate(b);
      if (this.map.get(b.addr) === b) this.map.delete(b.addr);
      const slot = (b.addr ^ (b.addr >>> FAST_BITS)) & FAST_MASK;
      if (this.fast[slot] === b) this.fast[slot] = null;
    }
    // The running block may be among them: finish the current instruction, then re-fetch.
    if (this.cpu.stop === 0) this.cpu.stop = STOP_REFETCH;
  }

  clear(): void {
    for (const b of this.map.values()) {
      b.valid = false;
      if (b.jitId >= 0) this.cpu.jit?.invalidate(b);
    }
    this.map.clear();
    this.byPage.clear();
    this.fast.fill(null);
  }
}
