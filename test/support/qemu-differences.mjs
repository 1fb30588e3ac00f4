// Where qemu-user, standing in for the hardware as the reference (see
// i386-reference.mjs), cannot reproduce what the conformance programs
// (test/guest/*.c) print on a real x86 running Linux. Used only when the
// reference is qemu; on a host that runs i386 natively everything is compared.
//
// Each entry names what is not compared and why. Checked against qemu-i386
// 7.2 (Debian bookworm's qemu-user-static); each was confirmed by reading the
// program, the Linux man page or the Intel SDM for what the hardware/kernel
// does, never by taking the VM's output as the expectation. Kinds:
//   normalise(text)  rewrites both outputs the same way before they are
//                    compared (masks a field, a line, a NaN payload)
//   from: RegExp     output from the first matching line on is not compared,
//                    nor the exit status; with `hangs` the qemu run never ends
//                    there, so it is stopped after `hangMs`; with `vmReaches`
//                    the VM must print that line too (on hardware it does)
//   status: false    the exit status is not compared
//   cleanup: [path]  host paths the program leaves behind under qemu (its own
//                    cleanup depends on the part qemu gets wrong)

/** Replace whole lines matching `re` (a line-anchored pattern) with a marker naming what was masked. */
const maskLines = (re, tag) => (text) => text.replace(new RegExp(re.source, 'gm'), `<${tag}: not compared>`);

/** Rewrite the lines matching `re` with `fn(line, ...groups)`. */
const mapLines = (re, fn) => (text) =>
  text.split('\n').map((line) => {
    const m = re.exec(line);
    return m ? fn(line, ...m.slice(1)) : line;
  }).join('\n');

const isNaN64 = (hex) => {
  const v = BigInt(`0x${hex}`);
  return ((v >> 52n) & 0x7ffn) === 0x7ffn && (v & 0xfffffffffffffn) !== 0n;
};
const isNaN32 = (hex) => {
  const v = parseInt(hex, 16);
  return ((v >>> 23) & 0xff) === 0xff && (v & 0x7fffff) !== 0;
};
/** A float result token: any NaN becomes `NaN` (its payload and sign are what qemu picks differently). */
const foldNaN = (hex) => ((hex.length === 16 ? isNaN64(hex) : isNaN32(hex)) ? 'NaN' : hex);

/** A hex field of exception flags with DE (bit 1 in the x87 status word and in MXCSR, in each byte) cleared. */
const withoutDE = (hex) => (parseInt(hex, 16) & ~0x020202).toString(16).padStart(hex.length, '0');

const X87_DE = {
  what: 'the x87 DE flag (denormal operand) of each case; IE ZE OE UE PE SF are compared',
  why: 'qemu 7.2 never raises DE',
};
const X87_NAN = {
  what: 'which NaN an x87 operation returns when an operand is a NaN (its payload and sign)',
  why: 'qemu 7.2 does not choose among NaN operands as the x87 does (SDM Vol. 1, 4.8.3.5 and Table 4-7), e.g. it returns the quieted SNaN of an SNaN + QNaN pair; that the result is a NaN is still compared',
};
const SSE_FLAGS = {
  what: 'the MXCSR DE flag (denormal operand), NaN payloads, and so the first hash of each row, which covers both (its last hash, of the results with NaNs folded and the flags but DE, is compared)',
  why: 'qemu 7.2 never raises DE, and returns the other operand\'s NaN where Intel returns the first source\'s (SDM Vol. 1, Table 4-7)',
};

