import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILD_TIMEOUT_MS, buildCli, runCli, runCliJson, TempDirs } from './cli-harness.js';

interface AppRecord {
  clientId: string;
  clientSecret?: string | null;
  name: string;
  type: 'public' | 'confidential';
  redirectUris: string[];
  trustedOrigins: string[];
  grantTypes: string[];
  policy: { factors: string; identifierFirst: boolean; selfServiceRecovery: boolean };
}

describe('gatehouse apps (built binary)', () => {
  const dirs = new TempDirs();
  let dataDir: string;
  const store = () => ['--data-dir', dataDir];
  const secrets: string[] = [];

  beforeAll(() => {
    buildCli();
    dataDir = join(dirs.make(), 'data');
  }, BUILD_TIMEOUT_MS);
  afterAll(() => dirs.cleanup());

  it('apps create (confidential) prints the client secret once, with the policy asked for', async () => {
    const result = await runCli([
      'apps',
      'create',
      ...store(),
      '--name',
      'Portal',
      '--redirect-uri',
      'https://portal.example.com/callback',
      '--redirect-uri',
      'http://127.0.0.1:3000/callback',
      '--trusted-origin',
      'https://portal.example.com',
      '--policy',
      'password',
      '--identifier-first',
      '--json',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const app = JSON.parse(result.stdout) as AppRecord;
    expect(app).toMatchObject({
      name: 'Portal',
      type: 'confidential',
      redirectUris: ['https://portal.example.com/callback', 'http://127.0.0.1:3000/callback'],
      trustedOrigins: ['https://portal.example.com'],
      policy: { factors: 'password', identifierFirst: true },
    });
    expect(app.clientId).toMatch(/^[A-Za-z0-9._-]{3,100}$/);
    expect(typeof app.clientSecret).toBe('string');
    expect(app.clientSecret!.length).toBeGreaterThanOrEqual(32);
    secrets.push(app.clientSecret!);

    // Without --json the secret is shown once too, marked as such.
    const text = await runCli([
      'apps',
      'create',
      ...store(),
      '--name',
      'Portal 2',
      '--redirect-uri',
      'https://portal.example.com/cb2',
    ]);
    expect(text.code, text.stderr).toBe(0);
    const shown = /client secret: (\S+) \(shown once\)/.exec(text.stdout)?.[1];
    expect(shown).toBeDefined();
    secrets.push(shown!);
  });

  it('apps create --secret takes a given secret of at least 32 characters; shorter exits 1', async () => {
    const secret = 'a-given-client-secret-of-40-characters!!';
    const app = await runCliJson<AppRecord>([
      'apps',
      'create',
      ...store(),
      '--name',
      'Given secret',
      '--client-id',
      'given-secret-app',
      '--secret',
      secret,
      '--redirect-uri',
      'https://given.example.com/cb',
    ]);
    expect(app).toMatchObject({ clientId: 'given-secret-app', type: 'confidential', clientSecret: secret });
    secrets.push(secret);

    const short = await runCli([
      'apps',
      'create',
      ...store(),
      '--name',
      'Short secret',
      '--secret',
      'x'.repeat(31),
      '--redirect-uri',
      'https://short.example.com/cb',
    ]);
    expect(short.code).toBe(1);
    expect(short.stderr).toContain('a client secret must be at least 32 characters');
  });

  it('apps create --public has no secret', async () => {
    const result = await runCli([
      'apps',
      'create',
      ...store(),
      '--name',
      'SPA',
      '--client-id',
      'spa-app',
      '--public',
      '--redirect-uri',
      'http://localhost:8080/login/callback',
      '--trusted-origin',
      'http://localhost:8080',
      '--json',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const app = JSON.parse(result.stdout) as AppRecord;
    expect(app).toMatchObject({ clientId: 'spa-app', type: 'public', clientSecret: null });
    expect(app.policy.identifierFirst).toBe(false);

    const duplicate = await runCli([
      'apps',
      'create',
      ...store(),
      '--name',
      'SPA again',
      '--client-id',
      'spa-app',
      '--public',
      '--redirect-uri',
      'http://localhost:8080/login/callback',
    ]);
    expect(duplicate.code).toBe(1);
    expect(duplicate.stderr).toContain('An app with client id spa-app already exists');
  });

  it.each([
    ['a fragment', 'https://app.example.com/callback#frag', 'must not have a fragment'],
    ['http on a non-loopback host', 'http://app.example.com/callback', 'must use https'],
    ['a relative URI', '/callback', 'is not an absolute URL'],
  ])('a redirect URI with %s exits 1', async (_what, uri, message) => {
    const result = await runCli([
      'apps',
      'create',
      ...store(),
      '--name',
      'Bad redirect',
      '--client-id',
      'bad-redirect',
      '--public',
      '--redirect-uri',
      uri,
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    // Nothing is registered: the list below holds exactly the apps created above.
  });

  it('apps list --json lists every app and never shows a secret or its hash', async () => {
    const result = await runCli(['apps', 'list', ...store(), '--json']);
    expect(result.code).toBe(0);
    const list = JSON.parse(result.stdout) as AppRecord[];
    expect(list.map((a) => a.name).sort()).toEqual(['Given secret', 'Portal', 'Portal 2', 'SPA']);
    expect(list.map((a) => a.clientId)).not.toContain('bad-redirect');
    for (const app of list) {
      expect(app).not.toHaveProperty('clientSecret');
      expect(app).not.toHaveProperty('secretHash');
    }
    expect(list.find((a) => a.clientId === 'spa-app')?.type).toBe('public');
    expect(list.find((a) => a.clientId === 'given-secret-app')?.type).toBe('confidential');
    expect(secrets).toHaveLength(3);
    for (const secret of secrets) expect(result.stdout).not.toContain(secret);

    const text = await runCli(['apps', 'list', ...store()]);
    for (const secret of secrets) expect(text.stdout).not.toContain(secret);
  });

  it('apps create/update/show: sign-up with custom attributes, unlock, the sign-in page; bad settings exit 1 naming them', async () => {
    const created = await runCliJson<
      AppRecord & { policy: Record<string, unknown>; loginUri: string | null }
    >([
      'apps',
      'create',
      ...store(),
      '--name',
      'Shop',
      '--public',
      '--redirect-uri',
      'http://127.0.0.1:3000/callback',
      '--profile-attribute',
      'favoriteColor;label=Favorite color;required;maxLength=20;pattern=[a-z]+',
      '--existing-email',
      'reveal',
      '--unlock',
      '--login-uri',
      'http://127.0.0.1:3000/login',
    ]);
    expect(created.loginUri).toBe('http://127.0.0.1:3000/login');
    expect(created.policy).toMatchObject({
      selfServiceUnlock: true,
      signInAfterUnlock: false,
      registration: {
        existingEmail: 'reveal',
        profile: [
          { name: 'firstName' },
          { name: 'lastName' },
          { name: 'email' },
          {
            name: 'favoriteColor',
            label: 'Favorite color',
            required: true,
            maxLength: 20,
            pattern: '[a-z]+',
          },
        ],
      },
    });

    const updated = await runCliJson<{
      policy: Record<string, unknown>;
      loginUri: string | null;
      name: string;
    }>([
      'apps',
      'update',
      ...store(),
      '--client-id',
      created.clientId,
      '--no-registration',
      '--sign-in-after-unlock',
      '--login-uri',
      '',
    ]);
    expect(updated).toMatchObject({
      name: 'Shop',
      loginUri: null,
      policy: { registration: null, selfServiceUnlock: true, signInAfterUnlock: true },
    });

    const shown = await runCli(['apps', 'show', ...store(), '--client-id', created.clientId]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain('sign-up:        off');
    expect(shown.stdout).toContain('unlock:         on, then sign-in');

    const on = await runCli([
      'apps',
      'update',
      ...store(),
      '--client-id',
      created.clientId,
      '--registration',
    ]);
    expect(on.code, on.stderr).toBe(0);
    expect(on.stdout).toMatch(
      /sign-up: +on \(firstName\*, lastName\*, email\*; existing email: notify-owner\)/,
    );

    for (const [args, why] of [
      [['--profile-attribute', 'login;label=Login'], /'login' is not a profile attribute name/],
      [['--profile-attribute', 'age;type=number'], /type must be string or boolean/],
      [['--existing-email', 'tell'], /notify-owner or reveal/],
      [['--policy', 'password,nothing'], /'nothing', which is not an installed authenticator/],
    ] as const) {
      const bad = await runCli(['apps', 'update', ...store(), '--client-id', created.clientId, ...args]);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(why);
    }
    const missing = await runCli(['apps', 'show', ...store(), '--client-id', 'no-such-app']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no-such-app');
  });

  it('apps create/update --token-signing-alg: RS256 by default, ES256 or EdDSA on request; anything else exits 1', async () => {
    const create = async (clientId: string, extra: string[] = []) =>
      runCliJson<AppRecord & { tokenSigningAlg: string }>([
        'apps',
        'create',
        ...store(),
        '--name',
        clientId,
        '--client-id',
        clientId,
        '--public',
        '--redirect-uri',
        'http://localhost:8080/login/callback',
        ...extra,
      ]);
    expect((await create('alg-default')).tokenSigningAlg).toBe('RS256');
    expect((await create('alg-es256', ['--token-signing-alg', 'ES256'])).tokenSigningAlg).toBe('ES256');
    const shown = await runCli(['apps', 'show', ...store(), '--client-id', 'alg-es256']);
    expect(shown.stdout).toMatch(/token signing: +ES256/);
    const updated = await runCli([
      'apps',
      'update',
      ...store(),
      '--client-id',
      'alg-es256',
      '--token-signing-alg',
      'EdDSA',
    ]);
    expect(updated.code, updated.stderr).toBe(0);
    expect(updated.stdout).toMatch(/token signing: +EdDSA/);
    const bad = await runCli([
      'apps',
      'update',
      ...store(),
      '--client-id',
      'alg-es256',
      '--token-signing-alg',
      'HS256',
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/RS256, ES256, EdDSA/);
  });
});
