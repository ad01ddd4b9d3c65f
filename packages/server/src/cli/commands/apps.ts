import type { Command } from 'commander';
import { describeRequirements } from '../../apps/app-policy.js';
import type { AppPolicyInput, AppSettingsInput } from '../../apps/app-service.js';
import { parseAttributeSpec } from '../../apps/registration-profile.js';
import { ValidationError } from '../../errors.js';
import type { App, RegistrationPolicy, TokenSigningAlg } from '../../storage/apps-store.js';
import { type CommonOptions, print, withServices, withStoreOptions } from '../common-options.js';

/** What `apps create` and `apps update` both set. */
interface SettingsOptions extends CommonOptions {
  name?: string;
  redirectUri?: string[];
  postLogoutRedirectUri?: string[];
  emailVerifyUri?: string;
  loginUri?: string;
  trustedOrigin?: string[];
  policy?: string;
  identifierFirst?: boolean;
  recovery?: boolean;
  registration?: boolean;
  profileAttribute?: string[];
  existingEmail?: string;
  unlock?: boolean;
  signInAfterUnlock?: boolean;
  webauthnRpId?: string;
  webauthnUserVerification?: string;
  refreshTokens?: boolean;
  redirectSignIn?: boolean;
  requirePkce?: boolean;
  logo?: string;
  brandName?: string;
  brandColor?: string;
  brandTextColor?: string;
  signInTitle?: string;
  tokenSigningAlg?: string;
}

interface CreateOptions extends SettingsOptions {
  name: string;
  clientId?: string;
  public?: boolean;
  secret?: string;
  redirectUri: string[];
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
    redirectSignIn: app.grantTypes.includes('authorization_code'),
    requirePkce: app.secretHash === null || app.requirePkce,
    hostedPage: app.hostedPage,
    tokenSigningAlg: app.tokenSigningAlg,
    loginUri: app.loginUri,
    policy: { factors: describeRequirements(app.policy.requirements), ...app.policy },
    createdAt: new Date(app.createdAt).toISOString(),
  };
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** The policy switches given on the command line (absent ones stay as they are). */
function policyInput(options: SettingsOptions): AppPolicyInput {
  const attributes = options.profileAttribute?.map(parseAttributeSpec);
  const existingEmail = options.existingEmail as RegistrationPolicy['existingEmail'] | undefined;
  if (existingEmail !== undefined && existingEmail !== 'notify-owner' && existingEmail !== 'reveal')
    throw new ValidationError('existingEmail', '--existing-email must be notify-owner or reveal');
  if (options.registration === false && (attributes || existingEmail))
    throw new ValidationError('registration', '--no-registration takes no sign-up settings');
  const settings = attributes || existingEmail ? { attributes, existingEmail } : undefined;
  return {
    factors: options.policy,
    identifierFirst: options.identifierFirst,
    selfServiceRecovery: options.recovery,
    selfServiceUnlock: options.unlock,
    signInAfterUnlock: options.signInAfterUnlock,
    registration: settings ?? options.registration,
    webauthnRpId: options.webauthnRpId === '' ? null : options.webauthnRpId,
    webauthnUserVerification: options.webauthnUserVerification,
  };
}

/** The settings given on the command line, as the app service takes them. */
function settingsInput(options: SettingsOptions): AppSettingsInput {
  return {
    name: options.name,
    redirectUris: options.redirectUri,
    postLogoutRedirectUris: options.postLogoutRedirectUri,
    emailVerifyUri: options.emailVerifyUri === '' ? null : options.emailVerifyUri,
    loginUri: options.loginUri === '' ? null : options.loginUri,
    trustedOrigins: options.trustedOrigin,
    policy: policyInput(options),
    refreshTokens: options.refreshTokens,
    redirectSignIn: options.redirectSignIn,
    requirePkce: options.requirePkce,
    hostedPage: {
      logo: options.logo,
      brandName: options.brandName,
      primaryColor: options.brandColor,
      primaryTextColor: options.brandTextColor,
      title: options.signInTitle,
    },
    tokenSigningAlg: options.tokenSigningAlg as TokenSigningAlg | undefined,
  };
}

