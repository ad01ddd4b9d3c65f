import { randomToken } from '../secrets.js';
import type { Services } from '../services.js';

export const DEMO_CLIENT_ID = 'gatehouse-demo';
export const DEMO_LOGIN = 'demo@example.com';
export const DEMO_APP_ORIGIN = 'http://localhost:8080';
export const PLAYGROUND_CLIENT_ID = 'gatehouse-playground';
/** Password, or email (a code or a magic link): the playground shows both ways in. */
export const PLAYGROUND_POLICY = 'password|email';

export interface DemoData {
  clientId: string;
  login: string;
  password: string;
  redirectUri: string;
}

/** The playground's own redirect URIs at this server's public URL. */
export function playgroundUris(publicUrl: string): { redirectUri: string; postLogoutRedirectUri: string } {
  return {
    redirectUri: `${publicUrl}/playground/callback`,
    postLogoutRedirectUri: `${publicUrl}/playground`,
  };
}

/**
 * On the first start with an empty store (development only): a public demo app for a local app
 * at http://localhost:8080, the playground's app, and a demo user with a random password.
 * Returns null when the store already has apps or users.
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
  await ensurePlaygroundApp(services);
  return { clientId: DEMO_CLIENT_ID, login: DEMO_LOGIN, password, redirectUri };
}

/**
 * The playground's app (`gatehouse-playground`, public, sign-in by redirect with password or
 * email) on a store that has the demo app: created when missing (data directories made before
 * the playground existed get it on their next start), and given this public URL's callback
 * when the server now runs at another one (another port). A store without the demo app is left
 * alone: its operator has their own apps. Returns whether anything was written.
 */
export async function ensurePlaygroundApp(services: Services): Promise<boolean> {
  const { apps } = services.storage;
  if (!(await apps.findByClientId(DEMO_CLIENT_ID))) return false;
  const { redirectUri, postLogoutRedirectUri } = playgroundUris(services.config.publicUrl);
  const existing = await apps.findByClientId(PLAYGROUND_CLIENT_ID);
  if (!existing) {
    await services.apps.createApp({
      name: 'Gatehouse playground',
      clientId: PLAYGROUND_CLIENT_ID,
      public: true,
      redirectUris: [redirectUri],
      postLogoutRedirectUris: [postLogoutRedirectUri],
      policy: { factors: PLAYGROUND_POLICY },
    });
    return true;
  }
  if (
    existing.redirectUris.includes(redirectUri) &&
    existing.postLogoutRedirectUris.includes(postLogoutRedirectUri)
  )
    return false;
  await services.apps.updateApp(PLAYGROUND_CLIENT_ID, {
    redirectUris: [...new Set([...existing.redirectUris, redirectUri])],
    postLogoutRedirectUris: [...new Set([...existing.postLogoutRedirectUris, postLogoutRedirectUri])],
  });
  return true;
}

/**
 * At every start of a development server: the demo data on an empty store (returned, to print
 * once), else the playground's app brought up to date.
 */
export async function setUpDemoData(services: Services): Promise<DemoData | null> {
  const demo = await seedDemoData(services);
  if (!demo) await ensurePlaygroundApp(services);
  return demo;
}
