import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdxConversation, postJson } from '../support/idx-client.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

// PostgreSQL cannot store U+0000 in text: such input must get a clear 400, never reach a query.
describe.each(['sqlite', 'postgres'] as const)('NUL characters in IDX input (%s)', (database) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ database });
  });
  afterAll(() => server.close());

  it('identifier, passcode and handles with U+0000 → 400 errors.E0000001, the transaction still works', async () => {
    const { app } = await server.createApp();
    const { user, password } = await server.createUser();
    const idx = new IdxConversation(server.url, app.clientId);
    const interaction = await idx.interact();
    const intro = await idx.introspect(interaction.interactionHandle);
    const href = `${server.url}/idp/idx/identify`;
    const stateHandle = intro.body.stateHandle!;
    for (const body of [
      { stateHandle, identifier: `a\u0000b@example.com`, credentials: { passcode: password } },
      { stateHandle, identifier: user.login, credentials: { passcode: `x\u0000y` } },
      { stateHandle: `${stateHandle}\u0000`, identifier: user.login, credentials: { passcode: password } },
    ]) {
      const res = await postJson(href, body);
      expect(res.status, JSON.stringify(res.body)).toBe(400);
      expect(res.body.messages?.value[0]?.i18n.key).toBe('errors.E0000001');
    }
    const intro2 = await postJson(`${server.url}/idp/idx/introspect`, {
      interactionHandle: `${interaction.interactionHandle}\u0000`,
    });
    expect(intro2.status).toBe(400);
    const ok = await idx.submit('identify', { identifier: user.login, credentials: { passcode: password } });
    expect(ok.status).toBe(200);
  });

  it('the dev mailbox refuses a NUL in ?to= with 400', async () => {
    const res = await fetch(`${server.url}/dev/mailbox/api/messages?to=a%00b`);
    expect(res.status).toBe(400);
  });
});
