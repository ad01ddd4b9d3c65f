import { isIP } from 'node:net';
import { EngineError } from '../../errors.js';
import type { App } from '../../storage/apps-store.js';
import type { Transaction } from '../../storage/transactions-store.js';

/** Who passkeys are registered with, and the pages a ceremony may come from. */
export interface RelyingParty {
  /** The RP ID: a domain every allowed origin is on. */
  id: string;
  /** Shown by the browser and the authenticator (the app's name). */
  name: string;
  /** The origins (`scheme://host[:port]`) a ceremony's client data may name. */
  origins: string[];
}

/**
 * Whether `host` is `rpId` or one of its subdomains: the WebAuthn rule for which pages may use
 * passkeys of an RP ID (a registrable domain suffix of the origin's host; IP addresses only match
 * themselves).
 */
export function rpIdCovers(rpId: string, host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  const id = rpId.toLowerCase();
  if (isIP(h) || isIP(id)) return h === id;
  return h === id || h.endsWith(`.${id}`);
}

/**
 * A well-formed RP ID: a domain name (`localhost`, `example.com`, `login.example.com`), not an IP
 * address, a URL or a single public label (a bare top-level domain such as `com` could never be one).
 * Returns why not, or null.
 */
export function rpIdProblem(rpId: string): string | null {
  if (isIP(rpId)) return 'an RP ID is a domain name, not an IP address';
  if (
    !/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/.test(rpId)
  )
    return 'an RP ID is a lower-case domain name without scheme, port or path (e.g. example.com)';
  if (!rpId.includes('.') && rpId !== 'localhost')
    return 'an RP ID must be a registrable domain, not a top-level one';
  return null;
}

const originOf = (url: string): string | null => {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
};

/**
 * The relying party of a ceremony in `transaction` (docs/protocol/idx-protocol-2.md §6.3, §6.6).
 * The client runs on the page the sign-in returns to (the redirect URI's origin; Gatehouse's own for
 * a hosted sign-in): passkeys are
 * scoped to the host of that page unless the app names a parent domain (`webauthnRpId`). The
 * allowed origins are that page, the app's trusted origins and redirect URIs, and the server's own
 * public URL: those of them the RP ID covers. A page the RP ID does not cover cannot hold a
 * ceremony at all: refused here, before anything is shown (the app's settings are checked against
 * its URIs when they are saved, `apps/webauthn-settings.ts`).
 */
export function relyingParty(app: App, transaction: Transaction, publicUrl: string): RelyingParty {
  // A hosted sign-in's page is Gatehouse's own (ADR 0012).
  const page = originOf(transaction.authorizeRequest ? publicUrl : transaction.redirectUri);
  if (!page) throw new EngineError('STEP_NOT_ALLOWED', { detail: 'The sign-in has no page origin.' });
  const pageHost = new URL(page).hostname;
  const id = app.policy.webauthnRpId ?? pageHost.replace(/^\[|\]$/g, '');
  if (!rpIdCovers(id, pageHost))
    throw new EngineError('STEP_NOT_ALLOWED', {
      detail: `The WebAuthn RP ID ${id} of app ${app.clientId} does not cover the page ${page}.`,
    });
  const candidates = [page, ...app.trustedOrigins, ...app.redirectUris.map(originOf), originOf(publicUrl)];
  const origins = [...new Set(candidates.filter((o): o is string => o !== null))].filter((o) =>
    rpIdCovers(id, new URL(o).hostname),
  );
  return { id, name: app.name, origins };
}

/** The relying party of a step, or the engine error that says why the app's pages cannot have one. */
export function relyingPartyOrError(
  app: App,
  transaction: Transaction,
  publicUrl: string,
): { ok: true; rp: RelyingParty } | { ok: false; error: EngineError } {
  try {
    return { ok: true, rp: relyingParty(app, transaction, publicUrl) };
  } catch (error) {
    if (error instanceof EngineError) return { ok: false, error };
    throw error;
  }
}
