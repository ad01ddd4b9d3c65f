// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are Velocity templates, whose syntax is ${…}
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TemplateSource } from '../../src/messaging/templates/email-templates.js';
import { TemplateError } from '../../src/messaging/templates/velocity-template.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import {
  answer,
  codeOf,
  EMAIL_POLICY,
  emailApp,
  HIGH_STEP_LIMITS,
  mailbox,
  startEmailSignIn,
} from './email-helpers.js';

const CALLBACK_HTML = `<!doctype html>
<html><body>
<p>Hello \${user.profile.firstName}</p>
<p><a href="http://localhost:8080/magic-link/callback?otp=\${oneTimePassword}&state=\${request.relayState}">Sign in</a></p>
</body></html>`;

const CUSTOM: TemplateSource = {
  subject: 'Custom code ${oneTimePassword}',
  html: CALLBACK_HTML,
  text: 'Open http://localhost:8080/magic-link/callback?otp=${oneTimePassword}&state=${request.relayState}\n',
};

describe('email templates (docs/security.md L1–L3)', () => {
  let server: TestServer;
  let clientId: string;

  beforeAll(async () => {
    server = await startTestServer({
      config: { rateLimits: HIGH_STEP_LIMITS },
    });
    clientId = (await emailApp(server)).clientId;
  });
  afterEach(async () => {
    for (const server_ of ['default', 'org'])
      for (const locale of ['en', 'fr', 'fr-ca'])
        await server.services.emailTemplates.reset(server_, 'email-challenge', locale);
  });
  afterAll(() => server?.close());

  async function signInMail(
    login: string,
    email: string,
    headers: Record<string, string> = {},
    serverPath?: string,
  ) {
    const started = await startEmailSignIn(server, clientId, login, { headers, serverPath });
    expect(started.challenge.status).toBe(200);
    const [message] = await mailbox(server, email);
    return { ...started, message: message! };
  }

  it("a custom template renders the seed step's callback link with the real code and state", async () => {
    await server.services.emailTemplates.set('default', 'email-challenge', 'en', CUSTOM);
    const { user } = await server.createUser({ firstName: 'Ada' });
    const { interaction, challenge, message } = await signInMail(user.login, user.email);
    const code = /^Custom code (\d{6})$/.exec(message.subject)![1]!;
    const link = `http://localhost:8080/magic-link/callback?otp=${code}&state=${interaction.state}`;
    expect(message.html).toContain(`<a href="${link}">Sign in</a>`);
    expect(message.html).toContain('<p>Hello Ada</p>');
    expect(message.text).toBe(`Open ${link}\n`);
    expect((await answer(challenge.body, code)).status).toBe(200);
  });

  it('user values are HTML-escaped in the HTML part (also in single-quoted attributes) and left as text in the text part', async () => {
    const firstName = '<img src=x onerror=alert(1)>';
    const { user } = await server.createUser({ firstName });
    // The shipped default template.
    const { message } = await signInMail(user.login, user.email);
    expect(message.html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(message.html).not.toContain('<img');
    expect(message.text).toContain(`Hi ${firstName},`);

    await server.services.emailTemplates.set('default', 'email-challenge', 'en', {
      ...CUSTOM,
      html: `<p title='\${user.profile.firstName}'>\${user.profile.firstName}</p>\n#set($copy = "$user.profile.firstName")<b>$copy</b>`,
    });
    const attacker = await server.createUser({ firstName: `x' onmouseover='alert(1)` });
    const second = await signInMail(attacker.user.login, attacker.user.email);
    expect(second.message.html).toContain(`<p title='x&#39; onmouseover=&#39;alert(1)'>`);
    expect(second.message.html).not.toContain(`' onmouseover='`);
    // Escaped once, not twice, through an interpolated string.
    expect(second.message.html).toContain(`<b>x&#39; onmouseover=&#39;alert(1)</b>`);
  });

  it.each([
    ['an unknown variable', '$foo', /unknown variable/],
    ['an unknown property', '${user.profile.password}', /unknown variable/],
    [
      'a method call',
      '$user.profile.firstName.constructor.constructor("return process")',
      /may not call methods/,
    ],
    ['a call chain', '$user.profile.firstName.constructor.constructor("return process")()', /Expecting/],
    ['an index', '$user.profile["firstName"]', /may not call methods or index/],
    ['#include', '#include("/etc/passwd")', /#include is not allowed/],
    ['#parse', '#parse("x.vm")', /#parse is not allowed/],
    ['#evaluate', '#evaluate("$foo")', /#evaluate is not allowed/],
    ['#macro', '#macro(m)x#end', /#macro is not allowed/],
    ['#define', '#define($block)x#end', /#define is not allowed/],
    [
      'a method call in a quoted string',
      '#set($a = "$user.profile.firstName.toUpperCase()")$a',
      /may not call methods/,
    ],
    ['a directive in a quoted string', `#set($a = "#include('x')")$a`, /#include is not allowed/],
    ['an unknown variable in a quoted string', '#set($a = "x${foo}")$a', /unknown variable/],
    ['a huge range', '#foreach($i in [1..100000000])x#end', /range/],
  ])('refuses %s with a TemplateError naming part, line and column', async (_name, bad, reason) => {
    const html = `<p>one</p>\n<p>two</p>\n<p>${bad}</p>`;
    let error: unknown;
    try {
      await server.services.emailTemplates.set('default', 'email-challenge', 'en', { ...CUSTOM, html });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(TemplateError);
    const e = error as TemplateError;
    expect(e.part).toBe('html');
    expect(e.line).toBe(3);
    expect(e.column).toBeGreaterThanOrEqual(4);
    expect(e.message).toMatch(/^html: line 3, column \d+: /);
    expect(e.message).toMatch(reason);
    // Nothing was stored.
    const resolved = await server.services.emailTemplates.resolve('default', 'email-challenge', 'en');
    expect(resolved.origin).toBe('default');
  });

  it('a reference error points at the column where the reference starts', async () => {
    await expect(
      server.services.emailTemplates.set('default', 'email-challenge', 'en', {
        ...CUSTOM,
        text: 'ab\n  cd $foo',
      }),
    ).rejects.toMatchObject({ part: 'text', line: 2, column: 6 });
    await expect(
      server.services.emailTemplates.set('default', 'email-challenge', 'en', {
        ...CUSTOM,
        subject: 'Code $nope',
      }),
    ).rejects.toMatchObject({ part: 'subject', line: 1, column: 6 });
  });

  it('a parse error reports its line and column', async () => {
    const text = 'line one\nline two\n  code ${oops\nline four';
    let error: unknown;
    try {
      server.services.emailTemplates.validate({ ...CUSTOM, text });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(TemplateError);
    // Column 14: where `${oops` should have been closed.
    expect(error).toMatchObject({ part: 'text', line: 3, column: 14 });
    expect((error as Error).message).toMatch(/^text: line 3, column 14: Expecting /);
    expect(() => server.services.emailTemplates.validate({ ...CUSTOM, html: 'a\n  #if( x' })).toThrow(
      /^html: line 2, column 8: /,
    );
    // The same error at the start of a one-line subject.
    expect(() => server.services.emailTemplates.validate({ ...CUSTOM, subject: '${oops' })).toThrow(
      /^subject: line 1, column \d+: /,
    );
  });

  it('picks the template by Accept-Language: fr-CA → French, de → German, pt → English', async () => {
    const cases: Array<[string, RegExp, RegExp]> = [
      ['fr-CA,fr;q=0.9,en;q=0.5', /^Votre code de connexion/, /Bonjour/],
      ['de-DE', /^Ihr .*Anmeldecode/, /Hallo/],
      ['pt', /^Your .*sign-in code/, /Hi /],
      ['pt-BR;q=0.9', /^Your .*sign-in code/, /Hi /],
      ['*', /^Your .*sign-in code/, /Hi /],
    ];
    for (const [language, subject, greeting] of cases) {
      const { user } = await server.createUser();
      const { message } = await signInMail(user.login, user.email, { 'accept-language': language });
      expect(message.subject, language).toMatch(subject);
      expect(message.text, language).toMatch(greeting);
      expect(message.html, language).toMatch(greeting);
    }
  });

  it('an override for a regional locale (fr-CA) is used for that region only, and set with any case', async () => {
    await server.services.emailTemplates.set('default', 'email-challenge', 'fr-CA', {
      ...CUSTOM,
      subject: 'Code québécois ${oneTimePassword}',
    });
    const resolved = await server.services.emailTemplates.resolve('default', 'email-challenge', 'fr-ca');
    expect(resolved.origin).toBe('override');
    const quebec = await server.createUser();
    const fromQuebec = await signInMail(quebec.user.login, quebec.user.email, { 'accept-language': 'fr-CA' });
    expect(fromQuebec.message.subject).toMatch(/^Code québécois \d{6}$/);
    const paris = await server.createUser();
    const fromParis = await signInMail(paris.user.login, paris.user.email, { 'accept-language': 'fr-FR' });
    expect(fromParis.message.subject).toMatch(/^Votre code de connexion/);
    await expect(
      server.services.emailTemplates.set('default', 'email-challenge', 'fr_CA', CUSTOM),
    ).rejects.toThrow(/locale/);
    expect(await server.services.emailTemplates.reset('default', 'email-challenge', 'FR-ca')).toBe(true);
  });

  it("an override on the org server does not change the default server's emails", async () => {
    await server.services.emailTemplates.set('org', 'email-challenge', 'en', {
      ...CUSTOM,
      subject: 'Org server code ${oneTimePassword}',
    });
    const onDefault = await server.createUser();
    const viaDefault = await signInMail(onDefault.user.login, onDefault.user.email);
    expect(viaDefault.message.subject).toMatch(/^Your .*sign-in code: \d{6}$/);

    const onOrg = await server.createUser();
    const viaOrg = await signInMail(onOrg.user.login, onOrg.user.email, {}, '/oauth2');
    expect(viaOrg.message.subject).toMatch(/^Org server code \d{6}$/);
    const code = /(\d{6})$/.exec(viaOrg.message.subject)![1]!;
    expect(codeOf(viaOrg.message)).toBe(code);
    const done = await answer(viaOrg.challenge.body, code);
    expect(done.status).toBe(200);
    expect(done.body.successWithInteractionCode?.href).toBe(`${server.url}/oauth2/v1/token`);
  });

  it('a subject stays one line when a value carries CR/LF (no header injection)', async () => {
    const { app } = await server.createApp({
      name: 'Shop\r\nBcc: attacker@evil.example',
      policy: EMAIL_POLICY,
    });
    await server.services.emailTemplates.set('default', 'email-challenge', 'en', {
      ...CUSTOM,
      subject: 'Sign in to ${app.name}: ${oneTimePassword}',
    });
    const { user } = await server.createUser();
    const started = await startEmailSignIn(server, app.clientId, user.login);
    expect(started.challenge.status).toBe(200);
    const [message] = await mailbox(server, user.email);
    expect(message!.subject).not.toMatch(/[\r\n]/);
    expect(message!.subject).toMatch(/^Sign in to Shop Bcc: attacker@evil\.example: \d{6}$/);
    expect(message!.to).toBe(user.email);
    expect(await mailbox(server, 'attacker@evil.example')).toHaveLength(0);
  });
});
