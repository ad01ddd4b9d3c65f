// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are Velocity templates, whose syntax is ${…}
import type { IdxResponse } from '@gatehouse/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdxConversation } from '../support/idx-client.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { mailbox } from './email-helpers.js';

const optionId = (body: IdxResponse) =>
  (
    body.remediation!.value[0]!.value.find((f) => f.name === 'authenticator')!.options![0]!.value as {
      form: { value: Array<{ value: string }> };
    }
  ).form.value[0]!.value;

/**
 * The sign-up, "account exists" and unlock emails: Okta's variables, en/fr/de by Accept-Language,
 * and each one customisable like the others (docs/guides/email-templates.md).
 */
describe('sign-up and unlock email templates', () => {
  let server: TestServer;
  let clientId: string;

  beforeAll(async () => {
    server = await startTestServer({ config: { lockout: { maxFailedAttempts: 1 } } });
    ({
      app: { clientId },
    } = await server.createApp({
      name: 'Harbor Shop',
      loginUri: 'http://localhost:8080/login',
      policy: { registration: true, selfServiceUnlock: true },
    }));
  });
  afterAll(() => server?.close());

  async function open(language = 'en') {
    const idx = new IdxConversation(server.url, clientId);
    const interaction = await idx.interact();
    await idx.introspect(interaction.interactionHandle);
    const post = async (name: string, values: Record<string, unknown>) => {
      const form = idx.form(name);
      const res = await fetch(form.href, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'accept-language': language },
        body: JSON.stringify({ ...values, stateHandle: idx.last!.body.stateHandle }),
      });
      idx.last = { status: res.status, body: (await res.json()) as IdxResponse, headers: res.headers };
      return idx.last;
    };
    return { idx, interaction, post };
  }

  async function signUp(email: string, language = 'en') {
    const { interaction, post } = await open(language);
    await post('select-enroll-profile', {});
    const list = await post('enroll-profile', { userProfile: { firstName: 'Ada', lastName: 'L', email } });
    await post('select-authenticator-enroll', { authenticator: { id: optionId(list.body) } });
    return { interaction, mail: (await mailbox(server, email))[0]! };
  }

  it('the sign-up email carries the code and the app link with the state, in the asked language', async () => {
    const { interaction, mail } = await signUp('ada-en@example.com');
    const code = /\b(\d{6})\b/.exec(mail.text)![1]!;
    expect(mail.text).toContain(
      `http://localhost:8080/login/callback?otp=${code}&state=${interaction.state}`,
    );
    expect(mail.text).toContain('Ada');
    const fr = await signUp('ada-fr@example.com', 'fr-CA,fr;q=0.9');
    const de = await signUp('ada-de@example.com', 'de');
    expect(new Set([mail.subject, fr.mail.subject, de.mail.subject]).size).toBe(3);
  });

  it('a custom sign-up template gets ${oneTimePassword}, ${verificationLink}, ${request.relayState} and ${app.name}', async () => {
    await server.services.emailTemplates.set('default', 'registration-verification', 'en', {
      subject: 'Welcome to ${app.name}: ${oneTimePassword}',
      html: '<a href="${verificationLink}">Verify</a>',
      text: 'code=${oneTimePassword} state=${request.relayState} link=${registrationEmailVerificationLink}\n',
    });
    try {
      const { interaction, mail } = await signUp('custom@example.com');
      const code = /^Welcome to Harbor Shop: (\d{6})$/.exec(mail.subject)![1]!;
      expect(mail.text).toContain(
        `code=${code} state=${interaction.state} link=http://localhost:8080/login/callback?otp=${code}`,
      );
      expect(mail.html).toContain(`<a href="http://localhost:8080/login/callback?otp=${code}&amp;state=`);
    } finally {
      await server.services.emailTemplates.reset('default', 'registration-verification', 'en');
    }
  });

  it('"account exists" links to the app sign-in page and to its reset, with no code; customisable', async () => {
    const { user } = await server.createUser();
    const { mail } = await signUp(user.email);
    expect(mail.text).toContain('http://localhost:8080/login');
    expect(mail.text).toContain('http://localhost:8080/login?flow=resetPassword');
    expect(mail.text).not.toMatch(/\b\d{6}\b/);
    await server.services.emailTemplates.set('default', 'account-exists', 'en', {
      subject: 'You already have an account at ${app.name}',
      html: '<a href="${signInLink}">Sign in</a> <a href="${resetPasswordLink}">Reset</a>',
      text: 'sign in: ${signInLink} reset: ${resetPasswordLink}\n',
    });
    try {
      const second = await signUp(user.email);
      expect(second.mail.subject).toBe('You already have an account at Harbor Shop');
      expect(second.mail.text).toBe(
        'sign in: http://localhost:8080/login reset: http://localhost:8080/login?flow=resetPassword\n',
      );
    } finally {
      await server.services.emailTemplates.reset('default', 'account-exists', 'en');
    }
  });

  it('the unlock email carries ${oneTimePassword}/${recoveryToken} and ${unlockAccountLink}; customisable', async () => {
    const { user } = await server.createUser();
    const lock = await open();
    await lock.post('identify', { identifier: user.login, credentials: { passcode: 'wrong-password-here' } });
    await server.services.emailTemplates.set('default', 'unlock-account', 'en', {
      subject: 'Unlock ${oneTimePassword}',
      html: '<a href="${unlockAccountLink}">Unlock</a>',
      text: 'token=${recoveryToken} link=${unlockAccountLink}\n',
    });
    try {
      const { interaction, post } = await open();
      const form = await post('unlock-account', {});
      await post('select-authenticator-unlock-account', {
        identifier: user.login,
        authenticator: { id: optionId(form.body) },
      });
      const [mail] = await mailbox(server, user.email);
      const code = /^Unlock (\d{6})$/.exec(mail!.subject)![1]!;
      expect(mail!.text).toBe(
        `token=${code} link=http://localhost:8080/login/callback?otp=${code}&state=${interaction.state}\n`,
      );
    } finally {
      await server.services.emailTemplates.reset('default', 'unlock-account', 'en');
    }
  });
});
