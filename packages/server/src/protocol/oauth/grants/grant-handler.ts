import type { TokenResponse } from '@gatehouse/protocol';
import type { App } from '../../../storage/apps-store.js';
import type { ServerId } from '../authorization-servers.js';

/** A token request that passed the shared prologue: a known grant type and an authenticated client allowed to use it. */
export interface GrantRequest {
  serverId: ServerId;
  app: App;
  params: Record<string, string>;
  ip: string | null;
}

/** One grant type of the token endpoint. */
export type GrantHandler = (request: GrantRequest) => Promise<TokenResponse>;

/** A refresh token never outlives its grant. */
export function clampRefreshExpiry<T extends { refreshToken?: { expiresAt: number } | undefined }>(
  records: T,
  absoluteEnd: number,
): T {
  if (records.refreshToken)
    records.refreshToken.expiresAt = Math.min(records.refreshToken.expiresAt, absoluteEnd);
  return records;
}
