import { randomBytes } from 'node:crypto';
import type { AuthenticatorRegistry } from '../authenticators/registry.js';
import type { Clock } from '../clock.js';
import { ConflictError, ValidationError } from '../errors.js';
import { hashSecret, randomToken } from '../secrets.js';
import type { App, AppPolicy, AppsStore, PolicyRequirement } from '../storage/apps-store.js';
import { assertValidPolicy, DEFAULT_POLICY, parsePolicyExpression } from './app-policy.js';

/** A policy as an operator writes it: requirements as data, or as an expression (`password,email`). */
export interface AppPolicyInput {
  /** Written form, e.g. `password`, `password,email`, `password+email`. */
  factors?: string | undefined;
  requirements?: PolicyRequirement[] | undefined;
  identifierFirst?: boolean | undefined;
  selfServiceRecovery?: boolean | undefined;
}

export interface NewAppInput {
  name: string;
  clientId?: string | undefined;
  /** true: a public client (PKCE alone). Otherwise confidential, with `secret` or a generated one. */
  public?: boolean | undefined;
  secret?: string | undefined;
  redirectUris: string[];
  postLogoutRedirectUris?: string[] | undefined;
  emailVerifyUri?: string | undefined;
  trustedOrigins?: string[] | undefined;
  policy?: AppPolicyInput | undefined;
  refreshTokens?: boolean | undefined;
}

export interface CreatedApp {
  app: App;
  /** The client secret in clear: shown once, only its hash is stored. */
  clientSecret: string | null;
}

const CLIENT_ID = /^[A-Za-z0-9._-]{3,100}$/;
const MIN_SECRET_LENGTH = 32;

/** OIDC clients ("apps"): validation of what an operator registers, secrets generated and hashed. */
export class AppService {
  constructor(
    private readonly store: AppsStore,
    private readonly clock: Clock,
    private readonly authenticators: AuthenticatorRegistry,
  ) {}

  async createApp(input: NewAppInput): Promise<CreatedApp> {
    const name = input.name?.trim();
    if (!name || name.length > 100) throw new ValidationError('name', 'name must be 1–100 characters');
    const clientId = input.clientId ?? `0oa${randomBytes(9).toString('hex')}`;
    if (!CLIENT_ID.test(clientId))
      throw new ValidationError('clientId', 'client id must be 3–100 characters of A-Z a-z 0-9 . _ -');
    if (input.public && input.secret) throw new ValidationError('secret', 'a public app has no secret');
    if (input.secret !== undefined && input.secret.length < MIN_SECRET_LENGTH)
      throw new ValidationError('secret', `a client secret must be at least ${MIN_SECRET_LENGTH} characters`);
    if (!input.redirectUris?.length)
      throw new ValidationError('redirectUris', 'at least one redirect URI is required');
    const redirectUris = input.redirectUris.map((uri) => assertRedirectUri(uri, 'redirectUris'));
    const postLogoutRedirectUris = (input.postLogoutRedirectUris ?? []).map((uri) =>
      assertRedirectUri(uri, 'postLogoutRedirectUris'),
    );
    const emailVerifyUri = input.emailVerifyUri
      ? assertRedirectUri(input.emailVerifyUri, 'emailVerifyUri')
      : null;
    const trustedOrigins = (input.trustedOrigins ?? []).map(assertOrigin);
    const policy = this.policyFrom(input.policy);
    if (await this.store.findByClientId(clientId))
      throw new ConflictError(`An app with client id ${clientId} already exists`);

    const clientSecret = input.public ? null : (input.secret ?? randomToken(32));
    const app: App = {
      id: `app_${randomToken(12)}`,
      clientId,
      name,
      secretHash: clientSecret === null ? null : hashSecret(clientSecret),
      redirectUris,
      postLogoutRedirectUris,
      emailVerifyUri,
      trustedOrigins,
      grantTypes:
        input.refreshTokens === false ? ['interaction_code'] : ['interaction_code', 'refresh_token'],
      policy,
      createdAt: this.clock.now(),
    };
    await this.store.createApp(app);
    return { app, clientSecret };
  }

  list(): Promise<App[]> {
    return this.store.list();
  }

  private policyFrom(input: AppPolicyInput = {}): AppPolicy {
    if (input.factors !== undefined && input.requirements !== undefined)
      throw new ValidationError('policy', 'give the policy as factors or as requirements, not both');
    const requirements =
      input.requirements ??
      (input.factors !== undefined ? parsePolicyExpression(input.factors) : DEFAULT_POLICY.requirements);
    const policy: AppPolicy = {
      requirements: requirements.map((r) => ({ anyOf: [...r.anyOf] })),
      identifierFirst: input.identifierFirst ?? DEFAULT_POLICY.identifierFirst,
      selfServiceRecovery: input.selfServiceRecovery ?? DEFAULT_POLICY.selfServiceRecovery,
    };
    assertValidPolicy(policy, this.authenticators);
    return policy;
  }
}

function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/** An absolute https URL (http only on loopback) without a fragment, kept byte for byte. */
function assertRedirectUri(uri: string, field: string): string {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new ValidationError(field, `${uri} is not an absolute URL`);
  }
  if (url.hash || uri.includes('#')) throw new ValidationError(field, `${uri} must not have a fragment`);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.hostname)))
    throw new ValidationError(
      field,
      `${uri} must use https (http is allowed only for localhost and 127.0.0.1)`,
    );
  return uri;
}

/** `scheme://host[:port]` exactly, as browsers send it in `Origin`. */
function assertOrigin(origin: string): string {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    throw new ValidationError('trustedOrigins', `${origin} is not an origin`);
  }
  if (url.origin !== origin)
    throw new ValidationError('trustedOrigins', `${origin} is not an origin (expected ${url.origin})`);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.hostname)))
    throw new ValidationError(
      'trustedOrigins',
      `${origin} must use https (http is allowed only for localhost and 127.0.0.1)`,
    );
  return origin;
}