/** The options an app's sign-up, unlock and sign-in page are set with, on create and update. */
function withSelfServiceOptions(command: Command): Command {
  return command
    .option('--login-uri <uri>', "the app's sign-in page, linked from emails ('' removes it)")
    .option('--registration', 'let newcomers sign up (self-service registration)')
    .option('--no-registration', 'turn self-service registration off')
    .option(
      '--profile-attribute <spec>',
      'a sign-up attribute beside first name, last name and email (repeatable; replaces earlier ones; turns sign-up on): name;label=Label;required;maxLength=N;pattern=RE;type=string|boolean',
      collect,
    )
    .option(
      '--existing-email <mode>',
      "a sign-up with an address that has an account: notify-owner (default, enumeration-safe) or reveal (Okta's field error)",
    )
    .option('--unlock', 'let locked-out users unlock their account by email (self-service unlock)')
    .option('--no-unlock', 'turn self-service unlock off')
    .option('--sign-in-after-unlock', 'after an unlock, go on signing in instead of ending on "unlocked"')
    .option('--no-sign-in-after-unlock', 'after an unlock, end on "unlocked"')
    .option(
      '--webauthn-rp-id <domain>',
      "the domain passkeys are registered for: the host or a parent domain of every redirect URI and trusted origin ('' goes back to the host of the app's page)",
    )
    .option(
      '--webauthn-user-verification <mode>',
      'preferred (default) or required: whether a passkey must verify its user (PIN, biometrics); a passkey-only policy always requires it',
    )
    .option(
      '--redirect-sign-in',
      'allow sign-in by redirect (/authorize, the hosted page) at the redirect URIs (default)',
    )
    .option('--no-redirect-sign-in', 'embedded sign-in only: /authorize refuses this app')
    .option('--require-pkce', 'a confidential app must send PKCE to /authorize too (public apps always must)')
    .option('--no-require-pkce', 'a confidential app may leave PKCE out (its secret binds the code)')
    .option('--logo <url>', "hosted sign-in page: logo (https URL or data:image/…; '' removes it)")
    .option('--brand-name <name>', "hosted sign-in page: name shown above the form ('' removes it)")
    .option('--brand-color <color>', "hosted sign-in page: button colour, #rrggbb or a name ('' removes it)")
    .option('--brand-text-color <color>', "hosted sign-in page: text colour on buttons ('' removes it)")
    .option(
      '--sign-in-title <text>',
      "hosted sign-in page: the form's heading instead of \"Sign In\" ('' removes it)",
    )
    .option(
      '--token-signing-alg <alg>',
      "how the app's ID and access tokens are signed: RS256 (default; Okta's clients require it), ES256 or EdDSA",
    );
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
    apps
      .command('update')
      .description("change an app's settings (what is not given stays as it is)")
      .requiredOption('--client-id <id>', 'the app')
      .option('--name <name>', 'display name')
      .option('--redirect-uri <uri>', 'sign-in redirect URI (repeatable; replaces the list)', collect)
      .option(
        '--post-logout-redirect-uri <uri>',
        'post-logout redirect URI (repeatable; replaces the list)',
        collect,
      )
      .option('--email-verify-uri <uri>', "email-verify callback URI for magic links ('' removes it)")
      .option(
        '--trusted-origin <origin>',
        'browser origin allowed by CORS (repeatable; replaces the list)',
        collect,
      )
      .option('--policy <policy>', 'sign-in policy: password, password,email, email|password, …')
      .option('--identifier-first', 'ask for the username first, then the authenticator')
      .option('--no-identifier-first', 'ask for username and password on one form')
      .option('--recovery', 'turn on self-service password recovery')
      .option('--no-recovery', 'turn off self-service password recovery')
      .option('--refresh-tokens', 'issue refresh tokens')
      .option('--no-refresh-tokens', 'never issue refresh tokens')
      .option('--json', 'print the updated record as JSON'),
  );
  withSelfServiceOptions(update).action((options: SettingsOptions & { clientId: string }) =>
    withServices(options, async (services) => {
      const app = await services.apps.updateApp(options.clientId, settingsInput(options));
      print(options, appRecord(app), `Updated app\n${describeApp(app)}`);
    }),
  );

  withStoreOptions(
    apps
      .command('show')
      .description("an app's settings")
      .requiredOption('--client-id <id>', 'the app')
      .option('--json', 'print JSON'),
  ).action((options: CommonOptions & { clientId: string }) =>
    withServices(options, async (services) => {
      const app = await services.apps.getByClientId(options.clientId);
      print(options, appRecord(app), describeApp(app));
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
