import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdxConversation } from '../support/idx-client.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

describe('password sign-in over raw IDX (smoke)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it('one-step: interact → introspect → identify with password → token', async () => {
    const { app } = await server.createApp();
    const { user, password } = await server.createUser();
    const idx = new IdxConversation(server.url, app.clientId);
    const interaction = await idx.interact();
    const intro = await idx.introspect(interaction.interactionHandle);
    expect(intro.status).toBe(200);
    expect(intro.headers.get('content-type')).toBe('application/json; okta-version=1.0.0; charset=utf-8');
    expect(intro.body.stateHandle).toMatch(/^02/);
    const done = await idx.submit('identify', {
      identifier: user.login,
      credentials: { passcode: password },
    });
    expect(done.status).toBe(200);
    const tokens = await idx.exchange(interaction, idx.interactionCode());
    expect(tokens.status).toBe(200);
    expect(tokens.body).toMatchObject({ token_type: 'Bearer', scope: 'openid profile email' });
    expect(tokens.body).not.toHaveProperty('state');
  });
});
