import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILD_TIMEOUT_MS, buildCli, runCli, runCliJson, TempDirs } from './cli-harness.js';

interface AppRecord {
  clientId: string;
  policy: { factors: string; webauthnRpId?: string | null; webauthnUserVerification?: string };
}

/** `apps create|update --webauthn-rp-id … --webauthn-user-verification …` (the built binary). */
describe('gatehouse apps: WebAuthn settings', () => {
  const dirs = new TempDirs();
  let dataDir: string;
  const store = () => ['--data-dir', dataDir];

  beforeAll(() => {
    buildCli();
    dataDir = join(dirs.make(), 'data');
  }, BUILD_TIMEOUT_MS);
  afterAll(() => dirs.cleanup());

  const create = (...extra: string[]) => [
    'apps',
    'create',
    ...store(),
    '--name',
    'Shop',
    '--public',
    '--redirect-uri',
    'https://shop.example.com/callback',
    '--trusted-origin',
    'https://www.example.com',
    ...extra,
  ];

  it('an app takes a passkey policy, a parent-domain RP ID and required user verification; update changes them', async () => {
    const created = await runCliJson<AppRecord>(
      create(
        '--policy',
        'webauthn',
        '--webauthn-rp-id',
        'Example.com',
        '--webauthn-user-verification',
        'required',
      ),
    );
    expect(created.policy).toMatchObject({
      factors: 'webauthn',
      webauthnRpId: 'example.com',
      webauthnUserVerification: 'required',
    });
    const shown = await runCli(['apps', 'show', ...store(), '--client-id', created.clientId]);
    expect(shown.stdout).toContain('passkeys:       RP ID example.com, user verification required');

    const updated = await runCliJson<AppRecord>([
      'apps',
      'update',
      ...store(),
      '--client-id',
      created.clientId,
      '--policy',
      'password,email|webauthn',
      '--webauthn-rp-id',
      '',
      '--webauthn-user-verification',
      'preferred',
    ]);
    expect(updated.policy).toMatchObject({
      factors: 'password,email|webauthn',
      webauthnRpId: null,
      webauthnUserVerification: 'preferred',
    });
  });

  it('refuses an RP ID that does not cover every page of the app, and bad values, with a clear error', async () => {
    const notCovering = await runCli(create('--webauthn-rp-id', 'shop.example.com'));
    expect(notCovering.code).not.toBe(0);
    expect(notCovering.stderr).toContain('does not cover https://www.example.com');
    for (const bad of ['https://example.com', 'com', '10.0.0.1', 'example.com:8443']) {
      const result = await runCli(create('--webauthn-rp-id', bad));
      expect(result.code, bad).not.toBe(0);
      expect(result.stderr, bad).toMatch(/RP ID/);
    }
    const badMode = await runCli(create('--webauthn-user-verification', 'always'));
    expect(badMode.code).not.toBe(0);
    expect(badMode.stderr).toContain('must be preferred or required');
  });
});
