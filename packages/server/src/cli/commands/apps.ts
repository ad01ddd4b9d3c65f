import type { Command } from 'commander';
import { describeRequirements } from '../../apps/app-policy.js';
import type { App } from '../../storage/apps-store.js';
import { type CommonOptions, print, withServices, withStoreOptions } from '../common-options.js';

interface CreateOptions extends CommonOptions {
  name: string;
  clientId?: string;
  public?: boolean;
  secret?: string;
  redirectUri: string[];
  postLogoutRedirectUri?: string[];
  emailVerifyUri?: string;
  trustedOrigin?: string[];
  policy?: string;
  identifierFirst?: boolean;
  recovery?: boolean;
  refreshTokens?: boolean;
}

/** An app as printed by `--json` (the secret only once, at creation). */
export function appRecord(app: App, clientSecret?: string | null) {
  return {
    clientId: app.clientId,
    ...(clientSecret !== undefined ? { clientSecret } : {}),
    name: app.name,
    type: app.secretHash === null ? 'public' : 'confidential',
    redirectUris: app.redirectUris,
    postLogoutRedirectUris: app.postLogoutRedirectUris,
    emailVerifyUri: app.emailVerifyUri,
    trustedOrigins: app.trustedOrigins,
    grantTypes: app.grantTypes,
    policy: { factors: describeRequirements(app.policy.requirements), ...app.policy },
    createdAt: new Date(app.createdAt).toISOString(),
  };
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function appsCommand(program: Command): void {
  const apps = program.command('apps').description('manage apps (OIDC clients)');

  withStoreOptions(
    apps
      .command('create')
      .description('register an app')
      .requiredOption('--name <name>', 'display name')
      .option('--client-id <id>', 'client id (generated when absent)')
      .option('--public', 'public client: PKCE alone, no secret (browser and native apps)')
      .option('--secret <secret>', 'client secret of a confidential app (generated when absent)')
      .requiredOption('--redirect-uri <uri>', 'sign-in redirect URI (repeatable)', collect)
      .option('--post-logout-redirect-uri <uri>', 'allowed post-logout redirect URI (repeatable)', collect)
      .option('--email-verify-uri <uri>', 'email-verify callback URI for magic links')
      .option('--trusted-origin <origin>', 'browser origin allowed by CORS (repeatable)', collect)
      .option(
        '--policy <policy>',
        'sign-in policy: authenticator keys in order, comma-separated, alternatives with | (password, password,email, email)',
        'password',
      )
      .option('--identifier-first', 'ask for the username first, then the authenticator')
      .option('--no-recovery', 'turn off self-service password recovery for this app')
      .option('--no-refresh-tokens', 'never issue refresh tokens to this app')
      .option('--json', 'print the created record as JSON'),
  ).action((options: CreateOptions) =>
    withServices(options, async (services) => {
      const { app, clientSecret } = await services.apps.createApp({
        name: options.name,
        clientId: options.clientId,
        public: options.public,
        secret: options.secret,
        redirectUris: options.redirectUri,
        postLogoutRedirectUris: options.postLogoutRedirectUri,
        emailVerifyUri: options.emailVerifyUri,
        trustedOrigins: options.trustedOrigin,
        policy: {
          factors: options.policy,
          identifierFirst: options.identifierFirst ?? false,
          selfServiceRecovery: options.recovery !== false,
        },
        refreshTokens: options.refreshTokens,
      });
      const secretLine = clientSecret ? `\n  client secret: ${clientSecret} (shown once)` : ' (public)';
      print(
        options,
        appRecord(app, clientSecret),
        `Created app ${app.name}\n  client id:     ${app.clientId}${secretLine}`,
      );
    }),
  );

  withStoreOptions(apps.command('list').description('list apps').option('--json', 'print JSON')).action(
    (options: CommonOptions) =>
      withServices(options, async (services) => {
        const list = await services.apps.list();
        print(
          options,
          list.map((a) => appRecord(a)),
          list.length
            ? list.map((a) => `${a.clientId}  ${a.name}  ${a.redirectUris.join(' ')}`).join('\n')
            : 'No apps.',
        );
      }),
  );
}
