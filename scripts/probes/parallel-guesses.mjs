#!/usr/bin/env node
// Probe (issue 13, item 1): parallel password guesses against the account lock. Opens N
// transactions for one user of a one-step password app, then sends N identify requests at once:
// N−1 wrong passwords and the right one last. Reports the answers and whether the right one signed
// in, then whether the right password works right after the burst (it should get the locked answer).
//
//   node scripts/probes/parallel-guesses.mjs [--root DIR] [--database sqlite|postgres] [--parallel 40] [--rounds 3]
import { parseArgs, startProbeServer } from './lib/server.mjs';
import { openTransaction, submit } from './lib/sign-in.mjs';

const args = parseArgs();
const parallel = Number(args.parallel ?? 40);
const rounds = Number(args.rounds ?? 3);
const lines = [];
for (let round = 1; round <= rounds; round++) {
  // A fresh server (and user) per round, so every burst meets an unlocked account.
  const server = await startProbeServer({ root: args.root, database: args.database ?? 'sqlite' });
  try {
    const transactions = await Promise.all(
      Array.from({ length: parallel + 1 }, () => openTransaction(server)),
    );
    const answers = await Promise.all(
      transactions.slice(0, parallel).map(({ introspect }, i) =>
        submit(introspect, 'identify', {
          identifier: server.login,
          credentials: { passcode: i === parallel - 1 ? server.password : `wrong-guess-${i}` },
        }),
      ),
    );
    const statuses = answers.map((a) => a.status);
    const wrong = statuses.slice(0, -1);
    const after = await submit(transactions[parallel].introspect, 'identify', {
      identifier: server.login,
      credentials: { passcode: server.password },
    });
    lines.push(
      `round ${round}: wrong → ${count(wrong)}; the right one sent last → ${statuses.at(-1)}${statuses.at(-1) === 200 ? ' (signed in)' : ''}; the right password right after → ${after.status}`,
    );
  } finally {
    await server.stop();
  }
}
console.log(
  `${args.database ?? 'sqlite'}, ${parallel} identify requests at once (${parallel - 1} wrong, the right one last):`,
);
for (const line of lines) console.log(`  ${line}`);

function count(values) {
  const tally = new Map();
  for (const v of values) tally.set(v, (tally.get(v) ?? 0) + 1);
  return [...tally].map(([v, n]) => `${n}×${v}`).join(' + ');
}
