#!/usr/bin/env node
// The `web-vm` command: a shim over the compiled CLI in build/src/cli/main.js.
import { existsSync } from 'node:fs';
const cli = new URL('../build/src/cli/main.js', import.meta.url);
if (!existsSync(cli)) {
  console.error('web-vm: run `npm run build` first');
  process.exit(1);
}
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
