#!/usr/bin/env node
// Probe (issue 13, item 2): password spraying from one IP. N one-step sign-ins from this machine,
// one password, N different accounts (a few real, the rest unknown). Reports how many got 401 and
// how many 429, and the first Retry-After.
//
//   node scripts/probes/password-spraying.mjs [--root DIR] [--database sqlite|postgres] [--accounts 60]
import { parseArgs, startProbeServer } from './lib/server.mjs';
import { openTransaction, submit } from './lib/sign-in.mjs';

const args = parseArgs();
const accounts = Number(args.accounts ?? 60);
const server = await startProbeServer({ root: args.root, database: args.database ?? 'sqlite', users: 9 });
const statuses = [];
let retryAfter = null;
try {
  for (let i = 0; i < accounts; i++) {
    const identifier = server.logins[i] ?? `sprayed-${i}@example.com`;
    const { introspect } = await openTransaction(server);
    const res = await submit(introspect, 'identify', {
      identifier,
      credentials: { passcode: 'Winter2026!Winter2026!' },
    });
    statuses.push(res.status);
    if (res.status === 429 && retryAfter === null) retryAfter = res.retryAfter;
  }
} finally {
  await server.stop();
}
const n = (s) => statuses.filter((x) => x === s).length;
const firstThrottled = statuses.indexOf(429);
console.log(
  `${server.database}, ${accounts} sign-ins from one IP, one password, ${accounts} accounts (${server.logins.length} real): ` +
    `${n(401)}×401, ${n(429)}×429${firstThrottled >= 0 ? ` (from attempt ${firstThrottled + 1}, Retry-After ${retryAfter})` : ''}`,
);
