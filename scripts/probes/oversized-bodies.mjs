#!/usr/bin/env node
// Probe: request bodies over `server.bodyLimitBytes` (64 KiB by default), just over and far over,
// with Content-Length and chunked, to an IDX and an OAuth endpoint, by a raw-socket client and by
// node:http's client (lib/raw-clients.mjs). Counts the requests whose client did not read a complete
// 413 in the endpoint's error format (EPIPE / ECONNRESET instead, typically).
//
//   node scripts/probes/oversized-bodies.mjs [--root DIR] [--url http://127.0.0.1:PORT] [--repeat 3]
//                                            [--sizes 65537,81920,1048576,10485760]
import { postBody } from './lib/raw-clients.mjs';
import { parseArgs, startProbeServer } from './lib/server.mjs';

const LIMIT = 64 * 1024;
const DEFAULT_SIZES = [LIMIT + 1, LIMIT + 16 * 1024, 1024 * 1024, 10 * 1024 * 1024];
const ENDPOINTS = [
  {
    name: 'idx',
    path: '/idp/idx/introspect',
    type: 'application/json',
    format: (body) => body?.messages?.value?.[0]?.i18n?.key === 'gatehouse.request.too_large',
  },
  {
    name: 'oauth',
    path: '/oauth2/default/v1/token',
    type: 'application/x-www-form-urlencoded',
    format: (body) => body?.error === 'payload_too_large',
  },
];

function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

const args = parseArgs();
const repeat = Number(args.repeat ?? 3);
const sizes = args.sizes ? String(args.sizes).split(',').map(Number) : DEFAULT_SIZES;
const server = args.url
  ? { url: args.url, stop: async () => {} }
  : await startProbeServer({ root: args.root });
const failures = new Map();
let total = 0;
let bad = 0;
try {
  for (const client of ['net', 'http'])
    for (const endpoint of ENDPOINTS)
      for (const size of sizes)
        for (const chunked of [false, true])
          for (let i = 0; i < repeat; i++) {
            const { answer, error } = await postBody(client, server.url, { ...endpoint, size, chunked });
            total++;
            if (answer?.status === 413 && endpoint.format(parseJson(answer.text))) continue;
            bad++;
            const why = answer ? `status ${answer.status} ${answer.text.slice(0, 80)}` : error;
            const key = `${client} ${endpoint.name} ${size} B ${chunked ? 'chunked' : 'content-length'}: ${why}`;
            failures.set(key, (failures.get(key) ?? 0) + 1);
          }
  // The server still answers afterwards.
  const health = await fetch(`${server.url}/healthz`);
  if (health.status !== 200) throw new Error(`healthz answered ${health.status}`);
} finally {
  await server.stop();
}
for (const [key, count] of failures) console.log(`  ${count}× ${key}`);
console.log(`oversized bodies: ${bad} of ${total} requests did not read a 413 in the endpoint's format`);
