import { randomBytes } from 'node:crypto';
import type { AuthenticatorRegistry } from '../authenticators/registry.js';
import type { Clock } from '../clock.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import { hashSecret, randomToken } from '../secrets.js';
import {
  type App,
  type AppDeletion,
  type AppPolicy,
  type AppsStore,
  type HostedPageTheme,
  type PolicyRequirement,
  TOKEN_SIGNING_ALGS,
  type TokenSigningAlg,
} from '../storage/apps-store.js';
import { assertValidPolicy, DEFAULT_POLICY, parsePolicyExpression } from './app-policy.js';
import { assertOrigin, assertRedirectUri } from './app-urls.js';
import { hostedPageTheme } from './hosted-page-theme.js';
import { type RegistrationInput, registrationPolicy } from './registration-profile.js';
import {
  assertWebauthnRpIdCoversApp,
  type WebauthnSettingsInput,
  webauthnSettings,
} from './webauthn-settings.js';

/** A policy as an operator writes it: requirements as data, or as an expression (`password,email`). */
export interface AppPolicyInput extends WebauthnSettingsInput {
  /** Written form, e.g. `password`, `password,email`, `password+email`. */
  factors?: string | undefined;
  requirements?: PolicyRequirement[] | undefined;
  identifierFirst?: boolean | undefined;
  selfServiceRecovery?: boolean | undefined;
  selfServiceUnlock?: boolean | undefined;
  signInAfterUnlock?: boolean | undefined;
  /** Self-service registration: true or settings to turn it on, false to turn it off. */
  registration?: RegistrationInput | boolean | undefined;
}

/** What an operator may set on an app, at creation or later. */
export interface AppSettingsInput {
  name?: string | undefined;
  redirectUris?: string[] | undefined;
  postLogoutRedirectUris?: string[] | undefined;
  /** A URL, or null to remove it. */
  emailVerifyUri?: string | null | undefined;
  /** The app's sign-in page (OIDC `initiate_login_uri`), linked from emails; null to remove it. */
  loginUri?: string | null | undefined;
  trustedOrigins?: string[] | undefined;
  policy?: AppPolicyInput | undefined;
  refreshTokens?: boolean | undefined;
  /** Sign-in by redirect (`/authorize`, the `authorization_code` grant) at the redirect URIs; on by default. */
  redirectSignIn?: boolean | undefined;
  /** A confidential app must send PKCE with `/authorize` too (public apps always must). */
  requirePkce?: boolean | undefined;
  /** The hosted sign-in page's theme; members given replace the stored ones, `null` removes one. */
  hostedPage?: HostedPageInput | undefined;
  /** How the app's ID and access tokens are signed (OIDC `id_token_signed_response_alg`); RS256 by default. */
  tokenSigningAlg?: TokenSigningAlg | undefined;
}

export type HostedPageInput = { [K in keyof HostedPageTheme]?: string | null | undefined };

export interface NewAppInput extends AppSettingsInput {
  name: string;
  clientId?: string | undefined;
  /** true: a public client (PKCE alone). Otherwise confidential, with `secret` or a generated one. */
  public?: boolean | undefined;
  secret?: string | undefined;
  redirectUris: string[];
}

export interface CreatedApp {
  app: App;
  /** The client secret in clear: shown once, only its hash is stored. */
  clientSecret: string | null;
}

const CLIENT_ID = /^[A-Za-z0-9._-]{3,100}$/;
const MIN_SECRET_LENGTH = 32;

/** OIDC clients ("apps"): validation of what an operator registers or changes, secrets generated and hashed. */
export class AppService {
  constructor(
    private readonly store: AppsStore,
    private readonly clock: Clock,
    private readonly authenticators: AuthenticatorRegistry,
  ) {}

