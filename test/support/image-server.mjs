// A static file server for image tests with switchable misbehaviours: it
// answers single byte ranges like a correct static host (206, Content-Range,
// ETag, Last-Modified; RFC 9110 §14) until told to go wrong.
//
//   server.mode = 'ok' | 'ignore-range' | 'status' (server.status) |
//                 'wrong-range' | 'short-body' | 'cut-connection' |
//                 'change-validator' | 'change-size' | 'stall'
//   server.dropNext = N    destroy the socket of the next N requests (network errors)
//   server.failNext = N    answer the next N requests with 503
import { createServer } from 'node:http';
import { createReadStream, statSync } from 'node:fs';
import { join, normalize } from 'node:path';

export async function startImageServer(root) {
  const state = {
    mode: 'ok',
    status: 404,
    dropNext: 0,
    failNext: 0,
    /** Every request: { path, range }. */
    requests: [],
    inFlight: 0,
    maxInFlight: 0,
    /** Bytes of bodies sent. */
    bytesSent: 0,
  };
  const sockets = new Set();
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    const range = req.headers.range ?? null;
    state.requests.push({ path, range });
    state.inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
    res.on('close', () => state.inFlight--);
    if (state.dropNext > 0) {
      state.dropNext--;
      req.socket.destroy();
      return;
    }
    if (state.failNext > 0) {
      state.failNext--;
      res.writeHead(503).end('busy');
      return;
    }
    if (state.mode === 'stall') return; // never answers
    if (state.mode === 'status') {
      res.writeHead(state.status).end('no');
      return;
    }
    const file = join(root, normalize(path));
    let st;
    try {
      st = statSync(file);
    } catch {
      res.writeHead(404).end('not found');
      return;
    }
    const size = state.mode === 'change-size' ? st.size + 4096 : st.size;
    const headers = {
      'accept-ranges': 'bytes',
      etag: state.mode === 'change-validator' ? '"v2"' : '"v1"',
      'last-modified': 'Tue, 14 Nov 2023 22:13:20 GMT',
      'content-type': path.endsWith('.json') ? 'application/json' : 'application/octet-stream',
    };
    const m = range === null ? null : /^bytes=(\d+)-(\d+)$/.exec(range);
    if (m === null || state.mode === 'ignore-range') {
      res.writeHead(200, { ...headers, 'content-length': st.size });
      send(res, file, 0, st.size - 1, state);
      return;
    }
    const start = Number(m[1]);
    const end = Math.min(Number(m[2]), st.size - 1);
    if (start >= st.size) {
      res.writeHead(416, { ...headers, 'content-range': `bytes */${size}` }).end();
      return;
    }
    const shift = state.mode === 'wrong-range' ? 4096 : 0;
    headers['content-range'] = `bytes ${start + shift}-${end + shift}/${size}`;
    if (state.mode === 'short-body') {
      // No Content-Length (chunked transfer): the body just ends early.
      res.writeHead(206, headers);
      send(res, file, start, start + Math.floor((end - start) / 2), state);
      return;
    }
    res.writeHead(206, { ...headers, 'content-length': end - start + 1 });
    if (state.mode === 'cut-connection') {
      // Promise the whole range, send half, drop the connection.
      const half = createReadStream(file, { start, end: start + Math.floor((end - start) / 2) });
      half.on('data', (d) => res.write(d));
      half.on('end', () => res.socket?.destroy());
      return;
    }
    send(res, file, start, end, state);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  return Object.assign(state, {
    url: (p) => `http://127.0.0.1:${port}/${p}`,
    close: () =>
      new Promise((r) => {
        for (const s of sockets) s.destroy();
        server.close(r);
      }),
  });
}

function send(res, file, start, end, state) {
  const s = createReadStream(file, { start, end });
  s.on('data', (d) => (state.bytesSent += d.length));
  s.pipe(res);
}
