import { randomToken } from '../secrets.js';
import type { Services } from '../services.js';

export const DEMO_CLIENT_ID = 'gatehouse-demo';
export const DEMO_LOGIN = 'demo@example.com';
export const DEMO_APP_ORIGIN = 'http://localhost:8080';

export interface DemoData {
  clientId: string;
  login: string;
  password: string;
  redirectUri: string;
}

/**
 * On the first start with an empty store (development only): a public demo app for a local app
 * at http://localhost:8080 and a demo user with a random password. Returns null when the store
 * already has apps or users.
 */
export async function seedDemoData(services: Services): Promise<DemoData | null> {
  if ((await services.storage.apps.count()) > 0 || (await services.storage.users.count()) > 0) return null;
  const redirectUri = `${DEMO_APP_ORIGIN}/login/callback`;
  await services.apps.createApp({
    name: 'Gatehouse demo app',
    clientId: DEMO_CLIENT_ID,
    public: true,
    redirectUris: [redirectUri],
    postLogoutRedirectUris: [`${DEMO_APP_ORIGIN}/`],
    emailVerifyUri: redirectUri,
    trustedOrigins: [DEMO_APP_ORIGIN],
  });
  const password = randomToken(16);
  await services.users.createUser({
    login: DEMO_LOGIN,
    email: DEMO_LOGIN,
    password,
    firstName: 'Demo',
    lastName: 'User',
  });
  return { clientId: DEMO_CLIENT_ID, login: DEMO_LOGIN, password, redirectUri };
}
