import type { IdxField, IdxResponse } from '@gatehouse/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/storage/apps-store.js';
import type { User } from '../../src/storage/users-store.js';
import { type HttpResult, IdxConversation } from '../support/idx-client.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/**
 * Uniform answers (docs/security.md G7, G8, I1): an unknown user, a known user with a wrong password, a
 * locked user and a suspended user must be indistinguishable over IDX — status, headers, JSON
 * shape, remediations, messages — and the unknown-user path must cost an argon2 verify too.
 */

const IDENTIFIER_FIRST = { factors: 'password', identifierFirst: true, selfServiceRecovery: true } as const;
/** Headers whose values legitimately differ per response. */
const VOLATILE_HEADERS = new Set(['date', 'x-request-id', 'keep-alive', 'connection']);

type Kind = 'unknown' | 'wrongPassword' | 'locked' | 'suspended' | 'deprovisioned';
const KINDS: Kind[] = ['unknown', 'wrongPassword', 'locked', 'suspended', 'deprovisioned'];

interface Account {
  identifier: string;
  /** The password to try: the real one for refused accounts, a wrong one for `wrongPassword`. */
  passcode: string;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Replaces what may differ between two accounts' responses (handles, times, the identifier
 * echoed back, derived ids) with placeholders after checking each has the expected shape.
 */
function normalize(body: IdxResponse, identifier: string): unknown {
  const text = JSON.stringify(body);
  const handle = body.stateHandle;
  let out = text;
  if (handle) out = out.split(handle).join('<stateHandle>');
  if (body.expiresAt) out = out.split(body.expiresAt).join('<expiresAt>');
  out = out.split(JSON.stringify(identifier).slice(1, -1)).join('<identifier>');
  const parsed = JSON.parse(out) as IdxResponse;
  if (parsed.user) {
    expect(parsed.user.value.id).toMatch(/^00u[0-9a-z]{17}$/);
    parsed.user.value.id = '<userId>';
  }
  for (const enrollment of [
    ...(parsed.authenticatorEnrollments?.value ?? []),
    ...(parsed.currentAuthenticatorEnrollment ? [parsed.currentAuthenticatorEnrollment.value] : []),
  ]) {
    expect(enrollment.id).toMatch(/^lae[A-Za-z0-9]{17}$/);
    enrollment.id = '<enrollmentId>';
  }
  return parsed;
}

function headerNames(res: HttpResult<unknown>): string[] {
  return [...res.headers.keys()].filter((name) => !VOLATILE_HEADERS.has(name)).sort();
}

/** Asserts that responses for all kinds look the same to a client (G7/I1). */
function expectUniform(results: Map<Kind, { res: HttpResult<IdxResponse>; identifier: string }>) {
  const [first, ...rest] = [...results.entries()];
  const [firstKind, reference] = first!;
  const expected = normalize(reference.res.body, reference.identifier);
  for (const [kind, { res, identifier }] of rest) {
    const label = `${kind} vs ${firstKind}`;
    expect(res.status, label).toBe(reference.res.status);
    expect(headerNames(res), label).toEqual(headerNames(reference.res));
    expect(res.headers.get('content-type'), label).toBe(reference.res.headers.get('content-type'));
    expect(normalize(res.body, identifier), label).toEqual(expected);
  }
}

function optionsOf(body: IdxResponse) {
  const select = body.remediation?.value.find((f) => f.name === 'select-authenticator-authenticate');
  return (select?.value.find((f) => f.name === 'authenticator')?.options ?? []).map((o) => ({
    label: o.label,
    relatesTo: o.relatesTo,
    id: (o.value as { form: { value: IdxField[] } }).form.value.find((f) => f.name === 'id')?.value as string,
  }));
}

