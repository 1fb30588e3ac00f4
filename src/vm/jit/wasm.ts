/**
 * A small WebAssembly binary writer: a growable byte buffer with LEB128, the
 * opcodes the JIT emits, and the assembly of a module that imports the VM's
 * memory and a few functions and exports one function.
 * Encoding: WebAssembly Core Specification 2.0, §5 (Binary Format).
 */

export const I32 = 0x7f;
export const VOID = 0x40;

/** Opcodes (spec §5.4). */
export const enum Op {
  unreachable = 0x00,
  block = 0x02,
  loop = 0x03,
  if = 0x04,
  else = 0x05,
  end = 0x0b,
  br = 0x0c,
  br_if = 0x0d,
  return = 0x0f,
  call = 0x10,
  return_call = 0x12,
  drop = 0x1a,
  select = 0x1b,
  local_get = 0x20,
  local_set = 0x21,
  local_tee = 0x22,
  i32_load = 0x28,
  i32_load8_u = 0x2d,
  i32_load16_u = 0x2f,
  i32_store = 0x36,
  i32_store8 = 0x3a,
  i32_store16 = 0x3b,
  i32_const = 0x41,
  i32_eqz = 0x45,
  i32_eq = 0x46,
  i32_ne = 0x47,
  i32_lt_s = 0x48,
  i32_lt_u = 0x49,
  i32_gt_s = 0x4a,
  i32_gt_u = 0x4b,
  i32_le_s = 0x4c,
  i32_le_u = 0x4d,
  i32_ge_s = 0x4e,
  i32_ge_u = 0x4f,
  i32_popcnt = 0x69,
  i32_add = 0x6a,
  i32_sub = 0x6b,
  i32_mul = 0x6c,
  i32_and = 0x71,
  i32_or = 0x72,
  i32_xor = 0x73,
  i32_shl = 0x74,
  i32_shr_s = 0x75,
  i32_shr_u = 0x76,
  i32_rotl = 0x77,
  i32_rotr = 0x78,
  i32_extend8_s = 0xc0,
  i32_extend16_s = 0xc1,
}

/** A growable byte buffer. */
export class Bytes {
  buf = new Uint8Array(1024);
  len = 0;

  private grow(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const b = new Uint8Array(size);
    b.set(this.buf.subarray(0, this.len));
    this.buf = b;
  }

  byte(b: number): void {
    this.grow(1);
    this.buf[this.len++] = b;
  }

  bytes(a: ArrayLike<number>): void {
    this.grow(a.length);
    this.buf.set(a, this.len);
    this.len += a.length;
  }

  u32(v: number): void {
    v >>>= 0;
    do {
      let b = v & 0x7f;
      v >>>= 7;
      if (v !== 0) b |= 0x80;
      this.byte(b);
    } while (v !== 0);
  }

  s32(v: number): void {
    v |= 0;
    for (;;) {
      const b = v & 0x7f;
      v >>= 7;
      if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) {
        this.byte(b);
        return;
      }
      this.byte(b | 0x80);
    }
  }

  name(s: string): void {
    this.u32(s.length);
    for (let k = 0; k < s.length; k++) this.byte(s.charCodeAt(k));
  }

  /** A section: id, then the length-prefixed contents. */
  section(id: number, body: Bytes): void {
    this.byte(id);
    this.u32(body.len);
    this.bytes(body.buf.subarray(0, body.len));
  }

  get view(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }
}

