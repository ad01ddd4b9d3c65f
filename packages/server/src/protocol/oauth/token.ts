import type { TokenResponse } from '@gatehouse/protocol';
import { OAuthError } from '../../errors.js';
import { hashSecret, pkceS256, safeEqual } from '../../secrets.js';
import type { Services } from '../../services.js';
import type { App } from '../../storage/apps-store.js';
import type { ServerId } from './authorization-servers.js';
import { authenticateClient } from './client-auth.js';
import { requireParam } from './params.js';
import { parseScopes } from './scopes.js';
import { newGrantId } from './token-issuer.js';

const CODE_VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;

/** `POST /v1/token`: the interaction_code and refresh_token grants. */
export async function token(
  services: Services,
  serverId: ServerId,
  params: Record<string, string>,
  authorization: string | undefined,
  ip: string | null,
): Promise<TokenResponse> {
  const grantType = requireParam(params, 'grant_type');
  if (grantType !== 'interaction_code' && grantType !== 'refresh_token')
    throw new OAuthError('unsupported_grant_type', `The grant type '${grantType}' is not supported.`);
  const app = await authenticateClient(services.storage.apps, params, authorization);
  if (!app.grantTypes.includes(grantType))
    throw new OAuthError('unauthorized_client', `The client is not allowed to use the ${grantType} grant.`);
  return grantType === 'interaction_code'
    ? redeemInteractionCode(services, serverId, app, params, ip)
    : refresh(services, serverId, app, params, ip);
}

async function redeemInteractionCode(
  services: Services,
  serverId: ServerId,
  app: App,
  params: Record<string, string>,
  ip: string | null,
): Promise<TokenResponse> {
  const { storage, clock } = services;
  const code = requireParam(params, 'interaction_code');
  const verifier = requireParam(params, 'code_verifier');
  const codeHash = hashSecret(code);
  const now = clock.now();

  // Consume first: whatever happens next, a code is never redeemable twice (A3, A6).
  const redeemed = await storage.interactionCodes.consume(codeHash, now);
  if (!redeemed) {
    const used = await storage.interactionCodes.find(codeHash);
    if (used) {
      // Replay: revoke what the first redemption issued (RFC 6749 §4.1.2).
      const grant = await storage.grants.findGrantByCode(codeHash);
      if (grant) await storage.grants.revokeGrant(grant.id, now);
      await storage.events.record(
        {
          type: 'app.oauth2.interaction_code.reuse',
          userId: used.userId,
          appId: app.id,
          ip,
          data: { revokedGrant: grant?.id ?? null },
        },
        now,
      );
      throw new OAuthError('invalid_grant', 'The interaction code has already been used.');
    }
    throw new OAuthError('invalid_grant', 'The interaction code is invalid or has expired.');
  }
  if (redeemed.expiresAt <= now)
    throw new OAuthError('invalid_grant', 'The interaction code is invalid or has expired.');
  if (redeemed.appId !== app.id || redeemed.serverId !== serverId)
    throw new OAuthError(
      'invalid_grant',
      'The interaction code was issued to another client or authorization server.',
    );
  if (params.redirect_uri !== undefined && params.redirect_uri !== redeemed.redirectUri)
    throw new OAuthError('invalid_grant', "The 'redirect_uri' does not match the one of the interaction.");
  if (!CODE_VERIFIER.test(verifier) || !safeEqual(pkceS256(verifier), redeemed.codeChallenge))
    throw new OAuthError('invalid_grant', 'PKCE verification failed.');

  const user = await storage.users.findById(redeemed.userId);
  if (!user || user.status !== 'ACTIVE') throw new OAuthError('invalid_grant', 'The user is not active.');

  const grantId = newGrantId();
  const withRefreshToken =
    redeemed.scopes.includes('offline_access') && app.grantTypes.includes('refresh_token');
  const issued = await services.tokens.issue({
    server: services.server(serverId),
    app,
    user,
    grantId,
    scopes: redeemed.scopes,
    nonce: redeemed.nonce,
    authTime: redeemed.authTime,
    amr: redeemed.amr,
    withRefreshToken,
  });
  await storage.grants.createGrant(
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
      expiresAt: now + services.config.tokens.refreshTokenAbsoluteTtlSeconds * 1000,
      revokedAt: null,
    },
    clampRefreshExpiry(issued.records, now + services.config.tokens.refreshTokenAbsoluteTtlSeconds * 1000),
    {
      type: 'app.oauth2.token.grant',
      userId: user.id,
      appId: app.id,
      ip,
      data: { grant: grantId, grantType: 'interaction_code' },
    },
  );
  return issued.response;
}

async function refresh(
  services: Services,
  serverId: ServerId,
  app: App,
  params: Record<string, string>,
  ip: string | null,
): Promise<TokenResponse> {
  const { storage, clock } = services;
  const presented = requireParam(params, 'refresh_token');
  const tokenHash = hashSecret(presented);
  const now = clock.now();
  const invalid = () => new OAuthError('invalid_grant', 'The refresh token is invalid or expired.');

  const known = await storage.grants.findRefreshToken(tokenHash);
  if (!known) throw invalid();
  const grant = await storage.grants.findGrant(known.grantId);
  // Another client's token is refused without being burned.
  if (!grant || grant.appId !== app.id || grant.serverId !== serverId) throw invalid();

  const requested = params.scope !== undefined ? parseScopes(params.scope) : known.scopes;
  if (!requested || !requested.every((s) => known.scopes.includes(s)))
    throw new OAuthError('invalid_scope', 'The requested scope is wider than the one originally granted.');

  const current = await storage.grants.consumeRefreshToken(tokenHash, now);
  if (!current) {
    if (known.usedAt !== null && known.revokedAt === null && grant.revokedAt === null) {
      // A rotated-out token came back: someone holds a copy. End the whole family (RFC 9700 §4.14.2).
      await storage.grants.revokeGrant(grant.id, now);
      await storage.events.record(
        {
          type: 'app.oauth2.refresh_token.reuse',
          userId: grant.userId,
          appId: app.id,
          ip,
          data: { grant: grant.id },
        },
        now,
      );
    }
    throw invalid();
  }
  if (grant.revokedAt !== null || grant.expiresAt <= now) throw invalid();
  const user = await storage.users.findById(grant.userId);
  if (!user || user.status !== 'ACTIVE') throw invalid();

  const issued = await services.tokens.issue({
    server: services.server(serverId),
    app,
    user,
    grantId: grant.id,
    scopes: requested,
    nonce: null,
    authTime: grant.authTime,
    amr: grant.amr,
    withRefreshToken: true,
  });
  if (issued.records.refreshToken) issued.records.refreshToken.scopes = known.scopes;
  await storage.grants.addTokens(grant.id, now, clampRefreshExpiry(issued.records, grant.expiresAt), {
    type: 'app.oauth2.token.grant',
    userId: user.id,
    appId: app.id,
    ip,
    data: { grant: grant.id, grantType: 'refresh_token' },
  });
  return issued.response;
}

function clampRefreshExpiry<T extends { refreshToken?: { expiresAt: number } | undefined }>(
  records: T,
  absoluteEnd: number,
): T {
  if (records.refreshToken)
    records.refreshToken.expiresAt = Math.min(records.refreshToken.expiresAt, absoluteEnd);
  return records;
}
