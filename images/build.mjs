#!/usr/bin/env node
// `npm run images [-- NAME...]`: build the disk images the tests, benchmarks
// and demo use, cached under .cache/images/ by recipe hash (a second run is
// instant). Recipes: `busybox` (the test image) and `debian` (bookworm i386
// via debootstrap: needs root and the Debian mirror; build it explicitly).
import { statSync } from 'node:fs';
import { relative } from 'node:path';
import { repoRoot } from '../test/support/mkimage.mjs';
import { buildBusyboxImage } from '../test/support/busybox.mjs';
import { buildDebianImage } from './debian.mjs';

const recipes = {
  busybox: () => buildBusyboxImage(),
  debian: () => buildDebianImage(),
};

const wanted = process.argv.slice(2);
// Without arguments, only the quick recipes: the Debian image downloads ~300 MB.
const names = wanted.length ? wanted : ['busybox'];
let failed = false;
for (const name of names) {
  const recipe = recipes[name];
  if (!recipe) {
    console.error(`images: no recipe called "${name}" (known: ${Object.keys(recipes).join(', ')})`);
    failed = true;
    continue;
  }
  const t0 = performance.now();
  try {
    const { image, tree } = recipe();
    const mib = (statSync(image).size / 1048576).toFixed(1);
    console.log(`${name}: ${relative(repoRoot, image)} (${mib} MiB, tree ${tree.startsWith('/') ? relative(repoRoot, tree) : tree}) in ${Math.round(performance.now() - t0)} ms`);
  } catch (e) {
    console.error(`${name}: ${e.message}`);
    failed = true;
  }
}
process.exitCode = failed ? 1 : 0;