/** A function body being emitted: instructions with immediate helpers. */
export class Code extends Bytes {
  op(o: Op): void {
    this.byte(o);
  }
  i32(v: number): void {
    this.byte(Op.i32_const);
    this.s32(v);
  }
  get(l: number): void {
    this.byte(Op.local_get);
    this.u32(l);
  }
  set(l: number): void {
    this.byte(Op.local_set);
    this.u32(l);
  }
  tee(l: number): void {
    this.byte(Op.local_tee);
    this.u32(l);
  }
  /** Memory access with alignment hint `align` (log2) and a constant offset. */
  mem(o: Op, align: number, offset: number): void {
    this.byte(o);
    this.u32(align);
    this.u32(offset);
  }
  call(f: number): void {
    this.byte(Op.call);
    this.u32(f);
  }
  returnCall(f: number): void {
    this.byte(Op.return_call);
    this.u32(f);
  }
  br(depth: number): void {
    this.byte(Op.br);
    this.u32(depth);
  }
  brIf(depth: number): void {
    this.byte(Op.br_if);
    this.u32(depth);
  }
  /** Start a block/loop/if with no result (`VOID`) or an i32 result. */
  begin(o: Op.block | Op.loop | Op.if, type: number = VOID): void {
    this.byte(o);
    this.byte(type);
  }
}

/** A function signature: parameter and result types (all i32 here). */
export interface Sig {
  params: number;
  results: number;
}

export interface ModuleSpec {
  /** Imported functions (module "j"), in index order, by signature. */
  imports: { name: string; sig: Sig }[];
  /** Minimum pages of the imported memory "j"."m". */
  memoryPages: number;
  /** The defined functions, exported as "0", "1"…: one signature, extra i32 locals, bodies (without the final `end`). */
  sig: Sig;
  locals: number;
  bodies: Uint8Array[];
}

function sigKey(s: Sig): string {
  return `${s.params}:${s.results}`;
}

/** Assemble a module whose defined functions are exported by their index ("0", "1"…). */
export function assemble(spec: ModuleSpec): Uint8Array<ArrayBuffer> {
  const sigs: Sig[] = [];
  const index = new Map<string, number>();
  const typeOf = (s: Sig): number => {
    const k = sigKey(s);
    let t = index.get(k);
    if (t === undefined) {
      t = sigs.length;
      sigs.push(s);
      index.set(k, t);
    }
    return t;
  };
  const importTypes = spec.imports.map((i) => typeOf(i.sig));
  const fnType = typeOf(spec.sig);

  const out = new Bytes();
  out.bytes([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);

  const types = new Bytes();
  types.u32(sigs.length);
  for (const s of sigs) {
    types.byte(0x60);
    types.u32(s.params);
    for (let k = 0; k < s.params; k++) types.byte(I32);
    types.u32(s.results);
    for (let k = 0; k < s.results; k++) types.byte(I32);
  }
  out.section(1, types);

  const imports = new Bytes();
  imports.u32(spec.imports.length + 1);
  imports.name('j');
  imports.name('m');
  imports.byte(0x02); // memory
  imports.byte(0x00); // limits: min only
  imports.u32(spec.memoryPages);
  spec.imports.forEach((imp, k) => {
    imports.name('j');
    imports.name(imp.name);
    imports.byte(0x00); // function
    imports.u32(importTypes[k]);
  });
  out.section(2, imports);

  const n = spec.bodies.length;
  const funcs = new Bytes();
  funcs.u32(n);
  for (let k = 0; k < n; k++) funcs.u32(fnType);
  out.section(3, funcs);

  const exps = new Bytes();
  exps.u32(n);
  for (let k = 0; k < n; k++) {
    exps.name(String(k));
    exps.byte(0x00);
    exps.u32(spec.imports.length + k);
  }
  out.section(7, exps);

  const code = new Bytes();
  code.u32(n);
  const fn = new Bytes();
  for (const body of spec.bodies) {
    fn.len = 0;
    if (spec.locals > 0) {
      fn.u32(1);
      fn.u32(spec.locals);
      fn.byte(I32);
    } else fn.u32(0);
    fn.bytes(body);
    fn.byte(Op.end);
    code.u32(fn.len);
    code.bytes(fn.view);
  }
  out.section(10, code);
  return out.view.slice() as Uint8Array<ArrayBuffer>;
}
