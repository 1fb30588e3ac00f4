// `npm run build:ts` ends here: bundles the compiled CLI (build/src/cli/main.js
// and the VM core it imports, ~140 modules) into one minified ES module,
// build/cli.js, which bin/web-vm.js loads.
//
// Why: the VM's own memory is part of issue 2's bar. Node keeps per-module
// state (module records, wrappers, source text with comments) for every file
// it loads: importing the unbundled CLI costs 57 MiB of RSS, the bundle
// 46 MiB (a bare `node` is 39), and the run's peak drops by as much. It also
// starts faster. The unbundled modules stay the source of truth (tests import
// them; bin/web-vm.js falls back to them when this bundle is older).
import { rollup } from 'rollup';
import terser from '@rollup/plugin-terser';
import { onwarn } from '../rollup.config.mjs';

const started = performance.now();
const bundle = await rollup({
  input: 'build/src/cli/main.js',
  // Node's built-ins stay imports; nothing else may be left unresolved.
  external: (id) => id.startsWith('node:'),
  // The element bundle's policy: an unresolved import fails the build.
  onwarn: (warning, warn) => (warning.code === 'CIRCULAR_DEPENDENCY' ? undefined : onwarn(warning, warn)),
  // Mangle and compress, but keep class and function names: a guest-visible
  // internal error's stack trace should still name our code.
  plugins: [terser({ ecma: 2022, module: true, keep_classnames: true, keep_fnames: true, format: { comments: false } })],
});
const { output } = await bundle.write({ file: 'build/cli.js', format: 'es', sourcemap: true });
await bundle.close();
console.log(`build/cli.js: ${(output[0].code.length / 1024).toFixed(1)} KiB in ${((performance.now() - started) / 1000).toFixed(1)} s`);
