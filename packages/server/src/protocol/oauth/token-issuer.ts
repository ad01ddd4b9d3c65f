import { createHash, randomUUID } from 'node:crypto';
import type { TokenResponse } from '@gatehouse/protocol';
import { decodeProtectedHeader, type JWTPayload, errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import type { Clock } from '../../clock.js';
import { SIGNING_ALG, type SigningKeys } from '../../keys/signing-keys.js';
import { hashSecret, randomToken } from '../../secrets.js';
import type { App } from '../../storage/apps-store.js';
import type { IssuedTokens } from '../../storage/grants-store.js';
import type { User } from '../../storage/users-store.js';
import type { AuthorizationServer } from './authorization-servers.js';

export interface TokenLifetimes {
  accessTokenTtlSeconds: number;
  idTokenTtlSeconds: number;
  refreshTokenIdleTtlSeconds: number;
}

export interface IssueRequest {
  server: AuthorizationServer;
  app: App;
  user: User;
  grantId: string;
  /** The SSO session of a hosted sign-in (the ID token's `sid`); null: the grant id is the `sid`. */
  sessionId: string | null;
  scopes: string[];
  nonce: string | null;
  authTime: number;
  amr: string[];
  withRefreshToken: boolean;
}

export interface IssuedTokenSet {
  response: TokenResponse;
  records: IssuedTokens;
}

export interface AccessTokenClaims extends JWTPayload {
  jti: string;
  sub: string;
  uid: string;
  cid: string;
  scp: string[];
}

/**
 * Mints JWT access tokens and ID tokens and opaque refresh tokens. Both JWTs are signed with the
 * app's algorithm (RS256 by default, ES256 or EdDSA when the app asks), `kid` in the header.
 */
export class TokenIssuer {
  constructor(
    private readonly keys: SigningKeys,
    private readonly lifetimes: TokenLifetimes,
    private readonly clock: Clock,
    private readonly orgIssuer: string,
  ) {}

  async issue(req: IssueRequest): Promise<IssuedTokenSet> {
    const { kid, alg, key } = await this.keys.activeKey(req.app.tokenSigningAlg ?? SIGNING_ALG);
    const nowSeconds = Math.floor(this.clock.now() / 1000);
    const accessJti = `AT.${randomToken(24)}`;
    const accessExp = nowSeconds + this.lifetimes.accessTokenTtlSeconds;
    const accessToken = await new SignJWT({
      ver: 1,
      cid: req.app.clientId,
      client_id: req.app.clientId,
      uid: req.user.id,
      scp: req.scopes,
      auth_time: Math.floor(req.authTime / 1000),
    })
      .setProtectedHeader({ alg, kid, typ: 'at+jwt' })
      .setJti(accessJti)
      .setIssuer(req.server.issuer)
      .setAudience(req.server.audience)
      .setSubject(req.user.id)
      .setIssuedAt(nowSeconds)
      .setExpirationTime(accessExp)
      .sign(key);

    const response: TokenResponse = {
      token_type: 'Bearer',
      expires_in: this.lifetimes.accessTokenTtlSeconds,
      access_token: accessToken,
      scope: req.scopes.join(' '),
    };

    if (req.scopes.includes('openid')) {
      response.id_token = await new SignJWT({
        ver: 1,
        amr: req.amr,
        idp: this.orgIssuer,
        auth_time: Math.floor(req.authTime / 1000),
        at_hash: atHash(accessToken),
        sid: req.sessionId ?? req.grantId,
        ...(req.nonce ? { nonce: req.nonce } : {}),
        ...profileClaims(req.user, req.scopes),
      })
        .setProtectedHeader({ alg, kid })
        .setJti(`ID.${randomToken(24)}`)
        .setIssuer(req.server.issuer)
        .setAudience(req.app.clientId)
        .setSubject(req.user.id)
        .setIssuedAt(nowSeconds)
        .setExpirationTime(nowSeconds + this.lifetimes.idTokenTtlSeconds)
        .sign(key);
    }

    const records: IssuedTokens = { accessToken: { jti: accessJti, expiresAt: accessExp * 1000 } };
    if (req.withRefreshToken) {
      const refreshToken = randomToken(32);
      response.refresh_token = refreshToken;
      records.refreshToken = {
        tokenHash: hashSecret(refreshToken),
        scopes: req.scopes,
        expiresAt: this.clock.now() + this.lifetimes.refreshTokenIdleTtlSeconds * 1000,
      };
    }
    return { response, records };
  }

  /**
   * Verifies one of our JWTs (signature by `kid`, issuer, expiry); null when it does not verify. The
   * key found by `kid` decides the algorithm: a token claiming another one is refused.
   */
  async verify(token: string, issuer: string, options: { audience?: string; ignoreExpiry?: boolean } = {}) {
    try {
      const { kid } = decodeProtectedHeader(token);
      if (!kid) return null;
      const found = await this.keys.verificationKey(kid);
      if (!found) return null;
      const { payload } = await jwtVerify(token, found.key, {
        issuer,
        algorithms: [found.alg],
        currentDate: new Date(this.clock.now()),
        ...(options.audience ? { audience: options.audience } : {}),
        ...(options.ignoreExpiry ? { clockTolerance: Number.MAX_SAFE_INTEGER } : {}),
      });
      return payload;
    } catch (err) {
      if (err instanceof joseErrors.JOSEError || err instanceof TypeError || err instanceof SyntaxError)
        return null;
      throw err;
    }
  }

  async verifyAccessToken(token: string, server: AuthorizationServer): Promise<AccessTokenClaims | null> {
    const payload = await this.verify(token, server.issuer, { audience: server.audience });
    if (!payload || typeof payload.jti !== 'string' || typeof payload.sub !== 'string') return null;
    return payload as AccessTokenClaims;
  }
}

/** OIDC Core §3.1.3.6: base64url of the left half of SHA-256 of the ASCII access token. */
export function atHash(accessToken: string): string {
  return createHash('sha256').update(accessToken, 'ascii').digest().subarray(0, 16).toString('base64url');
}

/** Claims about the user that the granted scopes allow (ID token and userinfo). */
export function profileClaims(user: User, scopes: string[]): Record<string, unknown> {
  const claims: Record<string, unknown> = {};
  if (scopes.includes('profile')) {
    const { firstName, lastName } = user.profile;
    const name = [firstName, lastName].filter(Boolean).join(' ');
    claims.name = name || user.login;
    claims.preferred_username = user.login;
    if (firstName) claims.given_name = firstName;
    if (lastName) claims.family_name = lastName;
    claims.updated_at = Math.floor(user.updatedAt / 1000);
  }
  if (scopes.includes('email')) {
    claims.email = user.email;
    claims.email_verified = user.emailVerified;
  }
  return claims;
}

export const newGrantId = (): string => `gr_${randomUUID()}`;
