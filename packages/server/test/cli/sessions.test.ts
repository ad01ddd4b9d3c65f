import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Session } from '../../src/storage/sessions-store.js';
import { openStorage } from '../../src/storage/storage.js';
import { BUILD_TIMEOUT_MS, buildCli, runCli, runCliJson, TempDirs } from './cli-harness.js';

interface SessionRecord {
  id: string;
  login: string | null;
  amr: string[];
  rememberMe: boolean;
}

describe('gatehouse sessions and the hosted sign-in app settings (built binary)', () => {
  const dirs = new TempDirs();
  let dataDir: string;
  const store = () => ['--data-dir', dataDir];
  const now = Date.now();

  const session = (id: string, userId: string, partial: Partial<Session> = {}): Session => ({
    id,
    tokenHash: `hash-${id}`,
    userId,
    authTime: now - 1000,
    factors: ['password'],
    amr: ['pwd'],
    rememberMe: false,
    ip: '127.0.0.1',
    userAgent: 'test',
    createdAt: now - 1000,
    lastUsedAt: now - 1000,
    idleExpiresAt: now + 3_600_000,
    expiresAt: now + 7_200_000,
    endedAt: null,
    ...partial,
  });

  beforeAll(async () => {
    buildCli();
    dataDir = join(dirs.make(), 'data');
    for (const login of ['ada@example.com', 'bob@example.com']) {
      const result = await runCli(['users', 'create', ...store(), '--login', login, '--email', login]);
      expect(result.code, result.stderr).toBe(0);
    }
    // Sessions as the server leaves them after hosted sign-ins; one grant made in Ada's first.
    const storage = await openStorage({ dataDir, sqliteFile: 'gatehouse.db' });
    try {
      const ada = (await storage.users.findByLoginKey('ada@example.com'))!;
      const bob = (await storage.users.findByLoginKey('bob@example.com'))!;
      await storage.sessions.create(session('ses_ada_1', ada.id, { rememberMe: true }));
      await storage.sessions.create(session('ses_ada_2', ada.id));
      await storage.sessions.create(session('ses_bob', bob.id));
      await storage.sessions.create(session('ses_old', bob.id, { endedAt: now - 500 }));
      await storage.grants.createGrant(
        {
          id: 'gr_ada',
          userId: ada.id,
          appId: 'app_x',
          serverId: 'default',
          scopes: ['openid'],
          codeHash: null,
          authTime: now,
          amr: ['pwd'],
          createdAt: now,
          expiresAt: now + 3_600_000,
          revokedAt: null,
          sessionId: 'ses_ada_1',
        },
        { accessToken: { jti: 'AT.ada', expiresAt: now + 3_600_000 } },
        { type: 'app.oauth2.token.grant', userId: ada.id, appId: 'app_x', data: {} },
      );
    } finally {
      await storage.close();
    }
  }, BUILD_TIMEOUT_MS);
  afterAll(() => dirs.cleanup());

  it('sessions list shows live sessions with their user, never ended ones or tokens', async () => {
    const records = await runCliJson<SessionRecord[]>(['sessions', 'list', ...store()]);
    expect(records.map((r) => r.id).sort()).toEqual(['ses_ada_1', 'ses_ada_2', 'ses_bob']);
    expect(records.find((r) => r.id === 'ses_ada_1')).toMatchObject({
      login: 'ada@example.com',
      rememberMe: true,
    });
    expect(JSON.stringify(records)).not.toContain('hash-');
    const bob = await runCliJson<SessionRecord[]>([
      'sessions',
      'list',
      ...store(),
      '--user',
      'bob@example.com',
    ]);
    expect(bob.map((r) => r.id)).toEqual(['ses_bob']);
  });

  it('sessions revoke --id ends one session and revokes the grants made in it', async () => {
    expect(await runCliJson(['sessions', 'revoke', ...store(), '--id', 'ses_ada_1'])).toEqual({ ended: 1 });
    const storage = await openStorage({ dataDir, sqliteFile: 'gatehouse.db' }, false);
    try {
      expect((await storage.grants.findGrant('gr_ada'))?.revokedAt).not.toBeNull();
      expect((await storage.sessions.findById('ses_ada_1'))?.endedAt).not.toBeNull();
      expect((await storage.sessions.findById('ses_ada_2'))?.endedAt).toBeNull();
    } finally {
      await storage.close();
    }
  });

  it('sessions revoke --user ends the rest of that user; bad arguments are clear errors', async () => {
    expect(await runCliJson(['sessions', 'revoke', ...store(), '--user', 'ada@example.com'])).toEqual({
      ended: 1,
    });
    const both = await runCli([
      'sessions',
      'revoke',
      ...store(),
      '--id',
      'ses_bob',
      '--user',
      'bob@example.com',
    ]);
    expect(both.code).not.toBe(0);
    expect(both.stderr).toContain('either --id or --user');
    const unknown = await runCli(['sessions', 'revoke', ...store(), '--id', 'ses_nope']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('No session ses_nope');
    const left = await runCliJson<SessionRecord[]>(['sessions', 'list', ...store()]);
    expect(left.map((r) => r.id)).toEqual(['ses_bob']);
  });

  it('apps create allows redirect sign-in by default; --no-redirect-sign-in, PKCE and the page theme are settable', async () => {
    const created = await runCliJson<{ clientId: string; grantTypes: string[]; redirectSignIn: boolean }>([
      'apps',
      'create',
      ...store(),
      '--name',
      'Portal',
      '--redirect-uri',
      'https://portal.example.com/callback',
    ]);
    expect(created.redirectSignIn).toBe(true);
    expect(created.grantTypes).toContain('authorization_code');
    const updated = await runCliJson<{
      redirectSignIn: boolean;
      requirePkce: boolean;
      hostedPage: Record<string, string>;
      grantTypes: string[];
    }>([
      'apps',
      'update',
      ...store(),
      '--client-id',
      created.clientId,
      '--no-redirect-sign-in',
      '--require-pkce',
      '--brand-name',
      'Portal',
      '--brand-color',
      '#0a7d32',
      '--sign-in-title',
      'Sign in to Portal',
    ]);
    expect(updated).toMatchObject({
      redirectSignIn: false,
      requirePkce: true,
      hostedPage: { brandName: 'Portal', primaryColor: '#0a7d32', title: 'Sign in to Portal' },
    });
    expect(updated.grantTypes).toEqual(['interaction_code', 'refresh_token']);
    const shown = await runCli(['apps', 'show', ...store(), '--client-id', created.clientId]);
    expect(shown.stdout).toContain('redirect:       off (embedded only)');
    expect(shown.stdout).toContain('brandName=Portal');
    const bad = await runCli([
      'apps',
      'update',
      ...store(),
      '--client-id',
      created.clientId,
      '--brand-color',
      'red;}',
    ]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('is not a colour');
  });
});
