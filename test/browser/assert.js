// A tiny assert for browser tests (no chai dependency): each failure says
// what was expected and what came instead.
export function ok(value, message = 'expected a truthy value') {
  if (!value) throw new Error(`${message} (got ${JSON.stringify(value)})`);
}

export function equal(actual, expected, message = '') {
  if (!Object.is(actual, expected)) {
    const err = new Error(`${message ? message + ': ' : ''}expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
    err.expected = String(expected);
    err.actual = String(actual);
    throw err;
  }
}

/**
 * Start a module worker, send it `message`, and resolve with its first reply.
 * Rejects on a worker error (e.g. a module that failed to load) or after `ms`.
 */
export function askWorker(url, message, ms = 55_000) {
  const worker = new Worker(url, { type: 'module' });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker ${url} did not answer within ${ms} ms`)), ms);
    const done = () => { clearTimeout(timer); worker.terminate(); };
    worker.onmessage = (e) => { done(); resolve(e.data); };
    worker.onerror = (e) => {
      done();
      reject(new Error(`worker ${url} failed: ${e.message || 'the module did not load (check the browser log for a 404 or a syntax error)'}`));
    };
    worker.postMessage(message);
  });
}
