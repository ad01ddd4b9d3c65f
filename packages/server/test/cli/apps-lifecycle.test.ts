import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStorage } from '../../src/storage/storage.js';
import { HttpBrowser } from '../hosted/http-sign-in.js';
import {
  BUILD_TIMEOUT_MS,
  killAllServers,
  type RunningServer,
  runCli,
  runCliJson,
  signIn,
  TempDirs,
} from './cli-harness.js';
import {
  hasSsoSession,
  hostedSignIn,
  publicOrigin,
  refreshOutcome,
  startOnNewStore,
  userinfoStatus,
} from './cli-sign-ins.js';

interface AppRecord {
  clientId: string;
  clientSecret?: string | null;
  name: string;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  trustedOrigins: string[];
}

const CALLBACK = 'http://localhost:8080/login/callback';
const PASSWORD = 'saffron-glacier-compass-19';

/**
 * `apps show|update|delete` on the built binary, with a server running on the same data directory.
 * Each test runs six to ten CLI processes, hence the longer time allowed per test.
 */
describe('gatehouse apps show, update, delete (built binary, server running)', { timeout: 120_000 }, () => {
  const dirs = new TempDirs();
  let dataDir: string;
  let server: RunningServer;
  const store = () => ['--data-dir', dataDir];
  const login = 'mira@example.com';

  const createApp = (name: string, ...extra: string[]) =>
    runCliJson<AppRecord>([
      'apps',
      'create',
      ...store(),
      '--name',
      name,
      '--redirect-uri',
      CALLBACK,
      ...extra,
    ]);

  beforeAll(async () => {
    ({ dataDir, server } = await startOnNewStore(dirs));
    await runCliJson([
      'users',
      'create',
      ...store(),
      '--login',
      login,
      '--email',
      login,
      '--password',
      PASSWORD,
    ]);
  }, BUILD_TIMEOUT_MS);
  afterAll(async () => {
    await server?.stop();
    killAllServers();
    dirs.cleanup();
  });

  it('apps show takes the client id as its argument or as --client-id; an unknown one exits 1 with one line', async () => {
    const app = await createApp('Shown', '--public');
    const byArgument = await runCliJson<AppRecord>(['apps', 'show', app.clientId, ...store()]);
    const byOption = await runCliJson<AppRecord>(['apps', 'show', ...store(), '--client-id', app.clientId]);
    expect(byArgument).toEqual(byOption);
    expect(byArgument).toMatchObject({ clientId: app.clientId, name: 'Shown', redirectUris: [CALLBACK] });
    const text = await runCli(['apps', 'show', app.clientId, ...store()]);
    expect(text.stdout).toContain(`Shown (${app.clientId}, public)`);

    for (const args of [
      ['apps', 'show', 'no-such-app'],
      ['apps', 'update', 'no-such-app', '--name', 'X'],
    ]) {
      const unknown = await runCli([...args, ...store()]);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toBe('gatehouse: No app with client id no-such-app\n');
      expect(unknown.stdout).toBe('');
    }
    const both = await runCli(['apps', 'show', app.clientId, ...store(), '--client-id', 'other']);
    expect(both.code).toBe(1);
    expect(both.stderr).toContain('give the client-id once');
  });

  it('apps update adds and removes redirect URIs, post-logout URIs and origins; the running server signs in at the added URI', async () => {
    const app = await createApp('Editable', '--public', '--trusted-origin', 'http://localhost:8080');
    const mine = 'http://127.0.0.1:5173/callback';
    const updated = await runCliJson<AppRecord>([
      'apps',
      'update',
      app.clientId,
      ...store(),
      '--add-redirect-uri',
      mine,
      '--add-redirect-uri',
      CALLBACK, // already there: listed once
      '--add-post-logout-redirect-uri',
      'http://127.0.0.1:5173/',
      '--add-trusted-origin',
      'http://127.0.0.1:5173',
      '--remove-trusted-origin',
      'http://localhost:8080',
    ]);
    expect(updated).toMatchObject({
      redirectUris: [CALLBACK, mine],
      postLogoutRedirectUris: ['http://127.0.0.1:5173/'],
      trustedOrigins: ['http://127.0.0.1:5173'],
    });
    // The server never had this app in its cache: an embedded sign-in at the new URI succeeds.
    const { answer } = await signIn(server.url, app.clientId, login, PASSWORD, { redirectUri: mine });
    expect(answer.status).toBe(200);

    const removed = await runCliJson<AppRecord>([
      'apps',
      'update',
      ...store(),
      '--client-id',
      app.clientId,
      '--remove-redirect-uri',
      CALLBACK,
    ]);
    expect(removed.redirectUris).toEqual([mine]);
    const replaced = await runCliJson<AppRecord>([
      'apps',
      'update',
      app.clientId,
      ...store(),
      '--redirect-uri',
      CALLBACK,
      '--add-redirect-uri',
      'http://127.0.0.1:5174/callback',
    ]);
    expect(replaced.redirectUris).toEqual([CALLBACK, 'http://127.0.0.1:5174/callback']);

    const notThere = await runCli([
      'apps',
      'update',
      app.clientId,
      ...store(),
      '--remove-redirect-uri',
      mine,
    ]);
    expect(notThere.code).toBe(1);
    expect(notThere.stderr).toBe(
      `gatehouse: --remove-redirect-uri ${mine}: not a sign-in redirect URI of the app\n`,
    );
    const last = await runCli([
      'apps',
      'update',
      app.clientId,
      ...store(),
      '--remove-redirect-uri',
      CALLBACK,
      '--remove-redirect-uri',
      'http://127.0.0.1:5174/callback',
    ]);
    expect(last.code).toBe(1);
    expect(last.stderr).toContain('at least one redirect URI is required');
    expect((await runCliJson<AppRecord>(['apps', 'show', app.clientId, ...store()])).redirectUris).toEqual([
      CALLBACK,
      'http://127.0.0.1:5174/callback',
    ]);
  });

  it('apps update --new-secret prints a new secret once: the new one signs in, the old one no longer does', async () => {
    const app = await createApp('Confidential');
    const oldSecret = app.clientSecret!;
    const rotated = await runCliJson<AppRecord>(['apps', 'update', app.clientId, ...store(), '--new-secret']);
    expect(rotated.clientSecret).toEqual(expect.any(String));
    expect(rotated.clientSecret).not.toBe(oldSecret);
    const { answer } = await signIn(server.url, app.clientId, login, PASSWORD, {
      clientSecret: rotated.clientSecret!,
    });
    expect(answer.status).toBe(200);
    await expect(
      signIn(server.url, app.clientId, login, PASSWORD, { clientSecret: oldSecret }),
    ).rejects.toThrow(/interact failed: 401 .*invalid_client/);
    const shown = await runCliJson<AppRecord>(['apps', 'show', app.clientId, ...store()]);
    expect(shown.clientSecret).toBeUndefined();

    const publicApp = await createApp('Public', '--public');
    const refused = await runCli(['apps', 'update', publicApp.clientId, ...store(), '--new-secret']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe('gatehouse: a public app has no secret\n');
  });

  it('apps delete refuses an app with a live SSO session and tokens, saying what uses it; --force ends and revokes them', async () => {
    const app = await createApp('In use', '--public');
    const other = await createApp('Other', '--public');
    const browser = new HttpBrowser(publicOrigin(server));
    const atApp = await hostedSignIn(server, app.clientId, { login, password: PASSWORD }, browser);
    const atOther = await hostedSignIn(server, other.clientId, { login, password: PASSWORD }, browser);
    expect(atApp.tokens.refresh_token).toEqual(expect.any(String));
    expect(await userinfoStatus(atApp.rp, atApp.tokens)).toBe(200);

    const refused = await runCli(['apps', 'delete', app.clientId, ...store()]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      `gatehouse: App ${app.clientId} is in use: 1 live SSO sessions, 1 live grants (1 access and 1 refresh tokens); --force ends and revokes them and deletes the app\n`,
    );
    // Nothing changed: the app, its tokens and the session all still work.
    expect((await runCliJson<AppRecord>(['apps', 'show', app.clientId, ...store()])).name).toBe('In use');
    expect(await userinfoStatus(atApp.rp, atApp.tokens)).toBe(200);
    expect(await hasSsoSession(server, browser, other.clientId)).toBe(true);

    const deleted = await runCliJson<{ deleted: boolean; removed: Record<string, number> }>([
      'apps',
      'delete',
      app.clientId,
      ...store(),
      '--force',
    ]);
    expect(deleted.deleted).toBe(true);
    expect(deleted.removed).toMatchObject({
      endedSessions: 1,
      grants: 1,
      accessTokens: 1,
      refreshTokens: 1,
      // The other app's grant made in the same session.
      otherAppsGrantsRevoked: 1,
    });
    expect(await userinfoStatus(atApp.rp, atApp.tokens)).toBe(401);
    expect((await refreshOutcome(atApp.rp, atApp.tokens)).status).toBeGreaterThanOrEqual(400);
    // The session ended: the browser meets the sign-in page again, and the other app's tokens from it are revoked.
    expect(await hasSsoSession(server, browser, other.clientId)).toBe(false);
    expect(await userinfoStatus(atOther.rp, atOther.tokens)).toBe(401);
    expect(await refreshOutcome(atOther.rp, atOther.tokens)).toEqual({ status: 400, error: 'invalid_grant' });

    const gone = await runCli(['apps', 'show', app.clientId, ...store()]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toBe(`gatehouse: No app with client id ${app.clientId}\n`);
    const storage = await openStorage({ dataDir, sqliteFile: 'gatehouse.db' }, false);
    try {
      const user = (await storage.users.findByLoginKey(login))!;
      const events = await storage.events.listForUser(user.id, 20);
      expect(events.filter((e) => e.type === 'user.session.end')[0]?.data).toMatchObject({
        reason: 'app deleted',
      });
    } finally {
      await storage.close();
    }
  });

  it('apps delete of an app nobody uses needs no --force and says so in one line', async () => {
    const app = await createApp('Unused', '--public');
    const deleted = await runCli(['apps', 'delete', ...store(), '--client-id', app.clientId]);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stdout).toBe(`Deleted app ${app.clientId}\n`);
    const again = await runCli(['apps', 'delete', app.clientId, ...store()]);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(`gatehouse: No app with client id ${app.clientId}\n`);
  });
});
