#!/usr/bin/env node
// Runs every test suite and prints one summary line, `N passed, N failed`.
// `npm test` builds the TypeScript first and then runs this.
//
//   1. build the busybox image (node and browser tests both use it)
//   2. with the node tests, the Debian image (images/debian.mjs: debootstrap,
//      about 10 minutes where i386 runs through qemu-user), here rather than
//      inside the first test file that needs it, where the runner's per-file
//      timeout would kill debootstrap halfway
//   3. node tests: build/**/*.test.js (compiled unit tests) and test/*.test.mjs
//      through `node --test` (Node 20 takes no globs, so we list the files),
//      the JIT on (its default); then the guest-program suites again with
//      WEB_VM_JIT=eager (every block compiled)
//   4. browser tests: web-test-runner with web-test-runner.config.mjs
//
// Flags: --node-only, --browser-only. Exit code is non-zero if anything failed.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { cacheDir, repoRoot } from './support/mkimage.mjs';
import { buildBusyboxImage } from './support/busybox.mjs';
import { i386Reference } from './support/i386-reference.mjs';
import { buildDebianImage } from '../images/debian.mjs';

const args = new Set(process.argv.slice(2));
const runNode = !args.has('--browser-only');
const runBrowser = !args.has('--node-only');
const resultsDir = join(cacheDir, 'test-results');
mkdirSync(resultsDir, { recursive: true });

let passed = 0;
let failed = 0;
const problems = [];
const timings = [];

/** Files under `dir` (recursively) whose name ends with `suffix`, sorted, relative to the repo root. */
function findFiles(dir, suffix, recursive) {
  const out = [];
  if (!existsSync(dir)) return out;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (recursive && e.name !== 'node_modules') out.push(...findFiles(p, suffix, recursive));
    } else if (e.name.endsWith(suffix)) {
      out.push(relative(repoRoot, p));
    }
  }
  return out.sort();
}

/** Run a command with inherited stdio; resolve with its exit code (or 1 if it could not start / was killed). */
function run(cmd, argv, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, argv, { cwd: repoRoot, stdio: 'inherit', env: { ...process.env, ...env } });
    child.on('error', (e) => { console.error(`run-all: could not start ${cmd}: ${e.message}`); resolve(1); });
    child.on('exit', (code, signal) => resolve(signal ? 128 + 1 : code ?? 1));
  });
}

async function step(name, fn) {
  const t0 = performance.now();
  console.log(`\n=== ${name} ===`);
  try {
    await fn();
  } catch (e) {
    failed++;
    problems.push(`${name}: ${e.message}`);
    console.error(`run-all: ${name} failed: ${e.stack || e}`);
  }
  timings.push(`${name} ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

console.log(`i386 reference: ${i386Reference().label}`);

await step('busybox image', async () => {
  const { image } = buildBusyboxImage();
  console.log(relative(repoRoot, image));
});

/**
 * Run node test files through `node --test` with `env`; adds their TAP
 * totals to the summary (`name` labels problems and the TAP file).
 */
async function nodeTests(name, files, env = {}) {
  console.log(files.join('\n'));
  const tap = join(resultsDir, `${name.replace(/\W+/g, '-')}.tap`);
  rmSync(tap, { force: true });
  const code = await run(process.execPath, [
    '--test',
    // Backstop for a hung test; suites set their own tighter per-test timeouts.
    '--test-timeout=300000',
    '--test-reporter=spec', '--test-reporter-destination=stdout',
    '--test-reporter=tap', `--test-reporter-destination=${tap}`,
    ...files,
  ], env);
  const text = existsSync(tap) ? readFileSync(tap, 'utf8') : '';
  // The run's totals are the last `# label N` lines of the TAP stream.
  const count = (label) => Number([...text.matchAll(new RegExp(`^# ${label} (\\d+)$`, 'gm'))].at(-1)?.[1] ?? 0);
  const p = count('pass');
  const f = count('fail') + count('cancelled');
  passed += p;
  failed += f;
  if (!/^# pass \d+$/m.test(text)) {
    failed++;
    problems.push(`${name}: no TAP summary (exit code ${code})`);
  } else if (code !== 0 && f === 0) {
    failed++;
    problems.push(`${name}: exit code ${code} with no failing test reported`);
  }
}

if (runNode) {
  await step('debian image', async () => {
    const { image } = buildDebianImage();
    console.log(relative(repoRoot, image));
  });
}

if (runNode) {
  await step('node tests', async () => {
    const files = [...findFiles(join(repoRoot, 'build'), '.test.js', true), ...findFiles(join(repoRoot, 'test'), '.test.mjs', false)];
    if (files.length === 0) {
      console.log('(no node test files found)');
      return;
    }
    await nodeTests('node tests', files);
  });
  // The default run above has the JIT on (hot blocks compiled). The guest
  // programs again with every block compiled before its first run, so each
  // instruction they use runs through the Wasm tier (src/vm/jit).
  await step('conformance, jit eager', async () => {
    // timeouts.c judges wake-up times within 250 ms, which a child that compiles every
    // block of its own before running it (compiled code is not shared across fork yet)
    // misses about one run in two; it runs in the default pass above.
    await nodeTests('conformance jit eager', ['test/conformance.test.mjs', 'test/dynamic.test.mjs'], { WEB_VM_JIT: 'eager', WEB_VM_CONFORMANCE_EXCEPT: 'timeouts' });
  });
}

if (runBrowser) {
  await step('browser tests', async () => {
    const out = join(resultsDir, 'browser.json');
    rmSync(out, { force: true });
    const code = await run('npx', ['--no-install', 'web-test-runner', '--config', 'web-test-runner.config.mjs'], {
      WEB_VM_WTR_RESULTS: out,
    });
    if (!existsSync(out)) {
      failed++;
      problems.push(`browser tests: web-test-runner exited ${code} without results`);
      return;
    }
    const r = JSON.parse(readFileSync(out, 'utf8'));
    passed += r.passed;
    failed += r.failed;
    if (code !== 0 && r.failed === 0) {
      failed++;
      problems.push(`browser tests: web-test-runner exit code ${code} with no failing test reported`);
    }
  });
}

console.log(`\n=== summary ===`);
console.log(timings.join(', '));
for (const p of problems) console.log(`problem: ${p}`);
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
