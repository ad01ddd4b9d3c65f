import type { TokenResponse } from '@gatehouse/protocol';
import type { Clock } from '../../../clock.js';
import { hashSecret, pkceS256, safeEqual } from '../../../secrets.js';
import type { EventsStore } from '../../../storage/events-store.js';
import type { GrantsStore } from '../../../storage/grants-store.js';
import type { InteractionCode, InteractionCodesStore } from '../../../storage/interaction-codes-store.js';
import type { UsersStore } from '../../../storage/users-store.js';
import type { AuthorizationServer, ServerId } from '../authorization-servers.js';
import { OAuthError } from '../oauth-error.js';
import { requireParam } from '../params.js';
import { newGrantId, type TokenIssuer } from '../token-issuer.js';
import { clampRefreshExpiry, type GrantHandler, type GrantRequest } from './grant-handler.js';

const CODE_VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;

export interface CodeGrantDeps {
  interactionCodes: InteractionCodesStore;
  grants: GrantsStore;
  users: UsersStore;
  events: EventsStore;
  tokens: TokenIssuer;
  clock: Clock;
  server(id: ServerId): AuthorizationServer;
  refreshTokenAbsoluteTtlSeconds: number;
}

/** The two grants that turn a single-use code into tokens, and how they differ. */
const KINDS = {
  /** `grant_type=interaction_code` (embedded sign-in): PKCE always; `redirect_uri` optional. */
  interaction_code: {
    param: 'interaction_code',
    noun: 'interaction code',
    redirectUriRequired: false,
    verifierRequired: true,
  },
  /** `grant_type=authorization_code` (hosted sign-in, RFC 6749 §4.1.3): `redirect_uri` required. */
  /** The verifier's need depends on the code (a confidential app may have sent no challenge). */
  authorization_code: {
    param: 'code',
    noun: 'authorization code',
    redirectUriRequired: true,
    verifierRequired: false,
  },
} as const;

/**
 * A code grant: the code is consumed first (one atomic statement, so it is never redeemable twice),
 * then checked against the client, the server, the redirect URI and PKCE. A replay revokes what
 * the first redemption issued (RFC 6749 §4.1.2).
 */
export function codeGrant(deps: CodeGrantDeps, kind: keyof typeof KINDS): GrantHandler {
  const { param, noun, redirectUriRequired, verifierRequired } = KINDS[kind];
  return async ({ serverId, app, params, ip }: GrantRequest): Promise<TokenResponse> => {
    const { interactionCodes, grants, users, events, clock } = deps;
    const code = requireParam(params, param);
    const redirectUri = redirectUriRequired ? requireParam(params, 'redirect_uri') : params.redirect_uri;
    const verifier = verifierRequired ? requireParam(params, 'code_verifier') : params.code_verifier;
    const codeHash = hashSecret(code);
    const now = clock.now();
    const expired = () => new OAuthError('invalid_grant', `The ${noun} is invalid or has expired.`);
    const reused = () => new OAuthError('invalid_grant', `The ${noun} has already been used.`);

    const redeemed = await interactionCodes.consume(codeHash, now);
    if (!redeemed) {
      // The mark comes first and commits on its own: a first redemption still in flight then either
      // has committed its grant by the time it is looked up here, or will see the mark and create
      // none (createGrant).
      const used = await interactionCodes.markReplayed(codeHash, now);
      if (!used) throw expired();
      const grant = await grants.findGrantByCode(codeHash);
      if (grant) await grants.revokeGrant(grant.id, now);
      await events.record(
        {
          type: `app.oauth2.${kind}.reuse`,
          userId: used.userId,
          appId: app.id,
          ip,
          data: { revokedGrant: grant?.id ?? null },
        },
        now,
      );
      throw reused();
    }
    // Each grant redeems only its own kind of code (a hosted sign-in's own code never reaches an app).
    if (redeemed.grantType !== kind || redeemed.expiresAt <= now) throw expired();
    if (redeemed.appId !== app.id || redeemed.serverId !== serverId)
      throw new OAuthError(
        'invalid_grant',
        `The ${noun} was issued to another client or authorization server.`,
      );
    if (redirectUri !== undefined && redirectUri !== redeemed.redirectUri)
      throw new OAuthError(
        'invalid_grant',
        "The 'redirect_uri' does not match the one of the authorization request.",
      );
    checkPkce(redeemed, verifier);

    const user = await users.findById(redeemed.userId);
    if (!user || user.status !== 'ACTIVE') throw new OAuthError('invalid_grant', 'The user is not active.');

    const grantId = newGrantId();
    const absoluteEnd = now + deps.refreshTokenAbsoluteTtlSeconds * 1000;
    const issued = await deps.tokens.issue({
      server: deps.server(serverId),
      app,
      user,
      grantId,
      sessionId: redeemed.sessionId,
      scopes: redeemed.scopes,
      nonce: redeemed.nonce,
      authTime: redeemed.authTime,
      amr: redeemed.amr,
      withRefreshToken:
        redeemed.scopes.includes('offline_access') && app.grantTypes.includes('refresh_token'),
    });
    const created = await grants.createGrant(
      {
        id: grantId,
        userId: user.id,
        appId: app.id,
        serverId,
        scopes: redeemed.scopes,
        codeHash,
        authTime: redeemed.authTime,
        amr: redeemed.amr,
        createdAt: now,
        expiresAt: absoluteEnd,
        revokedAt: null,
        sessionId: redeemed.sessionId,
      },
      clampRefreshExpiry(issued.records, absoluteEnd),
      {
        type: 'app.oauth2.token.grant',
        userId: user.id,
        appId: app.id,
        ip,
        data: { grant: grantId, grantType: kind },
      },
    );
    // A replay marked the code while this redemption was under way: it issues nothing either.
    if (!created) throw reused();
    return issued.response;
  };
}

/**
 * PKCE (RFC 7636 §4.6): a code with a challenge needs the matching verifier; a code without one
 * (a confidential app that sent none to `/authorize`) must not be presented with a verifier.
 */
function checkPkce(code: InteractionCode, verifier: string | undefined): void {
  if (code.codeChallenge === '') {
    if (verifier !== undefined)
      throw new OAuthError(
        'invalid_grant',
        'PKCE verification failed: the authorization request had no code_challenge.',
      );
    return;
  }
  if (verifier === undefined)
    throw new OAuthError('invalid_request', "The 'code_verifier' parameter is required.");
  if (!CODE_VERIFIER.test(verifier) || !safeEqual(pkceS256(verifier), code.codeChallenge))
    throw new OAuthError('invalid_grant', 'PKCE verification failed.');
}
