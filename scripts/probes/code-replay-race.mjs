#!/usr/bin/env node
import { parseArgs, startProbeServer } from './lib/server.mjs';
// Probe: the same interaction code and verifier sent to /v1/token by N requests at once. Counts the
// rounds after which a token issued for that code still works (userinfo 200, or a refresh succeeds).
//
//   node scripts/probes/code-replay-race.mjs [--root DIR] [--database sqlite|postgres]
//                                            [--parallel 2] [--rounds 10] [--workers N]
import { exchange, refresh, signIn, userinfoStatus } from './lib/sign-in.mjs';

const args = parseArgs();
const parallel = Number(args.parallel ?? 2);
const rounds = Number(args.rounds ?? 10);
const server = await startProbeServer({
  root: args.root,
  database: args.database ?? 'sqlite',
  workers: args.workers,
});
let leaked = 0;
const winners = [];
try {
  for (let round = 0; round < rounds; round++) {
    const signedIn = await signIn(server);
    const answers = await Promise.all(Array.from({ length: parallel }, () => exchange(server, signedIn)));
    const ok = answers.filter((a) => a.status === 200);
    const other = answers.filter((a) => a.status !== 200 && a.body?.error !== 'invalid_grant');
    if (other.length) throw new Error(`unexpected answer: ${JSON.stringify(other[0])}`);
    winners.push(ok.length);
    let works = false;
    for (const { body } of ok) {
      if ((await userinfoStatus(server, body.access_token)) === 200) works = true;
      if (body.refresh_token && (await refresh(server, body.refresh_token)).status === 200) works = true;
    }
    if (works) leaked++;
  }
} finally {
  await server.stop();
}
console.log(
  `${server.database}${args.workers ? ` (${args.workers} workers)` : ''}, ${parallel} parallel requests per code: ${leaked} of ${rounds} rounds left a working token ` +
    `(200 answers per round: ${winners.join(' ')})`,
);
