#!/usr/bin/env node
// The `web-vm` command: a shim over the compiled CLI. It loads the one-file
// bundle build/cli.js (tools/bundle-cli.mjs: less memory, faster start) and
// falls back to the modules under build/src/cli/ when the bundle is missing
// or older than them (after a bare `tsc`).
import { existsSync, statSync } from 'node:fs';
const modules = new URL('../build/src/cli/main.js', import.meta.url);
const bundle = new URL('../build/cli.js', import.meta.url);
if (!existsSync(modules)) {
  console.error('web-vm: run `npm run build` first');
  process.exit(1);
}
const cli = existsSync(bundle) && statSync(bundle).mtimeMs >= statSync(modules).mtimeMs ? bundle : modules;
// When every guest task waits for something nothing can ever deliver (a
// deadlock in the guest), Node's event loop empties with the run unfinished
// and Node exits (status 13, "unsettled top-level await", though the exit
// event still sees 0). Say what happened.
let finished = false;
process.on('exit', (code) => {
  if (!finished && code === 0) {
    process.stderr.write('web-vm: the guest is deadlocked: every task waits for an event that can never come\n');
  }
});
const { main } = await import(cli.href);
process.exitCode = await main(process.argv.slice(2));
finished = true;
