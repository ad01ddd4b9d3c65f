/**
 * The widget's one door to `@gatehouse/sdk`: a {@link WidgetClient} over the SDK's auth client
 * (transactions saved in browser storage, shared by `state` across tabs, so a magic link opened
 * in another tab of this browser continues the same transaction).
 */
import {
  type AuthClient,
  createAuthClient,
  deriveUrls,
  generateCodeVerifier,
  type IdxTransaction,
  interact,
  type SavedTransaction,
  type Tokens,
} from '@gatehouse/sdk/browser';
import type { ResolvedOptions } from '../options.js';
import type { ActionName, FlowName, IdxReply, SignInResult, WidgetClient } from './widget-client.js';

function toReply(tx: IdxTransaction): IdxReply {
  if (!tx.rawIdxResponse) throw new Error('The SDK returned no IDX response.');
  return { status: tx.httpStatus ?? 200, body: tx.rawIdxResponse, retryAfterSeconds: tx.retryAfterSeconds };
}

function toResult(tokens: Tokens): SignInResult {
  return {
    status: 'SUCCESS',
    tokens: {
      accessToken: {
        accessToken: tokens.accessToken,
        expiresAt: tokens.expiresAt,
        scopes: tokens.scopes,
        tokenType: tokens.tokenType,
      },
      ...(tokens.idToken
        ? { idToken: { idToken: tokens.idToken, claims: { ...(tokens.claims ?? {}) } } }
        : {}),
      ...(tokens.refreshToken ? { refreshToken: { refreshToken: tokens.refreshToken } } : {}),
    },
  };
}

const SDK_FLOW: Record<FlowName, SavedTransaction['flow']> = {
  default: 'default',
  resetPassword: 'recoverPassword',
  signup: 'register',
  unlockAccount: 'unlockAccount',
};

export function createWidgetClient(options: ResolvedOptions): WidgetClient {
  const auth: AuthClient = createAuthClient({
    issuer: options.issuer,
    clientId: options.clientId,
    redirectUri: options.redirectUri,
    scopes: options.scopes,
  });
  /** The `state` of the transaction this widget works on. */
  let state: string | undefined = options.state;

  /**
   * "Remediation mode": the app's server made the PKCE pair and keeps the verifier, so the
   * widget starts the interaction with the given challenge (and state) and never exchanges.
   */
  async function startWithAppChallenge(flow: FlowName, codeChallenge: string): Promise<IdxReply> {
    const urls = deriveUrls(options.issuer);
    const saved: Omit<SavedTransaction, 'interactionHandle'> = {
      issuer: auth.issuer,
      clientId: auth.clientId,
      redirectUri: auth.redirectUri,
      scopes: [...auth.scopes],
      state: options.state ?? generateCodeVerifier(),
      nonce: generateCodeVerifier(),
      codeVerifier: '',
      codeChallenge,
      codeChallengeMethod: 'S256',
      flow: SDK_FLOW[flow],
      createdAt: Date.now(),
    };
    const interactionHandle = await interact(
      fetch.bind(globalThis),
      urls.interactUrl,
      { clientId: auth.clientId },
      saved,
    );
    auth.storage.setTransaction({ ...saved, interactionHandle });
    state = saved.state;
    return toReply(await auth.idx.proceed({ state, exchangeCodeForTokens: false }));
  }

  /**
   * The app's server started the interaction (its PKCE verifier and nonce stay there): save its
   * handle under its `state` so the SDK can continue it. Again after a cancel: Gatehouse's cancel
   * puts the same interaction back at identify (docs/protocol/idx-protocol.md §8.4).
   */
  function adoptServerInteraction(): boolean {
    const handle = options.interactionHandle;
    if (!handle || !options.state) return false;
    if (!auth.idx.getSavedTransaction(options.state))
      auth.storage.setTransaction({
        issuer: auth.issuer,
        clientId: auth.clientId,
        redirectUri: auth.redirectUri,
        scopes: [...auth.scopes],
        state: options.state,
        nonce: '',
        codeVerifier: '',
        codeChallenge: '',
        codeChallengeMethod: 'S256',
        interactionHandle: handle,
        flow: SDK_FLOW[options.flow],
        createdAt: Date.now(),
      });
    state = options.state;
    return true;
  }

  return {
    async start(flow) {
      if (adoptServerInteraction())
        return toReply(await auth.idx.proceed({ state, exchangeCodeForTokens: false }));
      if (options.codeChallenge) return startWithAppChallenge(flow, options.codeChallenge);
      // The `state` option names a magic link being resumed, not the state of a new interaction.
      const tx = await auth.idx.start({ flow: SDK_FLOW[flow] });
      state = auth.idx.getSavedTransaction()?.state;
      return toReply(tx);
    },
    hasSavedTransaction(wanted) {
      // The app's server vouches for its interaction: it gave the handle to this page only.
      if (wanted === options.state) adoptServerInteraction();
      // Continuing needs the interaction handle, not just the meta (docs/protocol/idx-protocol.md §9.3).
      return auth.idx.getSavedTransaction(wanted) !== undefined;
    },
    async resume(wanted) {
      state = wanted;
      return toReply(await auth.idx.proceed({ state: wanted, exchangeCodeForTokens: false }));
    },
    async submit(step, values) {
      return toReply(await auth.idx.proceed({ ...values, step, state, exchangeCodeForTokens: false }));
    },
    async action(name: ActionName) {
      return toReply(await auth.idx.proceed({ action: name, state, exchangeCodeForTokens: false }));
    },
    async cancel() {
      // The app's interaction is still its own on a finished page ("unlocked"): cancelling puts it
      // back at identify, where start() takes it up again.
      if (state === options.state) adoptServerInteraction();
      if (state && auth.idx.getSavedTransaction(state)) await auth.idx.cancel({ state });
    },
    async exchange(interactionCode) {
      if (!state) throw new Error('No transaction to exchange the interaction code for.');
      const query = new URLSearchParams({ interaction_code: interactionCode, state });
      return toResult(await auth.idx.handleInteractionCodeRedirect(`?${query}`));
    },
    redirectUrl(interactionCode) {
      const url = new URL(options.redirectUri, location.href);
      url.searchParams.set('interaction_code', interactionCode);
      if (state) url.searchParams.set('state', state);
      return url.href;
    },
    clear() {
      if (state) auth.idx.clearTransaction(state);
      state = undefined;
    },
  };
}
