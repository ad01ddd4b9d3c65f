import type { Command } from 'commander';
import { describeRequirements } from '../../apps/app-policy.js';
import { ValidationError } from '../../errors.js';
import type { App, DeletedApp } from '../../storage/apps-store.js';
import { type CommonOptions, print, targetOf, withServices, withStoreOptions } from '../common-options.js';
import {
  type CreateOptions,
  collect,
  editedList,
  settingsInput,
  type UpdateOptions,
  withListEditOptions,
  withSelfServiceOptions,
} from './app-settings-options.js';

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
    redirectSignIn: app.grantTypes.includes('authorization_code'),
    requirePkce: app.secretHash === null || app.requirePkce,
    hostedPage: app.hostedPage,
    tokenSigningAlg: app.tokenSigningAlg,
    loginUri: app.loginUri,
    policy: { factors: describeRequirements(app.policy.requirements), ...app.policy },
    createdAt: new Date(app.createdAt).toISOString(),
  };
}

function describeApp(app: App): string {
  const { policy } = app;
  const registration = policy.registration
    ? `on (${policy.registration.profile.map((a) => `${a.name}${a.required ? '*' : ''}`).join(', ')}; existing email: ${policy.registration.existingEmail})`
    : 'off';
  return [
    `${app.name} (${app.clientId}, ${app.secretHash === null ? 'public' : 'confidential'})`,
    `  redirect URIs:  ${app.redirectUris.join(' ')}`,
    `  sign-in page:   ${app.loginUri ?? '(none)'}`,
    `  policy:         ${describeRequirements(policy.requirements)}${policy.identifierFirst ? ', identifier first' : ''}`,
    `  recovery:       ${policy.selfServiceRecovery ? 'on' : 'off'}`,
    `  sign-up:        ${registration}`,
    `  unlock:         ${policy.selfServiceUnlock ? `on${policy.signInAfterUnlock ? ', then sign-in' : ''}` : 'off'}`,
    `  passkeys:       RP ID ${policy.webauthnRpId ?? "(the app page's host)"}, user verification ${policy.webauthnUserVerification ?? 'preferred'}`,
    `  redirect:       ${app.grantTypes.includes('authorization_code') ? `on, PKCE ${app.secretHash === null || app.requirePkce ? 'required' : 'optional'}` : 'off (embedded only)'}`,
    `  hosted page:    ${describeTheme(app)}`,
    `  token signing:  ${app.tokenSigningAlg}`,
  ].join('\n');
}

function describeTheme(app: App): string {
  const entries = Object.entries(app.hostedPage).map(([key, value]) =>
    key === 'logo' && value.startsWith('data:') ? 'logo=(inline image)' : `${key}=${value}`,
  );
  return entries.length ? entries.join(', ') : '(default look)';
}

