// Two loopback clients that POST a body of a given size (with Content-Length or chunked) and report
// whether they read a complete answer or hit a socket error first. Used by
// scripts/probes/oversized-bodies.mjs and packages/server/test/http/oversized-bodies.test.ts.
// - `net`: a raw socket that writes the whole body, minding backpressure, while reading; it stops
//   sending once it has an answer, as real clients do;
// - `http`: node:http's client, as an application uses it (write the body, end, read the response).
// Run as a script (`node raw-clients.mjs URL '[{client, path, type, size, chunked}, …]'`) it sends the
// requests one after the other and prints their outcomes as a JSON array: a test server in the test
// runner's process is then probed from another process, with the timing of a real client.
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';

const CHUNK = Buffer.alloc(64 * 1024, 'a');
const TIMEOUT_MS = 30_000;

/** Resolves when `stream` can take more, or is gone. */
function drained(stream) {
  return new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('close', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
  });
}

/** A complete HTTP/1.1 answer with a Content-Length at the start of `buffer`, or null. */
function parseAnswer(buffer) {
  const end = buffer.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const head = buffer.subarray(0, end).toString('latin1');
  const headers = {};
  for (const line of head.split('\r\n').slice(1)) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const length = Number(headers['content-length'] ?? Number.NaN);
  if (!Number.isFinite(length) || buffer.length < end + 4 + length) return null;
  return {
    status: Number(head.slice(9, 12)),
    headers,
    text: buffer.subarray(end + 4, end + 4 + length).toString('utf8'),
  };
}

/**
 * POSTs `size` bytes to `url` + `path` with a raw socket (`client: 'net'`) or node:http ('http').
 * Resolves with `{ answer: { status, headers, text } | null, error: string | null, sent }`: the
 * answer when one was read completely (an error after it does not count), else the error code.
 */
export function postBody(client, url, { path, type, size, chunked }) {
  return client === 'net' ? viaNet(url, path, type, size, chunked) : viaHttp(url, path, type, size, chunked);
}

function viaNet(url, path, type, size, chunked) {
  return new Promise((resolve) => {
    const { hostname, port } = new URL(url);
    const socket = connect(Number(port), hostname);
    let received = Buffer.alloc(0);
    let answer = null;
    let sent = 0;
    let settled = false;
    const finish = (error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ answer, error: answer ? null : error, sent });
    };
    const timer = setTimeout(() => finish('timeout'), TIMEOUT_MS);
    socket.on('data', (d) => {
      received = Buffer.concat([received, d]);
      answer ??= parseAnswer(received);
      if (answer) finish(null);
    });
    socket.on('error', (err) => finish(err.code ?? err.message));
    socket.on('close', () => finish('closed'));
    socket.on('connect', async () => {
      const framing = chunked ? 'transfer-encoding: chunked' : `content-length: ${size}`;
      socket.write(
        `POST ${path} HTTP/1.1\r\nhost: ${hostname}:${port}\r\ncontent-type: ${type}\r\n` +
          `accept: application/json\r\n${framing}\r\n\r\n`,
      );
      let left = size;
      while (left > 0 && !settled) {
        const piece = CHUNK.subarray(0, Math.min(CHUNK.length, left));
        left -= piece.length;
        sent += piece.length;
        const parts = chunked ? [`${piece.length.toString(16)}\r\n`, piece, '\r\n'] : [piece];
        let flushed = true;
        for (const part of parts) flushed = socket.write(part) && flushed;
        if (!flushed) await drained(socket);
      }
      if (chunked && !settled) socket.write('0\r\n\r\n');
    });
  });
}

function viaHttp(url, path, type, size, chunked) {
  return new Promise((resolve) => {
    const req = httpRequest(`${url}${path}`, {
      method: 'POST',
      headers: {
        'content-type': type,
        accept: 'application/json',
        ...(chunked ? {} : { 'content-length': size }),
      },
      agent: false,
    });
    let sent = 0;
    let settled = false;
    const finish = (answer, error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve({ answer, error: answer ? null : error, sent });
    };
    const timer = setTimeout(() => finish(null, 'timeout'), TIMEOUT_MS);
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => finish({ status: res.statusCode, headers: res.headers, text }, null));
      res.on('error', (err) => finish(null, err.code ?? 'aborted'));
    });
    req.on('error', (err) => finish(null, err.code ?? err.message));
    (async () => {
      let left = size;
      while (left > 0 && !settled) {
        const piece = CHUNK.subarray(0, Math.min(CHUNK.length, left));
        left -= piece.length;
        sent += piece.length;
        if (!req.write(piece)) await drained(req);
      }
      if (!settled) req.end();
    })();
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [url, cases] = [process.argv[2], JSON.parse(process.argv[3])];
  const outcomes = [];
  for (const { client, ...request } of cases) outcomes.push(await postBody(client, url, request));
  process.stdout.write(JSON.stringify(outcomes));
}
