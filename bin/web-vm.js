#!/usr/bin/env node
// The `web-vm` command: a shim over the compiled CLI in build/src/cli/main.js.
import { existsSync } from 'node:fs';
const cli = new URL('../build/src/cli/main.js', import.meta.url);
if (!existsSync(cli)) {
  console.error('web-vm: run `npm run build` first');
  process.exit(1);
}
const { main } = await import(cli.href);
process.exitCode = await main(process.argv.slice(2));
