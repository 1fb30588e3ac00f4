// DESIGN.md: src/vm runs unchanged in a browser worker and in Node, so it
// imports nothing from Node and touches no DOM; src/cli is the only Node part.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { repoRoot } from './support/mkimage.mjs';

function files(dir) {
  const out = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...files(p));
    else if (p.endsWith('.ts') && !p.endsWith('.test.ts') && !p.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

// Test helpers may use Node to build fixtures; they are never imported by the VM.
const TEST_ONLY = /\/(testing\.ts|testdata\/)/;

test('src/vm imports no Node modules and uses no DOM globals', () => {
  const bad = [];
  for (const f of files(join(repoRoot, 'src', 'vm'))) {
    if (TEST_ONLY.test(f)) continue;
    const text = readFileSync(f, 'utf8');
    for (const m of text.matchAll(/from\s+'([^']+)'/g)) {
      if (m[1].startsWith('node:') || ['fs', 'path', 'os', 'child_process', 'crypto', 'buffer'].includes(m[1])) bad.push(`${relative(repoRoot, f)} imports ${m[1]}`);
      if (m[1].includes('/cli/') || m[1].includes('/element/')) bad.push(`${relative(repoRoot, f)} imports ${m[1]}`);
    }
    for (const g of [/\bdocument\./, /\bwindow\./, /\bBuffer\./, /\bprocess\.(env|argv|exit|stdout|stderr|stdin|cwd|on|platform)\b/, /\brequire\(/]) {
      if (g.test(text)) bad.push(`${relative(repoRoot, f)} uses ${g}`);
    }
  }
  assert.deepEqual(bad, []);
});

test('nothing in src/vm imports the test-only helpers', () => {
  const bad = [];
  for (const f of files(join(repoRoot, 'src', 'vm'))) {
    if (TEST_ONLY.test(f)) continue;
    const text = readFileSync(f, 'utf8');
    if (/from\s+'[^']*(testing|testdata)[^']*'/.test(text)) bad.push(relative(repoRoot, f));
  }
  assert.deepEqual(bad, []);
});
