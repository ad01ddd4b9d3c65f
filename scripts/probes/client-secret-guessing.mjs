#!/usr/bin/env node
// Probe (issue 13, item 6): client-secret guessing. N wrong secrets in a row for one confidential
// client (at /v1/introspect; the token endpoint authenticates clients the same way), then the right
// secret. Reports the answers.
//
//   node scripts/probes/client-secret-guessing.mjs [--root DIR] [--database sqlite|postgres] [--guesses 30]
import { parseArgs, startProbeServer } from './lib/server.mjs';
import { postForm } from './lib/sign-in.mjs';

const args = parseArgs();
const guesses = Number(args.guesses ?? 30);
const server = await startProbeServer({
  root: args.root,
  database: args.database ?? 'sqlite',
  confidentialApp: true,
});
const statuses = [];
let right;
try {
  const { clientId, clientSecret } = server.confidential;
  const introspect = (secret) =>
    postForm(`${server.issuer}/v1/introspect`, { client_id: clientId, client_secret: secret, token: 'x' });
  for (let i = 0; i < guesses; i++) statuses.push((await introspect(`wrong-secret-${i}`)).status);
  right = await introspect(clientSecret);
} finally {
  await server.stop();
}
const n = (s) => statuses.filter((x) => x === s).length;
console.log(
  `${server.database}, ${guesses} wrong client secrets in a row: ${n(401)}×401, ${n(429)}×429; then the right secret → ${right.status}${right.body?.error ? ` ${right.body.error}` : ''}`,
);