  async createApp(input: NewAppInput): Promise<CreatedApp> {
    const clientId = input.clientId ?? `0oa${randomBytes(9).toString('hex')}`;
    if (!CLIENT_ID.test(clientId))
      throw new ValidationError('clientId', 'client id must be 3–100 characters of A-Z a-z 0-9 . _ -');
    if (input.public && input.secret) throw new ValidationError('secret', 'a public app has no secret');
    if (input.secret !== undefined && input.secret.length < MIN_SECRET_LENGTH)
      throw new ValidationError('secret', `a client secret must be at least ${MIN_SECRET_LENGTH} characters`);
    const blank: App = {
      id: `app_${randomToken(12)}`,
      clientId,
      name: '',
      secretHash: null,
      redirectUris: [],
      postLogoutRedirectUris: [],
      emailVerifyUri: null,
      loginUri: null,
      trustedOrigins: [],
      grantTypes: [],
      policy: this.policy(DEFAULT_POLICY, {}),
      createdAt: this.clock.now(),
      requirePkce: false,
      hostedPage: {},
      tokenSigningAlg: 'RS256',
    };
    const app = this.apply(blank, {
      ...input,
      refreshTokens: input.refreshTokens ?? true,
      redirectSignIn: input.redirectSignIn ?? true,
    });
    if (await this.store.findByClientId(clientId))
      throw new ConflictError(`An app with client id ${clientId} already exists`);
    const clientSecret = input.public ? null : (input.secret ?? randomToken(32));
    const created = { ...app, secretHash: clientSecret === null ? null : hashSecret(clientSecret) };
    await this.store.createApp(created);
    return { app: created, clientSecret };
  }

  /** Changes a live app; what is not given stays as it is. Serving processes see it within seconds. */
  async updateApp(clientId: string, changes: AppSettingsInput): Promise<App> {
    const app = await this.getByClientId(clientId);
    return this.store.updateApp(this.apply(structuredClone(app), changes));
  }

  /**
   * `updateApp` that also gives a confidential app a new client secret (`secret`, or a generated one
   * when null), in the same write: the old secret stops working. The new one is returned once.
   */
  async updateAppWithNewSecret(
    clientId: string,
    changes: AppSettingsInput,
    secret: string | null,
  ): Promise<CreatedApp & { clientSecret: string }> {
    const app = await this.getByClientId(clientId);
    if (app.secretHash === null) throw new ValidationError('secret', 'a public app has no secret');
    if (secret !== null && secret.length < MIN_SECRET_LENGTH)
      throw new ValidationError('secret', `a client secret must be at least ${MIN_SECRET_LENGTH} characters`);
    const clientSecret = secret ?? randomToken(32);
    const next = { ...this.apply(structuredClone(app), changes), secretHash: hashSecret(clientSecret) };
    return { app: await this.store.updateApp(next), clientSecret };
  }

  /**
   * Deletes an app with its grants, tokens and transactions. While it is in use (live SSO sessions it
   * was signed into, live grants or tokens) it is refused unless `force`, which ends those sessions
   * first (see `AppsStore.deleteApp`).
   */
  async deleteApp(clientId: string, force: boolean): Promise<Extract<AppDeletion, { outcome: 'deleted' }>> {
    const app = await this.getByClientId(clientId);
    const event = { type: 'application.lifecycle.delete', data: { by: 'cli', clientId, force } };
    const deletion = await this.store.deleteApp(app.id, this.clock.now(), force, event);
    if (deletion.outcome === 'not-found') throw new NotFoundError(`No app with client id ${clientId}`);
    if (deletion.outcome === 'in-use') {
      const { liveSessions, liveGrants, liveAccessTokens, liveRefreshTokens } = deletion.activity;
      throw new ConflictError(
        `App ${clientId} is in use: ${liveSessions} live SSO sessions, ${liveGrants} live grants (${liveAccessTokens} access and ${liveRefreshTokens} refresh tokens); --force ends and revokes them and deletes the app`,
      );
    }
    return deletion;
  }

  async getByClientId(clientId: string): Promise<App> {
    const app = await this.store.findByClientId(clientId);
    if (!app) throw new NotFoundError(`No app with client id ${clientId}`);
    return app;
  }

  list(): Promise<App[]> {
    return this.store.list();
  }

