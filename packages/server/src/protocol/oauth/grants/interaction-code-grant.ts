import type { TokenResponse } from '@gatehouse/protocol';
import type { Clock } from '../../../clock.js';
import { hashSecret, pkceS256, safeEqual } from '../../../secrets.js';
import type { EventsStore } from '../../../storage/events-store.js';
import type { GrantsStore } from '../../../storage/grants-store.js';
import type { InteractionCodesStore } from '../../../storage/interaction-codes-store.js';
import type { UsersStore } from '../../../storage/users-store.js';
import type { AuthorizationServer, ServerId } from '../authorization-servers.js';
import { OAuthError } from '../oauth-error.js';
import { requireParam } from '../params.js';
import { newGrantId, type TokenIssuer } from '../token-issuer.js';
import { clampRefreshExpiry, type GrantHandler, type GrantRequest } from './grant-handler.js';

const CODE_VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;

export interface InteractionCodeGrantDeps {
  interactionCodes: InteractionCodesStore;
  grants: GrantsStore;
  users: UsersStore;
  events: EventsStore;
  tokens: TokenIssuer;
  clock: Clock;
  server(id: ServerId): AuthorizationServer;
  refreshTokenAbsoluteTtlSeconds: number;
}

/** `grant_type=interaction_code`: an interaction code and its PKCE verifier for tokens. */
export function interactionCodeGrant(deps: InteractionCodeGrantDeps): GrantHandler {
  return async ({ serverId, app, params, ip }: GrantRequest): Promise<TokenResponse> => {
    const { interactionCodes, grants, users, events, clock } = deps;
    const code = requireParam(params, 'interaction_code');
    const verifier = requireParam(params, 'code_verifier');
    const codeHash = hashSecret(code);
    const now = clock.now();
    const expired = () => new OAuthError('invalid_grant', 'The interaction code is invalid or has expired.');

    const reused = () => new OAuthError('invalid_grant', 'The interaction code has already been used.');

    // Consume first: whatever happens next, a code is never redeemable twice.
    const redeemed = await interactionCodes.consume(codeHash, now);
    if (!redeemed) {
      // Replay: revoke what the first redemption issued (RFC 6749 §4.1.2). The mark comes first and
      // commits on its own: a first redemption still in flight then either has committed its grant
      // by the time it is looked up here, or will see the mark and create none (createGrant).
      const used = await interactionCodes.markReplayed(codeHash, now);
      if (!used) throw expired();
      const grant = await grants.findGrantByCode(codeHash);
      if (grant) await grants.revokeGrant(grant.id, now);
      await events.record(
        {
          type: 'app.oauth2.interaction_code.reuse',
          userId: used.userId,
          appId: app.id,
          ip,
          data: { revokedGrant: grant?.id ?? null },
        },
        now,
      );
      throw reused();
    }
    if (redeemed.expiresAt <= now) throw expired();
    if (redeemed.appId !== app.id || redeemed.serverId !== serverId)
      throw new OAuthError(
        'invalid_grant',
        'The interaction code was issued to another client or authorization server.',
      );
    if (params.redirect_uri !== undefined && params.redirect_uri !== redeemed.redirectUri)
      throw new OAuthError('invalid_grant', "The 'redirect_uri' does not match the one of the interaction.");
    if (!CODE_VERIFIER.test(verifier) || !safeEqual(pkceS256(verifier), redeemed.codeChallenge))
      throw new OAuthError('invalid_grant', 'PKCE verification failed.');

    const user = await users.findById(redeemed.userId);
    if (!user || user.status !== 'ACTIVE') throw new OAuthError('invalid_grant', 'The user is not active.');

    const grantId = newGrantId();
    const absoluteEnd = now + deps.refreshTokenAbsoluteTtlSeconds * 1000;
    const issued = await deps.tokens.issue({
      server: deps.server(serverId),
      app,
      user,
      grantId,
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
      },
      clampRefreshExpiry(issued.records, absoluteEnd),
      {
        type: 'app.oauth2.token.grant',
        userId: user.id,
        appId: app.id,
        ip,
        data: { grant: grantId, grantType: 'interaction_code' },
      },
    );
    // A replay marked the code while this redemption was under way: it issues nothing either.
    if (!created) throw reused();
    return issued.response;
  };
}