describe('uniform answers for unknown, wrong-password, locked and suspended accounts', () => {
  let server: TestServer;
  let oneStep: App;
  let identifierFirst: App;
  const accounts = {} as Record<Kind, Account>;
  let known: { user: User; password: string };

  beforeAll(async () => {
    // A high lockout threshold so the timing samples below do not lock the known user.
    // This suite compares answers, not throttles: the lock and the failed-sign-in limits stay out of the way.
    server = await startTestServer({
      config: {
        lockout: { maxFailedAttempts: 100 },
        rateLimits: { failedSignInPerIp: { limit: 10_000 }, failedSignInPerAccount: { limit: 10_000 } },
      },
    });
    ({ app: oneStep } = await server.createApp());
    ({ app: identifierFirst } = await server.createApp({ policy: IDENTIFIER_FIRST }));
    known = await server.createUser();
    const locked = await server.createUser();
    const suspended = await server.createUser();
    const deprovisioned = await server.createUser();
    await server.services.users.setStatus(locked.user, 'LOCKED_OUT');
    await server.services.users.setStatus(suspended.user, 'SUSPENDED');
    await server.services.users.setStatus(deprovisioned.user, 'DEPROVISIONED');
    accounts.unknown = { identifier: 'nobody-here@example.com', passcode: 'a-password-for-nobody' };
    accounts.wrongPassword = { identifier: known.user.login, passcode: `${known.password}-wrong` };
    accounts.locked = { identifier: locked.user.login, passcode: locked.password };
    accounts.suspended = { identifier: suspended.user.login, passcode: suspended.password };
    accounts.deprovisioned = { identifier: deprovisioned.user.login, passcode: deprovisioned.password };
  });
  afterAll(() => server.close());

  async function started(app: App) {
    const idx = new IdxConversation(server.url, app.clientId);
    const res = await idx.introspect((await idx.interact()).interactionHandle);
    expect(res.status).toBe(200);
    return idx;
  }

  /** Identifier-first up to the password challenge for `identifier`. */
  async function atChallenge(identifier: string) {
    const idx = await started(identifierFirst);
    const select = await idx.submit('identify', { identifier });
    const [option] = optionsOf(select.body);
    const challenge = await idx.submit('select-authenticator-authenticate', {
      authenticator: { id: option!.id },
    });
    return { idx, select, challenge };
  }

  it('one-step identify: same status, headers, body and message for every kind', async () => {
    const results = new Map<Kind, { res: HttpResult<IdxResponse>; identifier: string }>();
    for (const kind of KINDS) {
      const { identifier, passcode } = accounts[kind];
      const idx = await started(oneStep);
      const res = await idx.submit('identify', { identifier, credentials: { passcode } });
      expect(res.status, kind).toBe(401);
      expect(
        res.body.messages?.value.map((m) => m.i18n.key),
        kind,
      ).toEqual(['errors.E0000004']);
      expect(
        res.body.remediation?.value.map((f) => f.name),
        kind,
      ).toEqual(['identify']);
      results.set(kind, { res, identifier });
    }
    expectUniform(results);
  });

  it('identifier-first: select, challenge and wrong answer look the same for every kind', async () => {
    const selects = new Map<Kind, { res: HttpResult<IdxResponse>; identifier: string }>();
    const challenges = new Map<Kind, { res: HttpResult<IdxResponse>; identifier: string }>();
    const answers = new Map<Kind, { res: HttpResult<IdxResponse>; identifier: string }>();
    for (const kind of KINDS) {
      const { identifier, passcode } = accounts[kind];
      const { idx, select, challenge } = await atChallenge(identifier);
      expect(select.status, kind).toBe(200);
      expect(
        select.body.remediation?.value.map((f) => f.name),
        kind,
      ).toEqual(['select-authenticator-authenticate']);
      expect(select.body.user?.value.identifier, kind).toBe(identifier);
      expect(challenge.status, kind).toBe(200);
      expect(challenge.body.remediation?.value[0]?.name, kind).toBe('challenge-authenticator');
      const answer = await idx.submit('challenge-authenticator', { credentials: { passcode } });
      expect(answer.status, kind).toBe(401);
      expect(
        answer.body.messages?.value.map((m) => m.i18n.key),
        kind,
      ).toEqual(['incorrectPassword']);
      selects.set(kind, { res: select, identifier });
      challenges.set(kind, { res: challenge, identifier });
      answers.set(kind, { res: answer, identifier });
    }
    // Same option labels and authenticator ids; enrolment ids of the same shape (checked in normalize).
    const unknownOptions = optionsOf(selects.get('unknown')!.res.body);
    expect(unknownOptions.map((o) => o.label)).toEqual(['Password']);
    for (const kind of KINDS) expect(optionsOf(selects.get(kind)!.res.body), kind).toEqual(unknownOptions);
    expectUniform(selects);
    expectUniform(challenges);
    expectUniform(answers);
  });

  it('derived ids for an unknown identifier are stable and differ between identifiers', async () => {
    const a1 = await atChallenge('ghost-a@example.com');
    const a2 = await atChallenge('GHOST-A@example.com');
    const b = await atChallenge('ghost-b@example.com');
    const id = (r: { select: HttpResult<IdxResponse> }) => r.select.body.user?.value.id;
    const enrollment = (r: { select: HttpResult<IdxResponse> }) =>
      r.select.body.authenticatorEnrollments?.value[0]?.id;
    // A stable answer for the same account (as for a real user), distinct between accounts.
    expect(id(a1)).toBe(id(a2));
    expect(enrollment(a1)).toBe(enrollment(a2));
    expect(id(a1)).not.toBe(id(b));
    expect(enrollment(a1)).not.toBe(enrollment(b));
    // A known user's ids do not collide with a derived one either.
    const real = await atChallenge(known.user.login);
    expect(id(real)).toBe(known.user.id);
  });

  /**
   * G8, loosely (a 2-core VM is noisy): medians of interleaved samples. Without a dummy argon2
   * verify the unknown-user path takes a few ms against tens of ms for a real verify.
   */
  async function compareTimings(sample: (kind: 'unknown' | 'known') => Promise<number>) {
    // Warm-up: the first unknown-user request also creates the dummy hash.
    await sample('unknown');
    await sample('known');
    const times = { unknown: [] as number[], known: [] as number[] };
    for (let i = 0; i < 15; i++) {
      const order: Array<'unknown' | 'known'> = i % 2 ? ['unknown', 'known'] : ['known', 'unknown'];
      for (const kind of order) times[kind].push(await sample(kind));
    }
    const unknown = median(times.unknown);
    const knownMedian = median(times.known);
    const detail = `unknown median ${unknown.toFixed(1)} ms, known median ${knownMedian.toFixed(1)} ms`;
    expect(unknown, detail).toBeGreaterThanOrEqual(knownMedian * 0.5);
    expect(unknown, detail).toBeLessThanOrEqual(knownMedian * 2 + 20);
  }

  it('one-step timing: unknown-user median is close to the wrong-password median', async () => {
    const conversations = { unknown: await started(oneStep), known: await started(oneStep) };
    const sample = async (kind: 'unknown' | 'known') => {
      const account = kind === 'unknown' ? accounts.unknown : accounts.wrongPassword;
      const t0 = performance.now();
      const res = await conversations[kind].submit('identify', {
        identifier: account.identifier,
        credentials: { passcode: account.passcode },
      });
      const elapsed = performance.now() - t0;
      expect(res.status).toBe(401);
      return elapsed;
    };
    await compareTimings(sample);
  });

  it('identifier-first timing: answering for an unknown user costs like a wrong password', async () => {
    const conversations = {
      unknown: (await atChallenge(accounts.unknown.identifier)).idx,
      known: (await atChallenge(accounts.wrongPassword.identifier)).idx,
    };
    const sample = async (kind: 'unknown' | 'known') => {
      const t0 = performance.now();
      const res = await conversations[kind].submit('challenge-authenticator', {
        credentials: { passcode: 'definitely-not-the-password' },
      });
      const elapsed = performance.now() - t0;
      expect(res.status).toBe(401);
      return elapsed;
    };
    await compareTimings(sample);
  });
});
