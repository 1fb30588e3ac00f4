import { FRAMES_BASE, PAGE_SIZE, STATE_BASE, STATE_BYTES, TLB_ENTRIES, TLB_READ_BASE, TLB_WRITE_BASE, memoryBytes } from './layout.js';

/**
 * The VM's one WebAssembly.Memory and its physical frame pool. Frames are
 * reference-counted so address spaces can share them copy-on-write (fork).
 */
export class PhysicalMemory {
  readonly memory: WebAssembly.Memory;
  readonly u8: Uint8Array;
  readonly dv: DataView;
  /** CPU state of the running task, as Int32 slots (see layout.ts). */
  readonly state: Int32Array;
  readonly tlbRead: Int32Array;
  readonly tlbWrite: Int32Array;
  readonly frameCount: number;
  private readonly refs: Uint16Array;
  private readonly free: Int32Array;
  private freeTop = 0;
  /** Frames never handed out yet are allocated in order before the free list is used. */
  private nextFresh = 0;

  constructor(memoryMb: number) {
    if (!(memoryMb >= 4 && memoryMb <= 3072)) throw new RangeError(`memory-mb must be between 4 and 3072, got ${memoryMb}`);
    const bytes = memoryBytes(memoryMb);
    const pages = Math.ceil(bytes / 65536);
    this.memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
    const buf = this.memory.buffer;
    this.u8 = new Uint8Array(buf);
    this.dv = new DataView(buf);
    this.state = new Int32Array(buf, STATE_BASE, STATE_BYTES >> 2);
    this.tlbRead = new Int32Array(buf, TLB_READ_BASE, TLB_ENTRIES);
    this.tlbWrite = new Int32Array(buf, TLB_WRITE_BASE, TLB_ENTRIES);
    this.frameCount = (memoryMb * 1024 * 1024) / PAGE_SIZE;
    this.refs = new Uint16Array(this.frameCount);
    this.free = new Int32Array(this.frameCount);
  }

  /** Byte offset of frame `f` in the memory. */
  frameAddr(f: number): number {
    return FRAMES_BASE + f * PAGE_SIZE;
  }

  get framesInUse(): number {
    return this.nextFresh - this.freeTop;
  }

  /** Most frames ever in use at once: frames are reused before fresh ones, so fresh ones mark the peak. */
  get peakFrames(): number {
    return this.nextFresh;
  }

  /** A zeroed frame with one reference, or -1 when memory is exhausted. */
  alloc(): number {
    let f: number;
    if (this.freeTop > 0) {
      f = this.free[--this.freeTop];
      const a = this.frameAddr(f);
      this.u8.fill(0, a, a + PAGE_SIZE);
    } else if (this.nextFresh < this.frameCount) {
      // Never used: the Memory started zeroed, and untouched pages cost no RSS.
      f = this.nextFresh++;
    } else {
      return -1;
    }
    this.refs[f] = 1;
    return f;
  }

  ref(f: number): void {
    if (this.refs[f] === 0xffff) throw new Error('frame reference count overflow');
    this.refs[f]++;
  }

  refCount(f: number): number {
    return this.refs[f];
  }

  unref(f: number): void {
    const n = this.refs[f];
    if (n === 0) throw new Error(`frame ${f} freed twice`);
    this.refs[f] = n - 1;
    if (n === 1) this.free[this.freeTop++] = f;
  }
}
