import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openVerifyPage, revealCode, VERIFY_COOKIE } from '../support/email-verify-page.js';
import { IdxConversation } from '../support/idx-client.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import {
  action,
  answer,
  EMAIL_POLICY,
  HIGH_STEP_LIMITS,
  latestCode,
  mailbox,
  messageKeys,
  startEmailSignIn,
  wrongCode,
} from './email-helpers.js';

/** Every href of an HTML part, entity-decoded the way a mail client reads it. */
function hrefs(html: string): string[] {
  return [...html.matchAll(/href="([^"]*)"/g)].map((m) =>
    m[1]!.replaceAll('&amp;', '&').replaceAll('&quot;', '"').replaceAll('&#39;', "'"),
  );
}

describe('email magic link (docs/protocol/idx-protocol.md §9, docs/security.md F2, F4, F6–F8)', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({
      config: { rateLimits: HIGH_STEP_LIMITS },
    });
  });
  afterAll(() => server?.close());

  it('the email carries <emailVerifyUri>?otp=<code>&state=<interact state> in its text and HTML parts', async () => {
    const { app } = await server.createApp({ policy: EMAIL_POLICY });
    expect(app.emailVerifyUri).toBe('http://localhost:8080/login/callback');
    const { user } = await server.createUser();
    const { interaction, challenge } = await startEmailSignIn(server, app.clientId, user.login);
    expect(challenge.status).toBe(200);
    const [message] = await mailbox(server, user.email);
    const code = /\b(\d{6})\b/.exec(message!.subject)![1]!;
    const link = `http://localhost:8080/login/callback?otp=${code}&state=${interaction.state}`;
    expect(message!.text).toContain(link);
    expect(hrefs(message!.html)).toContain(link);
    // In HTML the separator is written as an entity, not as a bare "&".
    expect(message!.html).toContain(`otp=${code}&amp;state=${interaction.state}`);
    // The code is also written out for typing it.
    expect(message!.html).toMatch(new RegExp(`>\\s*${code}\\s*<`));
    expect((await answer(challenge.body, code)).status).toBe(200);
  });

  it('state and otp are URL-encoded in the link: an odd state comes back intact', async () => {
    const { app } = await server.createApp({ policy: EMAIL_POLICY });
    const { user } = await server.createUser();
    const idx = new IdxConversation(server.url, app.clientId);
    const state = 'a&b=c d"<x>#frag+plus/é';
    const interaction = await idx.interact({ state });
    await idx.introspect(interaction.interactionHandle);
    const select = await idx.submit('identify', { identifier: user.login });
    const id = select.body.remediation!.value[0]!.value[0]!.options![0]!.value as {
      form: { value: Array<{ name: string; value: string }> };
    };
    const challenge = await idx.submit('select-authenticator-authenticate', {
      authenticator: { id: id.form.value.find((f) => f.name === 'id')!.value },
    });
    expect(challenge.status).toBe(200);
    const [message] = await mailbox(server, user.email);
    const textLink = /(http:\/\/localhost:8080\/login\/callback\?\S+)/.exec(message!.text)![1]!;
    const htmlLink = hrefs(message!.html).find((h) => h.startsWith('http://localhost:8080/'))!;
    for (const link of [textLink, htmlLink]) {
      const url = new URL(link);
      expect(url.searchParams.get('state')).toBe(state);
      expect(url.searchParams.get('otp')).toMatch(/^\d{6}$/);
      expect([...url.searchParams.keys()].sort()).toEqual(['otp', 'state']);
      expect(url.hash).toBe('');
    }
    expect(message!.html).not.toContain('<x>');
  });

  describe('hosted page /email/verify (app without an email-verify URI)', () => {
    let clientId: string;
    beforeAll(async () => {
      const { app } = await server.createApp({ policy: EMAIL_POLICY, emailVerifyUri: undefined });
      expect(app.emailVerifyUri).toBeNull();
      clientId = app.clientId;
    });

    it('links to Gatehouse; GET offers a button, never the code; the POST shows it; HEAD, GET and POST consume nothing', async () => {
      const { user } = await server.createUser();
      const { interaction, challenge } = await startEmailSignIn(server, clientId, user.login);
      const [message] = await mailbox(server, user.email);
      const link = /(http:\/\/\S+\/email\/verify\?\S+)/.exec(message!.text)![1]!;
      const url = new URL(link);
      expect(`${url.origin}${url.pathname}`).toBe(`${server.url}/email/verify`);
      expect(url.searchParams.get('state')).toBe(interaction.state);
      const code = url.searchParams.get('otp')!;
      expect(code).toBe(await latestCode(server, user.email));
      expect(hrefs(message!.html)).toContain(link);

      // Four wrong answers: one more failure would end the challenge.
      for (let i = 1; i <= 4; i++)
        expect((await answer(challenge.body, wrongCode(code, i))).status).toBe(401);

      for (let i = 0; i < 3; i++) {
        const page = await openVerifyPage(link, { 'user-agent': 'Mozilla/5.0 (link scanner)' });
        expect(page.status).toBe(200);
        expect(page.headers.get('content-type')).toMatch(/^text\/html/);
        expect(page.headers.get('cache-control')).toBe('no-store');
        expect(page.headers.get('referrer-policy')).toBe('no-referrer');
        expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
        expect(page.text).not.toContain(code);
        expect(page.text).toContain('Show my code');
        expect(page.text).not.toMatch(/<script|<img|<link/i);
      }
      expect(await revealCode(link, code)).toContain(code);
      const head = await fetch(link, { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(head.headers.get('cache-control')).toBe('no-store');
      expect(head.headers.get('referrer-policy')).toBe('no-referrer');
      expect(await head.text()).toBe('');

      // Nothing changed: the challenge is pending, no email was sent, and the right code still works.
      const poll = await action(challenge.body, 'poll');
      expect(poll.status).toBe(200);
      expect(poll.body.remediation!.value[0]!.name).toBe('challenge-authenticator');
      expect(await mailbox(server, user.email)).toHaveLength(1);
      const done = await answer(challenge.body, code);
      expect(done.status).toBe(200);
      expect(done.body.successWithInteractionCode).toBeDefined();
    });

    it('a bad otp gets a 400 page that does not echo the payload', async () => {
      const payload = '<script>alert(1)</script>';
      for (const query of [
        `otp=${encodeURIComponent(payload)}&state=abc`,
        `otp=12345&state=abc`,
        `otp=123456&otp=654321&state=abc`,
        `state=${encodeURIComponent(payload)}`,
        `otp=${encodeURIComponent('123456"><svg onload=alert(1)>')}&state=x`,
      ]) {
        const page = await fetch(`${server.url}/email/verify?${query}`);
        expect(page.status, query).toBe(400);
        expect(page.headers.get('content-type')).toMatch(/^text\/html/);
        expect(page.headers.get('cache-control')).toBe('no-store');
        expect(page.headers.get('referrer-policy')).toBe('no-referrer');
        const body = await page.text();
        expect(body).not.toContain('<script');
        expect(body).not.toContain('<svg');
        expect(body).not.toContain('654321');
      }
    });

    it('the state in the link never reaches the page unescaped', async () => {
      const evil = `"><script>alert(1)</script>`;
      const link = `${server.url}/email/verify?otp=123456&state=${encodeURIComponent(evil)}`;
      const page = await openVerifyPage(link);
      expect(page.status).toBe(200);
      expect(page.text).not.toContain('<script');
      const shown = await revealCode(link, '123456');
      expect(shown).not.toContain('<script');
      expect(shown).toContain('123456');
    });
  });

  it('opening the link after the sign-in finished changes nothing and reveals no session', async () => {
    const { app } = await server.createApp({ policy: EMAIL_POLICY, emailVerifyUri: undefined });
    const { user } = await server.createUser();
    const { challenge } = await startEmailSignIn(server, app.clientId, user.login);
    const [message] = await mailbox(server, user.email);
    const link = /(http:\/\/\S+\/email\/verify\?\S+)/.exec(message!.text)![1]!;
    const code = new URL(link).searchParams.get('otp')!;
    expect((await answer(challenge.body, code)).status).toBe(200);
    const page = await openVerifyPage(link);
    // The one cookie is the page's CSRF token, for its own path only.
    expect(page.headers.get('set-cookie')).toMatch(
      new RegExp(`^${VERIFY_COOKIE}=[\\w-]+; Path=/email/verify; Max-Age=\\d+; HttpOnly; SameSite=Strict$`),
    );
    expect(page.text).not.toMatch(/interaction_code|access_token/);
    expect(await revealCode(link, code)).not.toMatch(/interaction_code|access_token/);
    const again = await answer(challenge.body, code);
    expect(again.status).toBe(401);
    expect(messageKeys(again.body)).toEqual(['idx.session.expired']);
  });
});
