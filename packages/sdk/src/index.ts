/**
 * @gatehouse/sdk — the integrator's side of Gatehouse: IDX sign-in, email magic links, password
 * recovery and the Interaction Code grant, against any server that speaks the protocol.
 *
 * High level: {@link createAuthClient}. Low level (one request, one checked answer): the
 * `interact`, `introspect`, `interactionCodeGrant`, `refreshTokenGrant`, `revokeToken`,
 * `fetchUserInfo`, `fetchDiscovery` and `validateIdToken` functions.
 */
export * from './browser.js';
export { type SessionStorageOptions, serverSessionStorage } from './storage/session-storage.js';