export function appsCommand(program: Command): void {
  const apps = program.command('apps').description('manage apps (OIDC clients)');

  const create = withStoreOptions(
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
  );
  withSelfServiceOptions(create).action((options: CreateOptions) =>
    withServices(options, async (services) => {
      const { app, clientSecret } = await services.apps.createApp({
        ...settingsInput(options),
        name: options.name,
        clientId: options.clientId,
        public: options.public,
        secret: options.secret,
        redirectUris: options.redirectUri,
      });
      const secretLine = clientSecret ? `\n  client secret: ${clientSecret} (shown once)` : ' (public)';
      print(
        options,
        appRecord(app, clientSecret),
        `Created app ${app.name}\n  client id:     ${app.clientId}${secretLine}`,
      );
    }),
  );

  const update = withStoreOptions(
    withListEditOptions(
      apps
        .command('update')
        .description("change an app's settings (what is not given stays as it is)")
        .argument('[clientId]', 'the app')
        .option('--client-id <id>', 'the app (instead of the argument)')
        .option('--name <name>', 'display name')
        .option('--email-verify-uri <uri>', "email-verify callback URI for magic links ('' removes it)")
        .option('--policy <policy>', 'sign-in policy: password, password,email, email|password, …')
        .option('--identifier-first', 'ask for the username first, then the authenticator')
        .option('--no-identifier-first', 'ask for username and password on one form')
        .option('--recovery', 'turn on self-service password recovery')
        .option('--no-recovery', 'turn off self-service password recovery')
        .option('--refresh-tokens', 'issue refresh tokens')
        .option('--no-refresh-tokens', 'never issue refresh tokens')
        .option('--secret <secret>', 'a new client secret of a confidential app (at least 32 characters)')
        .option('--new-secret', 'generate a new client secret (shown once); the old one stops working')
        .option('--json', 'print the updated record as JSON'),
    ),
  );
  withSelfServiceOptions(update).action((argument: string | undefined, options: UpdateOptions) =>
    withServices(options, async (services) => {
      const clientId = targetOf(argument, options.clientId, '--client-id');
      const current = await services.apps.getByClientId(clientId);
      const changes = {
        ...settingsInput(options),
        redirectUris: editedList(current.redirectUris, options, 'redirectUri'),
        postLogoutRedirectUris: editedList(current.postLogoutRedirectUris, options, 'postLogoutRedirectUri'),
        trustedOrigins: editedList(current.trustedOrigins, options, 'trustedOrigin'),
      };
      if (options.secret === undefined && !options.newSecret) {
        const app = await services.apps.updateApp(clientId, changes);
        print(options, appRecord(app), `Updated app\n${describeApp(app)}`);
        return;
      }
      if (options.secret !== undefined && options.newSecret)
        throw new ValidationError('secret', 'give --secret or --new-secret, not both');
      const { app, clientSecret } = await services.apps.updateAppWithNewSecret(
        clientId,
        changes,
        options.secret ?? null,
      );
      print(
        options,
        appRecord(app, clientSecret),
        `Updated app\n${describeApp(app)}\n  client secret:  ${clientSecret} (shown once; the old one no longer works)`,
      );
    }),
  );

  withStoreOptions(
    apps
      .command('show')
      .description("an app's settings")
      .argument('[clientId]', 'the app')
      .option('--client-id <id>', 'the app (instead of the argument)')
      .option('--json', 'print JSON'),
  ).action((argument: string | undefined, options: CommonOptions & { clientId?: string }) =>
    withServices(options, async (services) => {
      const app = await services.apps.getByClientId(targetOf(argument, options.clientId, '--client-id'));
      print(options, appRecord(app), describeApp(app));
    }),
  );

  withStoreOptions(
    apps
      .command('delete')
      .description(
        'delete an app with its grants, tokens and sign-ins in progress; refused while it is in use unless --force',
      )
      .argument('[clientId]', 'the app')
      .option('--client-id <id>', 'the app (instead of the argument)')
      .option(
        '--force',
        'delete even with live SSO sessions, grants or tokens: the sessions end and every token is revoked',
      )
      .option('--json', 'print JSON'),
  ).action((argument: string | undefined, options: CommonOptions & { clientId?: string; force?: boolean }) =>
    withServices(options, async (services) => {
      const clientId = targetOf(argument, options.clientId, '--client-id');
      const { activity, removed } = await services.apps.deleteApp(clientId, options.force === true);
      print(
        options,
        { clientId, deleted: true, activity, removed },
        [`Deleted app ${clientId}`, ...describeRemovedAppRecords(removed)].join('\n'),
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

/** What deleting an app ended and revoked, a line each (none when it was not in use). */
function describeRemovedAppRecords(removed: DeletedApp): string[] {
  const lines: string[] = [];
  if (removed.endedSessions)
    lines.push(
      `  ended ${removed.endedSessions} SSO session(s) it was signed into${removed.otherAppsGrantsRevoked ? `, revoking ${removed.otherAppsGrantsRevoked} grant(s) of other apps made in them` : ''}`,
    );
  if (removed.grants)
    lines.push(
      `  revoked ${removed.grants} grant(s) with ${removed.accessTokens} access and ${removed.refreshTokens} refresh token(s)`,
    );
  if (removed.transactions)
    lines.push(`  removed ${removed.transactions} sign-in transaction(s) and their codes`);
  return lines;
}
