import { rpIdCovers, rpIdProblem } from '../authenticators/webauthn/relying-party.js';
import { ValidationError } from '../errors.js';
import type { App, AppPolicy } from '../storage/apps-store.js';

/** An app's WebAuthn settings as an operator gives them; absent ones stay as they are. */
export interface WebauthnSettingsInput {
  /** A domain, or null to go back to the host of the app's page. */
  webauthnRpId?: string | null | undefined;
  webauthnUserVerification?: string | undefined;
}

/** `base`'s WebAuthn settings with the given ones applied, each checked on its own. */
export function webauthnSettings(
  base: AppPolicy,
  input: WebauthnSettingsInput,
): Pick<AppPolicy, 'webauthnRpId' | 'webauthnUserVerification'> {
  let rpId = base.webauthnRpId ?? null;
  if (input.webauthnRpId !== undefined) {
    rpId = input.webauthnRpId ? input.webauthnRpId.trim().toLowerCase() : null;
    const problem = rpId === null ? null : rpIdProblem(rpId);
    if (problem) throw new ValidationError('webauthnRpId', `${input.webauthnRpId}: ${problem}`);
  }
  const userVerification = input.webauthnUserVerification ?? base.webauthnUserVerification ?? 'preferred';
  if (userVerification !== 'preferred' && userVerification !== 'required')
    throw new ValidationError(
      'webauthnUserVerification',
      'WebAuthn user verification must be preferred or required',
    );
  return { webauthnRpId: rpId, webauthnUserVerification: userVerification };
}

/**
 * An RP ID set for an app must cover every page the app runs on (its redirect URIs and trusted
 * origins): a passkey made on one of them could not be used on another, and a ceremony on a page
 * it does not cover fails in the browser (docs/protocol/idx-protocol-2.md §6.6).
 */
export function assertWebauthnRpIdCoversApp(app: App): void {
  const rpId = app.policy.webauthnRpId;
  if (!rpId) return;
  for (const url of [...app.redirectUris, ...app.trustedOrigins]) {
    const { hostname, origin } = new URL(url);
    if (!rpIdCovers(rpId, hostname))
      throw new ValidationError(
        'webauthnRpId',
        `WebAuthn RP ID ${rpId} does not cover ${origin}: it must be that host or a parent domain of every redirect URI and trusted origin`,
      );
  }
}
