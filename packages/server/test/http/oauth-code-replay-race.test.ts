import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSecret } from '../../src/secrets.js';
import { IdxConversation, postForm } from '../support/idx-client.js';
import { startTestServer, type TestDatabaseKind, type TestServer } from '../support/test-server.js';

/**
 * One interaction code and its verifier sent to `/v1/token` by 20 requests at once (RFC 6749
 * §4.1.2: a code used twice revokes what it produced). Whichever way they interleave, nothing the
 * code produced may stay valid: either the first redemption's grant is created and a replay revokes
 * it, or a replay's mark is seen by the grant creation, which then issues nothing.
 */

const PARALLEL = 20;
const ROUNDS = 10;
type Body = Record<string, unknown>;

describe.each<TestDatabaseKind>(['sqlite', 'postgres'])(
  'interaction code redeemed by %s requests at once',
  (database) => {
    let server: TestServer;
    let clientId: string;
    let login: string;
    let password: string;
    let userId: string;

    beforeAll(async () => {
      server = await startTestServer({ database });
      clientId = (await server.createApp()).app.clientId;
      const created = await server.createUser();
      login = created.user.login;
      password = created.password;
      userId = created.user.id;
    });
    afterAll(() => server?.close());

    const reuseEvents = async () =>
      (await server.services.storage.events.listForUser(userId, 10_000)).filter(
        (e) => e.type === 'app.oauth2.interaction_code.reuse',
      );

    it(`${ROUNDS} rounds of ${PARALLEL} parallel token requests: no token issued for the code works afterwards`, async () => {
      const winners: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const idx = new IdxConversation(server.url, clientId);
        const interaction = await idx.interact({ scope: 'openid profile email offline_access' });
        await idx.introspect(interaction.interactionHandle);
        const done = await idx.submit('identify', { identifier: login, credentials: { passcode: password } });
        expect(done.status).toBe(200);
        const code = idx.interactionCode();
        const eventsBefore = new Set((await reuseEvents()).map((e) => e.id));

        const answers = await Promise.all(
          Array.from({ length: PARALLEL }, () => idx.exchange(interaction, code)),
        );

        const ok = answers.filter((a) => a.status === 200);
        expect(ok.length).toBeLessThanOrEqual(1);
        winners.push(ok.length);
        for (const refused of answers.filter((a) => a.status !== 200)) {
          expect(refused.status, JSON.stringify(refused.body)).toBe(400);
          expect(refused.body.error).toBe('invalid_grant');
        }
        for (const { body } of ok) {
          const userinfo = await fetch(`${server.issuer}/v1/userinfo`, {
            headers: { authorization: `Bearer ${body.access_token}` },
          });
          expect(userinfo.status, `round ${round}: the access token still works`).toBe(401);
          expect(typeof body.refresh_token).toBe('string');
          const refreshed = await postForm<Body>(`${server.issuer}/v1/token`, {
            grant_type: 'refresh_token',
            client_id: clientId,
            refresh_token: body.refresh_token as string,
          });
          expect(refreshed.status, `round ${round}: the refresh token still works`).toBe(400);
          expect(refreshed.body.error).toBe('invalid_grant');
        }
        // In the store: the code's grant, if one was created, is revoked with all its tokens.
        const grant = await server.services.storage.grants.findGrantByCode(hashSecret(code));
        if (grant) expect(grant.revokedAt).not.toBeNull();
        else expect(ok).toHaveLength(0);
        // Every losing request is recorded as a reuse; one of them names the grant it revoked.
        const events = (await reuseEvents()).filter((e) => !eventsBefore.has(e.id));
        expect(events).toHaveLength(PARALLEL - 1);
        expect(events.every((e) => e.appId !== null && e.userId === userId)).toBe(true);
        if (grant) expect(events.some((e) => e.data.revokedGrant === grant.id)).toBe(true);
      }
      // Both outcomes are correct: a winner whose grant was revoked (1) or refused too (0).
      expect(winners).toHaveLength(ROUNDS);
    });
  },
);
