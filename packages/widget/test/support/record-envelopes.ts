/**
 * Records the IDX envelopes a real Gatehouse answers along the widget's flows, normalised
 * (origin, handles, ids, times, a rate limit's wait) so they can be stored as fixtures and
 * compared run after run.
 */
import type { IdxResponse } from '@gatehouse/protocol';
import { IdxConversation, postJson } from '../../../server/test/support/idx-client.js';
import type { TestServer } from '../../../server/test/support/test-server.js';
import { normalizeSecondFactors, recordSecondFactors } from './record-second-factors.js';

export interface Recorded {
  status: number;
  body: IdxResponse;
}

export const FIXTURE_ORIGIN = 'https://id.example.test';
export const FIXTURE_LOGIN = 'ada.lovelace@example.com';
/** Who signs up in the recorded sign-ups (a required password, then an optional one). */
export const FIXTURE_SIGN_UP = 'grace.hopper@example.com';
export const FIXTURE_SIGN_UP_OPTIONAL = 'katherine.johnson@example.com';
/** Who is locked out and unlocks. */
export const FIXTURE_LOCKED = 'alan.turing@example.com';

function normalize(recorded: Recorded, server: TestServer, clientIds: string[]): Recorded {
  let text = JSON.stringify(recorded).replaceAll(server.url, FIXTURE_ORIGIN);
  for (const id of clientIds) text = text.replaceAll(id, '0oaTestClient');
  text = text
    .replace(/"stateHandle":"[^"]+"/g, '"stateHandle":"02stateHandle"')
    .replace(/"value":"02[^"]+"/g, '"value":"02stateHandle"')
    .replace(/"expiresAt":"[^"]+"/g, '"expiresAt":"2030-01-01T00:00:00.000Z"')
    // A rate limit's wait counts down from the send (30 s, 29 s on a slow run): only its form is kept.
    .replace(/Try again in \d+ seconds\./g, 'Try again in 30 seconds.')
    .replace(/"params":\["\d+ seconds"\]/g, '"params":["30 seconds"]')
    .replace(/"(eae|pwd|lae)[A-Za-z0-9]{6,}"/g, '"$1Enrollment"')
    .replace(/"id":"00u[A-Za-z0-9]+"/g, '"id":"00uUser"')
    .replace(/"label":"Test app \d+"/g, '"label":"Example App"')
    .replace(/("name":"interaction_code","required":true,"value":")[^"]+"/g, '$1interaction-code"');
  return JSON.parse(text) as Recorded;
}

/** The code of the newest email to `to`, once there are `count` of them. */
async function latestCode(server: TestServer, to: string, count = 1): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const res = await fetch(`${server.url}/dev/mailbox/api/messages?to=${encodeURIComponent(to)}`);
    const messages = (await res.json()) as Array<{ text: string }>;
    const newest = messages.length >= count ? messages[0] : undefined;
    const otp = newest && /[?&]otp=(\d{6})\b/.exec(newest.text)?.[1];
    if (otp) return otp;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no email for ${to}`);
}

function optionId(body: IdxResponse, label: string): string {
  const field = body.remediation?.value[0]?.value.find((f) => f.name === 'authenticator');
  const option = field?.options?.find((o) => o.label === label);
  const id = (
    option?.value as { form: { value: Array<{ name: string; value: string }> } } | undefined
  )?.form.value.find((f) => f.name === 'id')?.value;
  if (!id) throw new Error(`no ${label} option in ${JSON.stringify(body)}`);
  return id;
}

const wrong = (code: string, offset = 1) => String((Number(code) + offset) % 1_000_000).padStart(6, '0');

/** Walks every flow the widget renders and returns the envelopes by fixture name. */
export async function recordEnvelopes(server: TestServer): Promise<Record<string, Recorded>> {
  const out: Record<string, Recorded> = {};
  const clientIds: string[] = [];
  const { user, password } = await server.createUser({
    login: FIXTURE_LOGIN,
    firstName: 'Ada',
    lastName: 'Lovelace',
  });
  const save = (name: string, result: Recorded) => {
    out[name] = { status: result.status, body: result.body };
  };
  const app = async (policy: {
    factors: 'password' | 'password+email' | 'email';
    identifierFirst: boolean;
  }) => {
    const { app } = await server.createApp({ policy: { ...policy, selfServiceRecovery: true } });
    clientIds.push(app.clientId);
    return app;
  };

  // One-step password sign-in.
  const oneStep = await app({ factors: 'password', identifierFirst: false });
  let idx = new IdxConversation(server.url, oneStep.clientId);
  let interaction = await idx.interact();
  save('identify-password', await idx.introspect(interaction.interactionHandle));
  save(
    'identify-password-error',
    await idx.submit('identify', { identifier: user.login, credentials: { passcode: 'not-the-password' } }),
  );
  save(
    'success',
    await idx.submit('identify', { identifier: user.login, credentials: { passcode: password } }),
  );
  save('transferred', await idx.introspect(interaction.interactionHandle));
  save(
    'session-expired',
    await postJson(`${server.url}/idp/idx/introspect`, { interactionHandle: 'no-such-handle' }),
  );

  // Identifier first, password then email.
  const both = await app({ factors: 'password+email', identifierFirst: true });
  idx = new IdxConversation(server.url, both.clientId);
  interaction = await idx.interact();
  save('identify', await idx.introspect(interaction.interactionHandle));
  let r = await idx.submit('identify', { identifier: user.login });
  save('select-authenticator', r);
  r = await idx.submit('select-authenticator-authenticate', {
    authenticator: { id: optionId(r.body, 'Password') },
  });
  save('challenge-password', r);
  save(
    'challenge-password-error',
    await idx.submit('challenge-authenticator', { credentials: { passcode: 'nope' } }),
  );
  r = await idx.submit('challenge-authenticator', { credentials: { passcode: password } });
  save('select-email', r);
  r = await idx.submit('select-authenticator-authenticate', {
    authenticator: { id: optionId(r.body, 'Email') },
  });
  save('challenge-email', r);
  const code = await latestCode(server, user.email);
  save(
    'challenge-email-error',
    await idx.submit('challenge-authenticator', { credentials: { passcode: wrong(code) } }),
  );
  const resend = r.body.currentAuthenticatorEnrollment!.value.resend!;
  save('challenge-email-resend-throttled', await postJson(resend.href, { stateHandle: r.body.stateHandle }));
  // A request the step does not allow: an error body without a form.
  save(
    'step-not-allowed',
    await postJson(`${server.url}/idp/idx/identify`, {
      identifier: user.login,
      stateHandle: r.body.stateHandle,
    }),
  );
  for (let i = 2; i <= 5; i++)
    r = await idx.submit('challenge-authenticator', { credentials: { passcode: wrong(code, i) } });
  save('challenge-locked', r);

  // Recovery from the identify page.
  idx = new IdxConversation(server.url, oneStep.clientId);
  interaction = await idx.interact();
  r = await idx.introspect(interaction.interactionHandle);
  r = await postJson(r.body.currentAuthenticator!.value.recover!.href, { stateHandle: r.body.stateHandle });
  idx.last = r;
  save('identify-recovery', r);
  r = await idx.submit('identify-recovery', { identifier: user.login });
  save('select-recovery', r);
  r = await idx.submit('select-authenticator-authenticate', {
    authenticator: { id: optionId(r.body, 'Email') },
  });
  save('challenge-email-recovery', r);
  r = await idx.submit('challenge-authenticator', {
    credentials: { passcode: await latestCode(server, user.email) },
  });
  save('reset-authenticator', r);
  save(
    'reset-authenticator-error',
    await idx.submit('reset-authenticator', { credentials: { passcode: 'short' } }),
  );

  await recordSelfService(server, save, clientIds);
  await recordSecondFactors(server, save, clientIds);

  for (const [name, recorded] of Object.entries(out))
    out[name] = JSON.parse(
      await normalizeSecondFactors(JSON.stringify(normalize(recorded, server, clientIds))),
    ) as Recorded;
  return out;
}

/** Fails password sign-ins until the account is locked (the server's `lockout.maxFailedAttempts`). */
async function lockOut(server: TestServer, clientId: string, login: string): Promise<void> {
  const user = await server.services.storage.users.findByEmail(login);
  for (let i = 0; i < 100; i++) {
    const idx = new IdxConversation(server.url, clientId);
    await idx.introspect((await idx.interact()).interactionHandle);
    await idx.submit('identify', { identifier: login, credentials: { passcode: `wrong-${i}` } });
    const now = await server.services.storage.users.findById(user!.id);
    if ((now?.lockedUntil ?? 0) > server.clock.now()) return;
  }
  throw new Error(`${login} was not locked`);
}

/**
 * Sign-up (the profile with a custom and a boolean attribute, its errors, the email code, the
 * password the policy requires, an optional one with skip) and unlock (the form, the code, the
 * end, and the variant that goes on to sign in).
 */
async function recordSelfService(
  server: TestServer,
  save: (name: string, result: Recorded) => void,
  clientIds: string[],
): Promise<void> {
  const signUpApp = async (factors: string, extra: Record<string, unknown> = {}) => {
    const { app } = await server.createApp({
      policy: {
        factors,
        identifierFirst: false,
        selfServiceRecovery: true,
        selfServiceUnlock: true,
        registration: {
          existingEmail: 'reveal',
          attributes: [
            {
              name: 'favoriteColor',
              label: 'Favorite color',
              type: 'string',
              required: false,
              maxLength: 20,
            },
            { name: 'newsletter', label: 'Send me the newsletter', type: 'boolean', required: false },
          ],
        },
        ...extra,
      },
    });
    clientIds.push(app.clientId);
    return app;
  };
  const required = await signUpApp('password');
  let idx = new IdxConversation(server.url, required.clientId);
  let interaction = await idx.interact();
  save('identify-sign-up', await idx.introspect(interaction.interactionHandle));
  save('enroll-profile', await idx.submit('select-enroll-profile', {}));
  save(
    'enroll-profile-email-taken',
    await idx.submit('enroll-profile', {
      userProfile: { firstName: 'Grace', lastName: 'Hopper', email: FIXTURE_LOGIN },
    }),
  );
  save(
    'enroll-profile-error',
    await idx.submit('enroll-profile', {
      userProfile: { firstName: 'Grace', lastName: 'Hopper', email: 'grace.hopper' },
    }),
  );
  let r = await idx.submit('enroll-profile', {
    userProfile: { firstName: 'Grace', lastName: 'Hopper', email: FIXTURE_SIGN_UP, favoriteColor: 'teal' },
  });
  save('select-enroll-email', r);
  save(
    'enroll-email',
    await idx.submit('select-authenticator-enroll', { authenticator: { id: optionId(r.body, 'Email') } }),
  );
  const code = await latestCode(server, FIXTURE_SIGN_UP);
  save(
    'enroll-email-error',
    await idx.submit('enroll-authenticator', { credentials: { passcode: wrong(code) } }),
  );
  r = await idx.submit('enroll-authenticator', { credentials: { passcode: code } });
  save('select-enroll-password', r);
  save(
    'enroll-password',
    await idx.submit('select-authenticator-enroll', { authenticator: { id: optionId(r.body, 'Password') } }),
  );
  save(
    'enroll-password-error',
    await idx.submit('enroll-authenticator', { credentials: { passcode: 'abc' } }),
  );

  // What the policy leaves optional is offered with skip.
  const optional = await signUpApp('email|password');
  idx = new IdxConversation(server.url, optional.clientId);
  interaction = await idx.interact();
  await idx.introspect(interaction.interactionHandle);
  await idx.submit('select-enroll-profile', {});
  r = await idx.submit('enroll-profile', {
    userProfile: { firstName: 'Katherine', lastName: 'Johnson', email: FIXTURE_SIGN_UP_OPTIONAL },
  });
  await idx.submit('select-authenticator-enroll', { authenticator: { id: optionId(r.body, 'Email') } });
  save(
    'select-enroll-optional',
    await idx.submit('enroll-authenticator', {
      credentials: { passcode: await latestCode(server, FIXTURE_SIGN_UP_OPTIONAL) },
    }),
  );

  // Unlock: the form, the emailed code, the end.
  await server.createUser({ login: FIXTURE_LOCKED, firstName: 'Alan', lastName: 'Turing' });
  await lockOut(server, required.clientId, FIXTURE_LOCKED);
  idx = new IdxConversation(server.url, required.clientId);
  interaction = await idx.interact();
  await idx.introspect(interaction.interactionHandle);
  r = await idx.submit('unlock-account', {});
  save('unlock-account', r);
  r = await idx.submit('select-authenticator-unlock-account', {
    identifier: FIXTURE_LOCKED,
    authenticator: { id: optionId(r.body, 'Email') },
  });
  save('unlock-challenge', r);
  save(
    'unlocked',
    await idx.submit('challenge-authenticator', {
      credentials: { passcode: await latestCode(server, FIXTURE_LOCKED) },
    }),
  );

  // Unlock that goes on signing in (identifier first): the next step carries the INFO message.
  const landing = await signUpApp('password', { identifierFirst: true, signInAfterUnlock: true });
  await lockOut(server, required.clientId, FIXTURE_LOCKED);
  idx = new IdxConversation(server.url, landing.clientId);
  interaction = await idx.interact();
  await idx.introspect(interaction.interactionHandle);
  r = await idx.submit('unlock-account', {});
  await idx.submit('select-authenticator-unlock-account', {
    identifier: FIXTURE_LOCKED,
    authenticator: { id: optionId(r.body, 'Email') },
  });
  save(
    'unlocked-sign-in',
    await idx.submit('challenge-authenticator', {
      credentials: { passcode: await latestCode(server, FIXTURE_LOCKED, 2) },
    }),
  );
}
