import type { Command } from 'commander';
import type { AppPolicyInput, AppSettingsInput } from '../../apps/app-service.js';
import { parseAttributeSpec } from '../../apps/registration-profile.js';
import { ValidationError } from '../../errors.js';
import type { RegistrationPolicy, TokenSigningAlg } from '../../storage/apps-store.js';
import type { CommonOptions } from '../common-options.js';

/** What `apps create` and `apps update` both set. */
export interface SettingsOptions extends CommonOptions {
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

export interface CreateOptions extends SettingsOptions {
  name: string;
  clientId?: string;
  public?: boolean;
  secret?: string;
  redirectUri: string[];
}

export const collect = (value: string, previous: string[] = []) => [...previous, value];

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
export function settingsInput(options: SettingsOptions): AppSettingsInput {
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
export function withSelfServiceOptions(command: Command): Command {
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

/** The lists `apps update` edits: replaced (`--redirect-uri`), or changed item by item (`--add-…`, `--remove-…`). */
type ListOption = 'redirectUri' | 'postLogoutRedirectUri' | 'trustedOrigin';
type ListEdits = {
  [K in ListOption | `add${Capitalize<ListOption>}` | `remove${Capitalize<ListOption>}`]?: string[];
};

export interface UpdateOptions extends SettingsOptions, ListEdits {
  clientId?: string;
  secret?: string;
  newSecret?: boolean;
}

const LISTS: Array<[ListOption, string, string]> = [
  ['redirectUri', 'redirect-uri', 'sign-in redirect URI'],
  ['postLogoutRedirectUri', 'post-logout-redirect-uri', 'post-logout redirect URI'],
  ['trustedOrigin', 'trusted-origin', 'browser origin allowed by CORS'],
];

/** `--redirect-uri` (replaces the list), `--add-redirect-uri`, `--remove-redirect-uri`, and the same for the other lists. */
export function withListEditOptions(command: Command): Command {
  for (const [, flag, what] of LISTS)
    command
      .option(`--${flag} <value>`, `${what} (repeatable; replaces the list)`, collect)
      .option(`--add-${flag} <value>`, `add a ${what} to the list (repeatable)`, collect)
      .option(`--remove-${flag} <value>`, `remove a ${what} from the list (repeatable)`, collect);
  return command;
}

/**
 * The new value of one of an app's lists: the replacement or the current list, plus what is added
 * (once), minus what is removed (which must be there). Undefined when none of the three is given.
 */
export function editedList(
  current: readonly string[],
  options: ListEdits,
  name: ListOption,
): string[] | undefined {
  const suffix = `${name[0]!.toUpperCase()}${name.slice(1)}` as Capitalize<ListOption>;
  const replace = options[name];
  const add = options[`add${suffix}`] ?? [];
  const remove = options[`remove${suffix}`] ?? [];
  if (replace === undefined && add.length === 0 && remove.length === 0) return undefined;
  const [, flag, what] = LISTS.find(([option]) => option === name)!;
  const list = [...(replace ?? current)];
  for (const value of add) if (!list.includes(value)) list.push(value);
  for (const value of remove) {
    if (!list.includes(value))
      throw new ValidationError(name, `--remove-${flag} ${value}: not a ${what} of the app`);
    list.splice(list.indexOf(value), 1);
  }
  return list;
}
