// `npm run build` = tsc (src → build/) then this: bundle the public entry
// build/src/index.js into one ES module, dist/web-vm.js, for pages and CDNs.
import { nodeResolve } from '@rollup/plugin-node-resolve';

export default {
  input: 'build/src/index.js',
  output: {
    file: 'dist/web-vm.js',
    format: 'es',
    sourcemap: true,
  },
  plugins: [nodeResolve({ browser: true })],
  onwarn(warning, warn) {
    // A circular import is how a bug starts, but not a build failure; anything unresolved is.
    if (warning.code === 'UNRESOLVED_IMPORT') throw new Error(warning.message);
    warn(warning);
  },
};
