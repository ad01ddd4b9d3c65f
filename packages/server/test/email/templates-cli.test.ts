// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are Velocity templates, whose syntax is ${…}
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, runCli, runCliJson, TempDirs } from '../cli/cli-harness.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { answer, EMAIL_POLICY, HIGH_STEP_LIMITS, mailbox, startEmailSignIn } from './email-helpers.js';

interface TemplateJson {
  templateId: string;
  locale: string;
  origin: 'override' | 'default';
  subject: string;
  html: string;
  text: string;
}

/**
 * `gatehouse templates get|set|preview|reset` run as the built binary against the store of a live
 * server (the same SQLite file, or the same PostgreSQL database), whose emails must follow.
 */
// Each case spawns the binary a few times (about a second each on an idle machine).
describe('gatehouse templates (CLI)', { timeout: 90_000 }, () => {
  const dirs = new TempDirs();
  let dataDir: string;
  let server: TestServer;
  /** Options or environment that point the CLI at the server's store. */
  let storeArgs: string[];
  let env: Record<string, string>;

  beforeAll(async () => {
    buildCli();
    dataDir = dirs.make();
    server = await startTestServer({
      config: {
        rateLimits: HIGH_STEP_LIMITS,
        ...(process.env.GATEHOUSE_TEST_DB === 'postgres'
          ? {}
          : { storage: { dataDir, sqliteFile: 'gatehouse.db' } }),
      },
    });
    const databaseUrl = server.services.config.storage.databaseUrl;
    storeArgs = ['--data-dir', dataDir];
    env = databaseUrl ? { DATABASE_URL: databaseUrl } : {};
  }, 180_000);
  afterEach(async () => {
    // Through the service, not the CLI: a failed test must not leave an override for the next one.
    for (const id of ['email-challenge', 'forgot-password'] as const)
      for (const serverId of ['default', 'org'])
        await server.services.emailTemplates.reset(serverId, id, 'en');
  });
  afterAll(async () => {
    await server?.close();
    dirs.cleanup();
  });

  const cli = (args: string[]) => runCli(['templates', ...args, ...storeArgs], { env });
  const cliJson = <T>(args: string[]) => runCliJson<T>(['templates', ...args, ...storeArgs], { env });

  it('get --json prints the shipped default with its origin; other locales and servers too', async () => {
    const [en, fr, recovery, plain] = await Promise.all([
      cliJson<TemplateJson>(['get', '--template', 'email-challenge']),
      cliJson<TemplateJson>(['get', '--template', 'email-challenge', '--locale', 'fr-CA', '--server', 'org']),
      cliJson<TemplateJson>(['get', '--template', 'forgot-password']),
      cli(['get', '--template', 'email-challenge']),
    ]);
    expect(Object.keys(en).sort()).toEqual(['html', 'locale', 'origin', 'subject', 'templateId', 'text']);
    expect(en).toMatchObject({ templateId: 'email-challenge', locale: 'en', origin: 'default' });
    expect(en.subject).toBe('Your ${org.name} sign-in code: ${oneTimePassword}');
    expect(en.html).toContain('${emailAuthenticationLink}');
    expect(en.text).toContain('${oneTimePassword}');

    expect(fr).toMatchObject({ locale: 'fr', origin: 'default' });
    expect(fr.subject).toMatch(/^Votre code/);

    expect(recovery.templateId).toBe('forgot-password');
    expect(recovery.html).toContain('${resetPasswordLink}');

    expect(plain.code).toBe(0);
    expect(plain.stdout).toContain('email-challenge (en) on server default: default');
    expect(plain.stdout).toContain('${oneTimePassword}');
  });

  it('set keeps the parts not given, is used by the running server at once, and reset removes it', async () => {
    const dir = dirs.make();
    const htmlFile = join(dir, 'html.vm');
    writeFileSync(
      htmlFile,
      '<p>Hello ${user.profile.firstName}</p>\n<a href="http://localhost:8080/magic-link/callback?otp=${oneTimePassword}&state=${request.relayState}">Sign in</a>\n',
    );
    const set = await cliJson<TemplateJson>([
      'set',
      '--template',
      'email-challenge',
      '--subject',
      'CLI code ${oneTimePassword}',
      '--html-file',
      htmlFile,
    ]);
    expect(set).toMatchObject({ origin: 'override', locale: 'en', subject: 'CLI code ${oneTimePassword}' });
    // The text part was not given: it is the one in force before (the shipped English text).
    const got = await cliJson<TemplateJson>(['get', '--template', 'email-challenge']);
    expect(got.origin).toBe('override');
    expect(got.html).toContain('magic-link/callback');
    expect(got.text).toContain('Or open this link in the browser');
    // Like Okta's default customization, the English override also serves locales without their own.
    const german = await cliJson<TemplateJson>(['get', '--template', 'email-challenge', '--locale', 'de']);
    expect(german).toMatchObject({ origin: 'override', locale: 'en' });

    // The running server (same store) sends with it.
    const app = await server.createApp({ policy: EMAIL_POLICY });
    const { user } = await server.createUser({ firstName: 'Lin' });
    const { interaction, challenge } = await startEmailSignIn(server, app.app.clientId, user.login);
    expect(challenge.status).toBe(200);
    const [message] = await mailbox(server, user.email);
    const code = /^CLI code (\d{6})$/.exec(message!.subject)![1]!;
    expect(message!.html).toContain(
      `<a href="http://localhost:8080/magic-link/callback?otp=${code}&state=${interaction.state}">Sign in</a>`,
    );
    expect(message!.html).toContain('<p>Hello Lin</p>');
    expect((await answer(challenge.body, code)).status).toBe(200);

    // The org server and other locales are untouched.
    expect(
      (await cliJson<TemplateJson>(['get', '--template', 'email-challenge', '--server', 'org'])).origin,
    ).toBe('default');

    const reset = await cliJson<{ removed: boolean }>(['reset', '--template', 'email-challenge']);
    expect(reset.removed).toBe(true);
    expect((await cliJson<TemplateJson>(['get', '--template', 'email-challenge'])).origin).toBe('default');
    const again = await cli(['reset', '--template', 'email-challenge']);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/No override/);
  });

  it('set refuses a bad template with exit 1 and the TemplateError (part, line, column); nothing is saved', async () => {
    const dir = dirs.make();
    const textFile = join(dir, 'text.vm');
    writeFileSync(textFile, 'Your code:\n  ${oneTimePassword}\n  $user.profile.firstName.getClass()\n');
    const bad = await cli(['set', '--template', 'email-challenge', '--text-file', textFile]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(
      /^gatehouse: template refused: text: line 3, column 3: .*may not call methods/m,
    );
    expect(bad.stderr).not.toMatch(/\n\s+at /);

    const parse = await cli(['set', '--template', 'email-challenge', '--subject', 'Code ${oops']);
    expect(parse.code).toBe(1);
    expect(parse.stderr).toMatch(/subject: line 1, column \d+: /);

    const include = await cli([
      'set',
      '--template',
      'email-challenge',
      '--subject',
      '#include("/etc/passwd")',
    ]);
    expect(include.code).toBe(1);
    expect(include.stderr).toMatch(/subject: line 1, column 1: #include is not allowed/);

    expect((await cliJson<TemplateJson>(['get', '--template', 'email-challenge'])).origin).toBe('default');
  });

  it('rejects unknown templates, servers, locales, missing parts and unreadable files (exit 1)', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['get', '--template', 'welcome'], /--template must be one of email-challenge, forgot-password/],
      [['get', '--template', 'email-challenge', '--server', 'other'], /--server must be default or org/],
      [['get', '--template', 'email-challenge', '--locale', 'fr_CA'], /locale/],
      [['set', '--template', 'email-challenge'], /at least one of --subject, --html-file, --text-file/],
      [
        ['set', '--template', 'email-challenge', '--html-file', '/nonexistent/x.vm'],
        /cannot read --html-file/,
      ],
    ];
    const results = await Promise.all(cases.map(([args]) => cli(args)));
    cases.forEach(([args, message], i) => {
      expect(results[i]!.code, args.join(' ')).toBe(1);
      expect(results[i]!.stderr).toMatch(message);
    });
    const missing = await runCli(['templates', 'get', ...storeArgs], { env });
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/--template/);
  });

  it('preview renders the template in force with sample values (text, or JSON with the HTML)', async () => {
    const text = await cli(['preview', '--template', 'email-challenge']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^Subject: Your Gatehouse sign-in code: 123456\n\nHi Alex,/);
    expect(text.stdout).not.toContain('${');

    const fr = await cliJson<TemplateJson>(['preview', '--template', 'email-challenge', '--locale', 'fr']);
    expect(fr).toMatchObject({ templateId: 'email-challenge', locale: 'fr', origin: 'default' });
    expect(fr.subject).toBe('Votre code de connexion Gatehouse : 123456');
    expect(fr.html).toContain('Bonjour Alex');
    expect(fr.html).toMatch(/href="[^"]*\/email\/verify\?otp=123456&amp;state=sample-state"/);
    expect(fr.text).toContain('123456');

    await cli(['set', '--template', 'forgot-password', '--subject', 'Reset for ${user.profile.firstName}']);
    const custom = await cliJson<TemplateJson>(['preview', '--template', 'forgot-password']);
    expect(custom).toMatchObject({ origin: 'override', subject: 'Reset for Alex' });
  });
});
