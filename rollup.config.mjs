// `npm run build` = tsc (src → build/) then this: the CDN bundle, one ES
// module dist/web-vm.js that defines <web-vm> and brings its worker along.
//
// A page cannot start `new Worker(url)` from another origin (a CDN), so the
// worker (build/src/worker/worker.js and the VM core it imports) is bundled
// first, on its own, and embedded in the main bundle as a string: the
// bundle's worker-factory starts it from a Blob URL as a module worker, which
// works on any page, with no SharedArrayBuffer and no COOP/COEP.
import { gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { rollup } from 'rollup';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';

export const onwarn = (warning, warn) => {
  // A circular import is how a bug starts, but not a build failure; anything unresolved is.
  if (warning.code === 'UNRESOLVED_IMPORT') throw new Error(warning.message);
  warn(warning);
};

const minify = () => terser({ ecma: 2022, module: true, format: { comments: false } });

async function bundleWorker() {
  const bundle = await rollup({ input: 'build/src/worker/worker.js', onwarn, plugins: [nodeResolve({ browser: true }), minify()] });
  const { output } = await bundle.generate({ format: 'es' });
  await bundle.close();
  return output[0].code;
}

/** Replaces the unbundled worker factory with one that starts the embedded worker source. */
function embedWorker() {
  const factory = /[\\/]build[\\/]src[\\/]element[\\/]worker-factory\.js$/;
  let found = false;
  return {
    name: 'web-vm-embed-worker',
    async load(id) {
      if (!factory.test(id)) return null;
      found = true;
      const source = await bundleWorker();
      this.info(`worker: ${kib(source.length)} raw, ${kib(gzipSync(source).length)} gzipped (embedded)`);
      return `const source = ${JSON.stringify(source)};
let url = null;
export function createVmWorker() {
  // One Blob URL for every <web-vm> on the page, kept for the page's lifetime.
  if (url === null) url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
  return new Worker(url, { type: 'module', name: 'web-vm' });
}
`;
    },
    buildEnd() {
      if (!found) this.error('build/src/element/worker-factory.js was not part of the bundle: the worker would not be embedded');
    },
  };
}

const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;

function printSize() {
  return {
    name: 'web-vm-size',
    writeBundle(options) {
      const code = readFileSync(options.file);
      console.log(`dist/web-vm.js: ${kib(code.length)} raw, ${kib(gzipSync(code, { level: 9 }).length)} gzipped`);
    },
  };
}

export default {
  input: 'build/src/index.js',
  output: {
    file: 'dist/web-vm.js',
    format: 'es',
    sourcemap: true,
  },
  onwarn,
  plugins: [embedWorker(), nodeResolve({ browser: true }), minify(), printSize()],
};
