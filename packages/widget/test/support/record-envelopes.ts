/**
 * Records the IDX envelopes a real Gatehouse answers along the widget's flows, normalised
 * (origin, handles, ids, times) so they can be stored as fixtures and compared run after run.
 */
import type { IdxResponse } from '@gatehouse/protocol';
import { IdxConversation, postJson } from '../../../server/test/support/idx-client.js';
import type { TestServer } from '../../../server/test/support/test-server.js';

export interface Recorded {
  status: number;
  body: IdxResponse;
}

export const FIXTURE_ORIGIN = 'https://id.example.test';
export const FIXTURE_LOGIN = 'ada.lovelace@example.com';

function normalize(recorded: Recorded, server: TestServer, clientIds: string[]): Recorded {
  let text = JSON.stringify(recorded).replaceAll(server.url, FIXTURE_ORIGIN);
  for (const id of clientIds) text = text.replaceAll(id, '0oaTestClient');
  text = text
    .replace(/"stateHandle":"[^"]+"/g, '"stateHandle":"02stateHandle"')
    .replace(/"value":"02[^"]+"/g, '"value":"02stateHandle"')
    .replace(/"expiresAt":"[^"]+"/g, '"expiresAt":"2030-01-01T00:00:00.000Z"')
    .replace(/"(eae|pwd|lae)[A-Za-z0-9]{6,}"/g, '"$1Enrollment"')
    .replace(/"id":"00u[A-Za-z0-9]+"/g, '"id":"00uUser"')
    .replace(/"label":"Test app \d+"/g, '"label":"Example App"')
    .replace(/("name":"interaction_code","required":true,"value":")[^"]+"/g, '$1interaction-code"');
  return JSON.parse(text) as Recorded;
}

async function latestCode(server: TestServer, to: string): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const res = await fetch(`${server.url}/dev/mailbox/api/messages?to=${encodeURIComponent(to)}`);
    const [newest] = (await res.json()) as Array<{ text: string }>;
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

  for (const [name, recorded] of Object.entries(out)) out[name] = normalize(recorded, server, clientIds);
  return out;
}
