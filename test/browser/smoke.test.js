// First light in the browser: the VM core, in a module worker on a page that
// is not cross-origin isolated, runs Debian's i386 busybox from an ext2 image
// served over HTTP.
import { equal, askWorker } from './assert.js';

describe('VM smoke (busybox in a worker)', () => {
  it('runs `busybox echo hello from x86`', async () => {
    const reply = await askWorker(new URL('./smoke-worker.js', import.meta.url), {
      argv: ['/bin/busybox', 'echo', 'hello', 'from', 'x86'],
    });
    console.log(`crossOriginIsolated=${reply.env.crossOriginIsolated} typeof SharedArrayBuffer=${reply.env.sharedArrayBuffer}`);
    if (!reply.ok) throw new Error(reply.error);
    console.log(`exit ${reply.exitCode}, ${reply.instructions} instructions in ${Math.round(reply.ms)} ms`);
    if (reply.stderr) console.log(`stderr: ${reply.stderr}`);
    equal(reply.stdout, 'hello from x86\n', 'stdout');
    equal(reply.exitCode, 0, 'exit code');
    equal(reply.signal, 0, 'signal');
  });
});
