/**
 * Captures real IDX envelopes from a running Gatehouse into test/fixtures/idx/*.json (the parsing
 * unit tests read them). Run from the repository root:
 *   npx vitest run --config packages/sdk/scripts/capture.vitest.config.ts
 * Origins, handles and expiry times are replaced by fixed placeholders so the files are stable.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import type { IdxResponse } from '@gatehouse/protocol';
import { it } from 'vitest';
import { IdxConversation, postJson } from '../../server/test/support/idx-client.js';
import { startTestServer, type TestServer } from '../../server/test/support/test-server.js';

const out = new URL('../test/fixtures/idx/', import.meta.url);

function save(name: string, status: number, body: IdxResponse, server: TestServer) {
  const text = JSON.stringify({ status, body }, null, 2)
    .replaceAll(server.url, 'http://127.0.0.1:4455')
    .replace(/"stateHandle": "[^"]+"/g, '"stateHandle": "02stateHandle"')
    .replace(/"value": "02[^"]+"/g, '"value": "02stateHandle"')
    .replace(/"expiresAt": "[^"]+"/g, '"expiresAt": "2030-01-01T00:00:00.000Z"');
  writeFileSync(new URL(`${name}.json`, out), `${text}\n`);
}

async function latestCode(server: TestServer, to: string, subject = /reset|password/i): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const res = await fetch(`${server.url}/dev/mailbox/api/messages?to=${encodeURIComponent(to)}`);
    const [latest] = (await res.json()) as Array<{ text: string; subject: string }>;
    if (latest && subject.test(latest.subject)) return /\b(\d{6})\b/.exec(latest.text)![1]!;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no recovery email for ${to}`);
}

function optionId(body: IdxResponse, key: string, form = 'select-authenticator-authenticate'): string {
  const select = body.remediation!.value.find((r) => r.name === form)!;
  const field = select.value.find((f) => f.name === 'authenticator')!;
  const refs = { ...body } as Record<string, { value: Array<{ key: string; id: string }> }>;
  for (const option of field.options!) {
    const m = /^\$\.(\w+)\.value\[(\d+)\]$/.exec(option.relatesTo!)!;
    const target = refs[m[1]!]!.value[Number(m[2])]!;
    if (target.key === key) {
      const form = (option.value as { form: { value: Array<{ name: string; value: string }> } }).form;
      return form.value.find((f) => f.name === 'id')!.value;
    }
  }
  throw new Error(`no option ${key}`);
}

it('captures IDX envelopes', async () => {
  const server = await startTestServer();
  try {
    mkdirSync(out, { recursive: true });
    const { user, password } = await server.createUser({ login: 'ada@example.com' });

    // One-step password sign-in: identify with credentials, wrong password, success.
    const oneStep = await server.createApp({ policy: { factors: 'password', identifierFirst: false } });
    let idx = new IdxConversation(server.url, oneStep.app.clientId);
    let interaction = await idx.interact();
    let r = await idx.introspect(interaction.interactionHandle);
    save('identify-one-step', r.status, r.body, server);
    r = await idx.submit('identify', {
      identifier: user.login,
      credentials: { passcode: 'wrong-password-1' },
    });
    save('identify-one-step-error', r.status, r.body, server);
    r = await idx.submit('identify', { identifier: user.login, credentials: { passcode: password } });
    save('success', r.status, r.body, server);
    r = await idx.introspect(interaction.interactionHandle);
    save('transferred', r.status, r.body, server);

    // Identifier-first with password + email.
    const both = await server.createApp({ policy: { factors: 'password+email', identifierFirst: true } });
    idx = new IdxConversation(server.url, both.app.clientId);
    interaction = await idx.interact();
    r = await idx.introspect(interaction.interactionHandle);
    save('identify-identifier-first', r.status, r.body, server);
    r = await idx.submit('identify', { identifier: user.login });
    save(`select-after-identify`, r.status, r.body, server);
    if (r.body.remediation?.value[0]?.name === 'select-authenticator-authenticate') {
      r = await idx.submit('select-authenticator-authenticate', {
        authenticator: { id: optionId(r.body, 'okta_password') },
      });
    }
    save('challenge-password', r.status, r.body, server);
    r = await idx.submit('challenge-authenticator', { credentials: { passcode: 'wrong-password-2' } });
    save('challenge-password-error', r.status, r.body, server);
    r = await idx.submit('challenge-authenticator', { credentials: { passcode: password } });
    save('select-email', r.status, r.body, server);
    if (r.body.remediation?.value[0]?.name === 'select-authenticator-authenticate') {
      r = await idx.submit('select-authenticator-authenticate', {
        authenticator: { id: optionId(r.body, 'okta_email') },
      });
    }
    save('challenge-email', r.status, r.body, server);
    r = await idx.submit('challenge-authenticator', { credentials: { passcode: 'abc' } });
    save('challenge-email-error', r.status, r.body, server);
    r = await postJson(r.body.cancel!.href, { stateHandle: r.body.stateHandle });
    save('cancel', r.status, r.body, server);

    // Recovery: recover → identify-recovery → select (Email) → challenge → reset.
    const rec = await server.createApp({ policy: { factors: 'password', identifierFirst: false } });
    idx = new IdxConversation(server.url, rec.app.clientId);
    interaction = await idx.interact();
    r = await idx.introspect(interaction.interactionHandle);
    idx.last = await postJson(r.body.currentAuthenticator!.value.recover!.href, {
      stateHandle: r.body.stateHandle,
    });
    r = idx.last;
    save('identify-recovery', r.status, r.body, server);
    r = await idx.submit('identify-recovery', { identifier: user.login });
    save('select-recovery', r.status, r.body, server);
    r = await idx.submit('select-authenticator-authenticate', {
      authenticator: { id: optionId(r.body, 'okta_email') },
    });
    save('challenge-email-recovery', r.status, r.body, server);
    r = await idx.submit('challenge-authenticator', {
      credentials: { passcode: await latestCode(server, user.email) },
    });
    save('reset-authenticator', r.status, r.body, server);
    r = await idx.submit('reset-authenticator', { credentials: { passcode: 'short' } });
    save('reset-authenticator-error', r.status, r.body, server);

    // Self-service registration (reveal mode, a custom attribute, email then an optional password).
    const signUp = await server.createApp({
      policy: {
        factors: 'email|password',
        registration: {
          existingEmail: 'reveal',
          attributes: [{ name: 'favoriteColor', label: 'Favorite color', type: 'string', required: false }],
        },
        selfServiceUnlock: true,
      },
    });
    idx = new IdxConversation(server.url, signUp.app.clientId);
    interaction = await idx.interact();
    r = await idx.introspect(interaction.interactionHandle);
    save('identify-sign-up', r.status, r.body, server);
    r = await idx.submit('select-enroll-profile', {});
    save('enroll-profile', r.status, r.body, server);
    r = await idx.submit('enroll-profile', {
      userProfile: { firstName: 'Ada', lastName: 'Lovelace', email: user.email },
    });
    save('enroll-profile-error', r.status, r.body, server);
    const newcomer = 'grace@example.com';
    r = await idx.submit('enroll-profile', {
      userProfile: { firstName: 'Grace', lastName: 'Hopper', email: newcomer },
    });
    save('select-enroll-email', r.status, r.body, server);
    r = await idx.submit('select-authenticator-enroll', {
      authenticator: { id: optionId(r.body, 'okta_email', 'select-authenticator-enroll') },
    });
    save('enroll-email', r.status, r.body, server);
    r = await idx.submit('enroll-authenticator', {
      credentials: { passcode: await latestCode(server, newcomer, /confirm/i) },
    });
    save('select-enroll-optional', r.status, r.body, server);

    // Self-service unlock: the form (identifier + authenticator).
    idx = new IdxConversation(server.url, signUp.app.clientId);
    interaction = await idx.interact();
    await idx.introspect(interaction.interactionHandle);
    r = await idx.submit('unlock-account', {});
    save('unlock-account', r.status, r.body, server);

    // Expired transaction.
    r = await postJson(`${server.url}/idp/idx/introspect`, { interactionHandle: 'nope' });
    save('session-expired', r.status, r.body, server);
    console.log('captured into', out.pathname);
  } finally {
    await server.close();
  }
});
