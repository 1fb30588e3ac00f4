/**
 * Parsing of <web-vm>'s string attributes into what the VM takes
 * (DESIGN.md "Element contract"). Each parser throws AttributeError with a
 * sentence saying which attribute is wrong and what it should look like.
 */
import type { JitMode } from '../worker/protocol.js';

export type { JitMode };

export class AttributeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AttributeError';
  }
}

/**
 * Split a command line the way a POSIX shell splits words (XCU 2.2 quoting):
 * blanks separate words; '…' keeps everything literally; "…" keeps all but
 * backslash before $ ` " \ and newline; a backslash outside quotes escapes the
 * next character. No expansions: the command is never handed to a shell
 * unless it names one.
 */
export function splitCommand(line: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === ' ' || c === '\t' || c === '\n') {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
      continue;
    }
    inWord = true;
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new AttributeError(`cmd has an unterminated ' quote: ${line}`);
      cur += line.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < line.length && line[j] !== '"'; j++) {
        if (line[j] === '\\' && j + 1 < line.length && '$`"\\\n'.includes(line[j + 1]!)) j++;
        cur += line[j];
      }
      if (j >= line.length) throw new AttributeError(`cmd has an unterminated " quote: ${line}`);
      i = j;
    } else if (c === '\\') {
      if (i + 1 < line.length) cur += line[++i];
    } else {
      cur += c;
    }
  }
  if (inWord) words.push(cur);
  return words;
}

/** `args`: a JSON array of strings appended to cmd's words. */
export function parseArgs(value: string | null): string[] {
  if (value === null || value.trim() === '') return [];
  let v: unknown;
  try {
    v = JSON.parse(value);
  } catch {
    throw new AttributeError(`args must be a JSON array of strings, like ["-c", "echo hi"]; got ${value}`);
  }
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) {
    throw new AttributeError(`args must be a JSON array of strings, like ["-c", "echo hi"]; got ${value}`);
  }
  return v;
}

/** `env`: `K=V;K=V` or a JSON object; entries are added to (and override) the defaults. */
export function parseEnv(value: string | null): string[] {
  if (value === null || value.trim() === '') return [];
  const t = value.trim();
  if (t.startsWith('{')) {
    let v: unknown;
    try {
      v = JSON.parse(t);
    } catch {
      throw new AttributeError(`env is not valid JSON: ${value}`);
    }
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new AttributeError(`env must be K=V;K=V or a JSON object; got ${value}`);
    return Object.entries(v as Record<string, unknown>).map(([k, x]) => `${k}=${String(x)}`);
  }
  return t
    .split(';')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => {
      if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(s)) throw new AttributeError(`env entry "${s}" is not NAME=value (entries are separated by ;)`);
      return s;
    });
}

/** `user`: NAME or UID[:GID] (looked up in the image's /etc/passwd); absent = root. */
export function parseUser(value: string | null): string | undefined {
  if (value === null || value.trim() === '') return undefined;
  const v = value.trim();
  if (!/^[^:\s]+(:\d+)?$/.test(v)) throw new AttributeError(`user must be a name or uid[:gid], like user or 1000:1000; got ${value}`);
  return v;
}

/** `memory-mb`: guest RAM, 16 to 2048 MiB (one WebAssembly.Memory of that size). */
export function parseMemoryMb(value: number | null | undefined): number {
  if (value === null || value === undefined || Number.isNaN(value)) return 256;
  if (!Number.isInteger(value) || value < 16 || value > 2048) throw new AttributeError(`memory-mb must be a whole number from 16 to 2048; got ${value}`);
  return value;
}

/**
 * `jit`: the x86 → WebAssembly JIT. `on` (default, also for an empty
 * attribute) compiles code once it runs hot; `eager` compiles every block
 * before its first run (for measuring and testing the JIT); `off` runs the
 * interpreter alone.
 */
export function parseJit(value: string | null | undefined): JitMode {
  const v = value?.trim() ?? '';
  if (v === '') return 'on';
  if (v === 'on' || v === 'off' || v === 'eager') return v;
  throw new AttributeError(`jit must be on, off or eager; got ${value}`);
}

export type LoadingPolicy = 'lazy' | 'eager' | 'click';

export function parseLoading(value: string | null): LoadingPolicy {
  return value === 'eager' || value === 'click' ? value : 'lazy';
}
