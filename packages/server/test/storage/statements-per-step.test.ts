import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdxConversation } from '../support/idx-client.js';
import { installStatementCounter, type StatementCounts, takeCounts } from '../support/statement-counter.js';
import { startTestServer, type TestDatabaseKind, type TestServer } from '../support/test-server.js';

// Statements and commits per IDX step of the bench's sign-ins (email OTP, password one-step and
// identifier-first), on both databases (and on PostgreSQL with the counters in Redis).
// `GATEHOUSE_PRINT_COUNTS=1` prints the table (docs/benchmarks.md, "Statements and commits per
// step"); `GATEHOUSE_LOG_STATEMENTS=1` every statement. The assertions keep what issue 17 won: one
// commit per IDX step. On PostgreSQL the rate-limit counters commit on their own, outside the step's
// transaction (storage/postgres-database.ts says why), and are counted apart.

installStatementCounter();

type Scenario = 'email-otp' | 'password-one-step' | 'password-identifier-first';
type Table = Array<{ step: string } & StatementCounts>;

const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

async function optionId(idx: IdxConversation, methodType: string): Promise<string> {
  const select = idx.form('select-authenticator-authenticate');
  const options = select.value.find((f) => f.name === 'authenticator')?.options ?? [];
  for (const option of options) {
    const fields = (option.value as { form: { value: Array<{ name: string; value: string }> } }).form.value;
    if (fields.some((f) => f.name === 'methodType' && f.value === methodType))
      return fields.find((f) => f.name === 'id')!.value;
  }
  throw new Error(`no ${methodType} option`);
}

/** One complete sign-in; the counts of each step, taken once its response arrived. */
async function signIn(server: TestServer, clientId: string, scenario: Scenario): Promise<Table> {
  const { user, password } = await server.createUser();
  await settle();
  takeCounts();
  const table: Table = [];
  const step = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const result = await work();
    table.push({ step: name, ...takeCounts() });
    return result;
  };
  const ok = (res: { status: number; body: unknown }) => {
    if (res.status !== 200) throw new Error(`HTTP ${res.status} ${JSON.stringify(res.body)}`);
  };
  const idx = new IdxConversation(server.url, clientId);
  const interaction = await step('interact', () => idx.interact());
  await step('introspect', () => idx.introspect(interaction.interactionHandle).then(ok));
  if (scenario === 'password-one-step') {
    await step('identify', () =>
      idx.submit('identify', { identifier: user.login, credentials: { passcode: password } }).then(ok),
    );
  } else {
    await step('identify', () => idx.submit('identify', { identifier: user.login }).then(ok));
    const methodType = scenario === 'email-otp' ? 'email' : 'password';
    const id = await optionId(idx, methodType);
    await step('challenge', () =>
      idx.submit('select-authenticator-authenticate', { authenticator: { id, methodType } }).then(ok),
    );
    let passcode = password;
    if (scenario === 'email-otp') {
      const mail = await step('(mailbox read)', async () => {
        const res = await fetch(
          `${server.url}/dev/mailbox/api/messages?to=${encodeURIComponent(user.email)}`,
        );
        return (await res.json()) as Array<{ subject: string }>;
      });
      passcode = /\b(\d{6})\b/.exec(mail[0]!.subject)![1]!;
    }
    await step('answer', () => idx.submit('challenge-authenticator', { credentials: { passcode } }).then(ok));
  }
  const code = idx.interactionCode();
  await step('token', async () => {
    const res = await idx.exchange(interaction, code);
    if (res.status !== 200) throw new Error(`token: HTTP ${res.status}`);
  });
  await settle();
  table.push({ step: '(after the flow)', ...takeCounts() });
  return table;
}

function format(database: string, scenario: string, table: Table): string {
  const rows = table.map(
    (r) =>
      `| ${r.step} | ${r.statements} | ${r.reads} | ${r.writes} | ${r.autocommitWrites} | ${r.transactions} | ${r.commits} | ${r.counterCommits} |`,
  );
  const total = table.filter((r) => !r.step.startsWith('(mailbox'));
  const sum = (k: keyof StatementCounts) => total.reduce((a, r) => a + r[k], 0);
  rows.push(
    `| **flow** (without the mailbox read) | ${sum('statements')} | ${sum('reads')} | ${sum('writes')} | ${sum('autocommitWrites')} | ${sum('transactions')} | ${sum('commits')} | ${sum('counterCommits')} |`,
  );
  return [
    `${scenario} on ${database}`,
    '| step | statements | reads | writes | autocommit writes | transactions | commits | of which counters |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...rows,
  ].join('\n');
}

/** Limits out of the way of other test runs that share the Redis server's per-IP keys. */
const HIGH = { limit: 1_000_000_000, windowSeconds: 600 };

describe.each<[TestDatabaseKind, 'database' | 'Redis']>([
  ['sqlite', 'database'],
  ['postgres', 'database'],
  ['postgres', 'Redis'],
])('statements and commits per IDX step (%s, counters in the %s)', (database, counters) => {
  let server: TestServer;
  const apps: Record<Scenario, string> = {} as never;
  const label = counters === 'Redis' ? `${database} (counters in Redis)` : database;
  beforeAll(async () => {
    const rateLimits =
      counters === 'Redis'
        ? {
            redisUrl: 'redis://127.0.0.1:6379',
            challengePerIp: HIGH,
            answerPerIp: HIGH,
            emailPerRecipient: HIGH,
          }
        : {};
    server = await startTestServer({
      database,
      config: { log: { level: process.env.GATEHOUSE_TEST_LOG ?? 'silent' }, rateLimits } as never,
    });
    apps['email-otp'] = (
      await server.createApp({
        policy: { factors: 'email', identifierFirst: true, selfServiceRecovery: true },
      })
    ).app.clientId;
    apps['password-one-step'] = (await server.createApp({ policy: { factors: 'password' } })).app.clientId;
    apps['password-identifier-first'] = (
      await server.createApp({ policy: { factors: 'password', identifierFirst: true } })
    ).app.clientId;
  });
  afterAll(() => server?.close());

  for (const scenario of ['email-otp', 'password-one-step', 'password-identifier-first'] as const) {
    it(`${scenario}: counts each step`, async () => {
      await signIn(server, apps[scenario], scenario); // warm: the app is cached once found
      const table = await signIn(server, apps[scenario], scenario);
      if (process.env.GATEHOUSE_PRINT_COUNTS) console.log(format(label, scenario, table));
      expect(table.find((r) => r.step === 'token')!.commits).toBeGreaterThan(0);
      // One commit per IDX step; a password answer two: the attempt is claimed (and committed)
      // before argon2 runs, so that no transaction is held while it hashes.
      const passwordStep = scenario === 'password-one-step' ? 'identify' : 'answer';
      const steps = table.filter((r) => ['identify', 'challenge', 'answer'].includes(r.step));
      for (const row of steps) {
        const expected = scenario !== 'email-otp' && row.step === passwordStep ? 2 : 1;
        expect(row.commits - row.counterCommits, row.step).toBe(expected);
        // On SQLite the counters are in the step's transaction; in Redis the database has none.
        if (database === 'sqlite' || counters === 'Redis') expect(row.counterCommits, row.step).toBe(0);
      }
      if (scenario === 'email-otp' && counters === 'database' && database === 'postgres') {
        // Choosing Email counts the address and the recipient; answering, the address.
        expect(steps.map((r) => r.counterCommits)).toEqual([0, 2, 1]);
      }
    });
  }
});