export const QEMU_DIFFERENCES = {
  futex: [{
    what: 'the errno of a FUTEX_WAIT interrupted by a signal handler',
    why: 'qemu-user answers EAGAIN where Linux answers EINTR (futex(2), signal(7))',
    normalise: (t) => t.replace(/^((?:timed )?wait interrupted(?: despite SA_RESTART)?) -1 .*$/gm, '$1 -1 <errno: not compared>'),
  }],
  jobs: [
    {
      what: 'siginfo of a waitid(WNOHANG) that finds no child to report',
      why: 'Linux zeroes si_status (kernel_waitid); qemu-user leaves the caller\'s bytes',
      normalise: mapLines(/^(waitid again WNOHANG: .*) status=-?\d+$/, (_, head) => `${head} status=<not compared>`),
    },
    {
      what: 'how many SIGCHLDs arrive with SA_NOCLDSTOP (and the running count after it)',
      why: 'qemu-user does not pass SA_NOCLDSTOP to the host handler, so stops and continues still signal',
      normalise: (t) => t
        .replace(/^SA_NOCLDSTOP: count=\d+$/m, 'SA_NOCLDSTOP: count=<not compared>')
        .replace(/^(SIGCHLD on exit: )count=\d+/m, '$1count=<not compared>'),
    },
    {
      what: 'tcgetsid() on the controlling pty',
      why: 'qemu-user does not implement the TIOCGSID ioctl',
      normalise: (t) => t.replace(/^(ctty: )tcgetsid=\S+/m, '$1tcgetsid=<not compared>'),
    },
  ],
  mmap: [{
    what: 'msync and madvise over unmapped pages, and madvise with an unknown advice',
    why: 'qemu-user reserves the whole guest address space on the host (so no ENOMEM) and treats madvise as a no-op that always succeeds (Linux: ENOMEM, EINVAL)',
    normalise: maskLines(/^(?:msync over a hole|madvise bad advice|madvise over a hole): .*$/, 'msync/madvise result'),
  }],
  mmapshared: [{
    what: 'si_addr of the SIGBUS from touching a page past the end of a shrunk file',
    why: 'qemu-user reports an address a page further on',
    normalise: (t) => t.replace(/^(SIGBUS: code \d+) at page offset \d+$/gm, '$1 at page offset <not compared>'),
  }],
  mmx: [{
    what: 'the exponent bytes of an MMX register seen through FSAVE',
    why: 'an MMX write sets bits 79:64 of the x87 register to ones (SDM Vol. 1, 9.5.1); qemu 7.2 leaves them zero',
    normalise: (t) => t.replace(/^(fsave mm\d:(?: [0-9a-f]{2}){8})(?: [0-9a-f]{2}){2}$/gm, '$1 <exponent: not compared>'),
  }],
  pty: [{
    what: 'the TCGETS2 ioctl',
    why: 'qemu-user does not implement it (ENOTTY)',
    normalise: maskLines(/^TCGETS2: .*$/, 'TCGETS2'),
  }],
  stacklimit: [{
    what: 'a recursion past RLIMIT_STACK',
    why: 'qemu-user allocates the guest stack itself and does not apply the limit, so no SIGSEGV',
    normalise: mapLines(/^(limit (\d+) KiB, recursion (\d+) KiB): /, (line, head, limit, depth) => (Number(depth) > Number(limit) ? `${head}: <not compared>` : line)),
  }],
  timeouts: [{
    what: 'poll() restarted after SIGSTOP/SIGCONT, the time left written back by select/pselect6/ppoll after a handler, and select with tv_usec >= 1000000',
    why: 'qemu-user restarts with the whole timeout, does not write the time left back, and passes the timeval to the host as an invalid timespec (EINVAL); Linux does each (select(2), signal(7))',
    normalise: (t) => t
      .replace(/^(poll stopped and continued): .*$/gm, '$1: <not compared>')
      .replace(/^((?:SA_RESTART )?handler: \S+ -1 [^,]+), (timeval|timespec) left \S+$/gm, '$1, $2 left <not compared>')
      .replace(/^(timeval \{0, 1500000\} on a ready pipe): .*$/gm, '$1: <not compared>'),
  }],
  tmpfs: [{
    what: 'directory listings of /tmp/wvm-tmpfs-test and its removal at the end',
    why: 'the host /tmp is ext4, whose 64-bit directory offsets qemu-user hands to the 32-bit getdents64 caller, so glibc readdir ends with EOVERFLOW (a kernel running i386 natively gives a 32-bit caller 32-bit offsets)',
    normalise: (t) => t
      .replace(/^( {2}\/tmp\/wvm-tmpfs-test:).*$/gm, '$1 <listing: not compared>')
      .replace(/^gone: .*$/gm, 'gone: <not compared>'),
    cleanup: ['/tmp/wvm-tmpfs-test'],
  }],
  vfork: [{
    what: 'vfork sharing memory with the parent, and posix_spawn reporting a failed exec',
    why: 'qemu-user runs vfork as fork (CLONE_VM|CLONE_VFORK is not emulated), so the parent sees none of the child\'s stores and posix_spawn cannot return the exec error',
    normalise: (t) => t
      .replace(/^(vfork: parent saw) -?\d+/gm, '$1 <not compared>')
      .replace(/^(after exec): .*$/gm, '$1: <not compared>')
      .replace(/^(posix_spawnp? missing program): .*$/gm, '$1: <not compared>'),
  }],
  socket: [{
    what: 'SCM_RIGHTS with a too small control buffer (MSG_CTRUNC, the extra file closed) and the exit status',
    why: 'qemu-user converts control messages through its own larger buffer: no MSG_CTRUNC, and the extra descriptor stays open, so the read that expects EOF never returns (the program runs this part last)',
    from: /^controllen=\d+ flags=/m,
    hangs: true,
    vmReaches: true,
  }],
  'threads-exec': [{
    what: 'a robust mutex whose owner died (EOWNERDEAD) and the exit status',
    why: 'qemu-user does not implement set_robust_list, so the kernel never releases the dead owner\'s lock and the lock waits forever',
    from: /^robust lock: /m,
    hangs: true,
    vmReaches: true,
  }],
  x87arith: [
    { ...X87_DE, normalise: mapLines(/^([^:]*: )(.*)$/, (_, head, rest) => head + rest.replace(/(^| )([0-9a-f]{2})(?= |$)/g, (__, sp, f) => sp + withoutDE(f))) },
    {
      ...X87_NAN,
      normalise: (t) => t
        .replace(/^(rc\d \w+ \d+ \d+: )([0-9a-f]{16})/gm, (_, head, r) => head + foldNaN(r))
        .replace(/^(rc\d un \d+: sqrt )([0-9a-f]{16})( \S+ rnd )([0-9a-f]{16})( \S+ st32 )([0-9a-f]{8})/gm,
          (_, a, r1, b, r2, c, r3) => a + foldNaN(r1) + b + foldNaN(r2) + c + foldNaN(r3))
        .replace(/^((?:fld32 [0-9a-f]+|fiadd \d+): )([0-9a-f]{16})/gm, (_, head, r) => head + foldNaN(r)),
    },
    {
      what: 'OF SF AF after FCOMI/FUCOMI (ZF PF CF are compared)',
      why: 'the SDM clears them; qemu 7.2 leaves them as they were',
      normalise: (t) => t.replace(/(fu?comi) ([0-9a-f]{3})/g, (_, op, f) => `${op} ${(parseInt(f, 16) & 0x45).toString(16).padStart(3, '0')}`),
    },
  ],
  x87misc: [
    {
      what: 'the condition codes FPREM1 leaves (C0 C1 C3: the quotient bits; C2)',
      why: 'qemu 7.2\'s FPREM1 clears them',
      normalise: (t) => t.replace(/^(fprem .*fprem1 \S+) [0-9a-f]{4}$/gm, '$1 <status: not compared>'),
    },
    { ...X87_DE, normalise: (t) => t.replace(/^(fxtract .* fscale \S+: \S+) ([0-9a-f]{2})$/gm, (_, head, f) => `${head} ${withoutDE(f)}`) },
    {
      what: 'x87 stack overflow and underflow (C1, SF, IE, the indefinite QNaN pushed)',
      why: 'qemu 7.2 does not model stack faults',
      normalise: maskLines(/^(?:overflow|underflow) .*$/, 'stack fault state'),
    },
    {
      what: 'the FNSTENV/FNSAVE/FXSAVE images',
      why: 'qemu 7.2 writes zeros in the reserved upper halves of the 32-bit environment where Intel writes ones, does not mask every exception after FNSTENV (SDM Vol. 2, FSTENV), and its empty registers still hold what they held before the stack-overflow case it does not model',
      normalise: maskLines(/^(?:env|save|fxsave): .*$/, 'x87 image'),
    },
    {
      what: 'FYL2XP1 outside |x| < 1 - sqrt(2)/2',
      why: 'the SDM leaves the result undefined there; the test holds it to Intel hardware, qemu computes something else',
      normalise: mapLines(/^fyl2xp1 (-?[\d.]+): /, (line, x) => (Math.abs(Number(x)) >= 1 - Math.SQRT2 / 2 ? `fyl2xp1 ${x}: <undefined: not compared>` : line)),
    },
  ],
  sse_float: [
    {
      what: 'MINSS/MINSD/MAXSS/MAXSD/MINPS/… rows under DAZ (MXCSR 1fc0, 9fc0)',
      why: 'DAZ makes a denormal operand of MIN/MAX a zero (SDM Vol. 1, 10.2.3.4); qemu 7.2 compares the denormal',
      // (before the flags item: the whole row, both hashes and the flags)
      normalise: (t) => t.replace(/^((?:min|max)[sp][sd] ([0-9a-f]{4})(?: [0-9a-f]+)?) [0-9a-f]{8} [0-9a-f]{2} [0-9a-f]{8}$/gm, (line, head, mode) => (parseInt(mode, 16) & 0x40 ? `${head} <DAZ row: not compared>` : line)),
    },
    {
      ...SSE_FLAGS,
      normalise: (t) => t
        // name mode [operand] HASH FLAGS VALUEHASH
        .replace(/^(\w+ [0-9a-f]{4}(?: [0-9a-f]{8}| [0-9a-f]{16})?) [0-9a-f]{8} ([0-9a-f]{2}) ([0-9a-f]{8})$/gm, (_, a, f, hv) => `${a} <hash: not compared> ${withoutDE(f)} ${hv}`)
        .replace(/^(cvt packed [0-9a-f]{4}) [0-9a-f]{8} ([0-9a-f]{6}) ([0-9a-f]{8})$/gm, (_, a, f, hv) => `${a} <hash: not compared> ${withoutDE(f)} ${hv}`)
        // conversions: RESULT FLAGS (cvtsi2ss/sd has two)
        .replace(/^(cvt\S+ [0-9a-f]{4} [0-9a-f]+ -> [0-9a-f]+) ([0-9a-f]{2})(?:( [0-9a-f]{16}) ([0-9a-f]{2}))?$/gm,
          (_, a, f, b, f2) => `${a} ${withoutDE(f)}${b ? `${b} ${withoutDE(f2)}` : ''}`),
    },
    {
      what: 'RCPSS/RSQRTSS of a denormal, and RCPSS whose result is tiny',
      why: 'Intel treats a denormal source as zero and flushes tiny results to zero (SDM Vol. 2, RCPSS/RSQRTSS); qemu 7.2 computes them exactly',
      normalise: mapLines(/^(rcp|rsqrt) ([0-9a-f]{8}) special /, (line, op, x) => {
        const v = parseInt(x, 16);
        const e = (v >>> 23) & 0xff;
        const denormal = e === 0 && (v & 0x7fffff) !== 0;
        const tiny = op === 'rcp' && e >= 0xfd && e !== 0xff;
        return denormal || tiny ? `${op} ${x} special <not compared>` : line;
      }),
    },
    {
      what: 'the unmasked divide-by-zero at the end (the program dies by SIGFPE) and the exit status',
      why: 'qemu 7.2 raises no #XM for unmasked SSE exceptions, so the program goes on',
      from: /^not reached /m,
    },
  ],
};

/**
 * The differences declared for `name`, and how to compare under them: `apply(text)` gives the
 * text both sides are compared on, `compareStatus` whether exit statuses are, `hangMs` how long
 * the reference may run before it is stopped (programs that never end under qemu).
 */
export function qemuDifferences(name) {
  const items = QEMU_DIFFERENCES[name] ?? [];
  const from = items.filter((d) => d.from);
  // Cut at the first `from` line; a text without it (the VM's, where hardware never gets there)
  // ends with the same marker, so what comes before is compared either way.
  const apply = (text) => {
    let out = text;
    for (const d of from) {
      const m = d.from.exec(out);
      out = `${m ? out.slice(0, m.index) : out}<from here on: not compared>\n`;
    }
    for (const d of items) if (d.normalise) out = d.normalise(out);
    return out;
  };
  /** Lines the VM must print although what follows them is not compared. */
  const mustReach = from.filter((d) => d.vmReaches).map((d) => d.from);
  return {
    items,
    apply,
    mustReach,
    compareStatus: !items.some((d) => d.from || d.status === false),
    hangMs: items.some((d) => d.hangs) ? 10_000 : null,
    cleanup: items.flatMap((d) => d.cleanup ?? []),
  };
}