  /** `app` with the given settings applied, each checked. */
  private apply(app: App, input: AppSettingsInput): App {
    const next = { ...app };
    if (input.name !== undefined || !next.name) {
      const name = input.name?.trim();
      if (!name || name.length > 100) throw new ValidationError('name', 'name must be 1–100 characters');
      next.name = name;
    }
    if (input.redirectUris !== undefined || next.redirectUris.length === 0) {
      if (!input.redirectUris?.length)
        throw new ValidationError('redirectUris', 'at least one redirect URI is required');
      next.redirectUris = input.redirectUris.map((uri) => assertRedirectUri(uri, 'redirectUris'));
    }
    if (input.postLogoutRedirectUris !== undefined)
      next.postLogoutRedirectUris = input.postLogoutRedirectUris.map((uri) =>
        assertRedirectUri(uri, 'postLogoutRedirectUris'),
      );
    if (input.emailVerifyUri !== undefined)
      next.emailVerifyUri = input.emailVerifyUri
        ? assertRedirectUri(input.emailVerifyUri, 'emailVerifyUri')
        : null;
    if (input.loginUri !== undefined)
      next.loginUri = input.loginUri ? assertRedirectUri(input.loginUri, 'loginUri') : null;
    if (input.trustedOrigins !== undefined) next.trustedOrigins = input.trustedOrigins.map(assertOrigin);
    next.grantTypes = grantTypesOf(next.grantTypes, input);
    if (input.requirePkce !== undefined) next.requirePkce = input.requirePkce;
    if (input.hostedPage !== undefined) next.hostedPage = hostedPageTheme(next.hostedPage, input.hostedPage);
    if (input.tokenSigningAlg !== undefined) {
      if (!(TOKEN_SIGNING_ALGS as readonly string[]).includes(input.tokenSigningAlg))
        throw new ValidationError(
          'tokenSigningAlg',
          `token signing algorithm must be ${TOKEN_SIGNING_ALGS.join(', ')}`,
        );
      next.tokenSigningAlg = input.tokenSigningAlg;
    }
    if (input.policy !== undefined) next.policy = this.policy(next.policy, input.policy);
    assertWebauthnRpIdCoversApp(next);
    return next;
  }

  /** `base` with the given policy settings applied, checked against the installed authenticators. */
  private policy(base: AppPolicy, input: AppPolicyInput): AppPolicy {
    if (input.factors !== undefined && input.requirements !== undefined)
      throw new ValidationError('policy', 'give the policy as factors or as requirements, not both');
    const requirements =
      input.requirements ??
      (input.factors !== undefined ? parsePolicyExpression(input.factors) : base.requirements);
    const policy: AppPolicy = {
      requirements: requirements.map((r) => ({ anyOf: [...r.anyOf] })),
      identifierFirst: input.identifierFirst ?? base.identifierFirst,
      selfServiceRecovery: input.selfServiceRecovery ?? base.selfServiceRecovery,
      selfServiceUnlock: input.selfServiceUnlock ?? base.selfServiceUnlock,
      signInAfterUnlock: input.signInAfterUnlock ?? base.signInAfterUnlock,
      registration: registrationOf(base.registration, input.registration),
      ...webauthnSettings(base, input),
    };
    assertValidPolicy(policy, this.authenticators);
    return policy;
  }
}

/** The grants an app may use: interaction codes always; redirect sign-in and refresh tokens as set. */
function grantTypesOf(current: string[], input: AppSettingsInput): string[] {
  const redirect = input.redirectSignIn ?? current.includes('authorization_code');
  const refresh = input.refreshTokens ?? current.includes('refresh_token');
  return [
    'interaction_code',
    ...(redirect ? ['authorization_code'] : []),
    ...(refresh ? ['refresh_token'] : []),
  ];
}

function registrationOf(
  base: AppPolicy['registration'],
  input: AppPolicyInput['registration'],
): AppPolicy['registration'] {
  if (input === undefined) return base;
  if (input === false) return null;
  if (input === true) return base ?? registrationPolicy();
  return registrationPolicy({
    attributes: input.attributes ?? base?.profile,
    existingEmail: input.existingEmail ?? base?.existingEmail,
  });
}
