/**
 * The browser's passkey ceremonies for a WebAuthn step, through `@gatehouse/sdk/webauthn`: the
 * options the step carries (`activationData` at a set-up, `challengeData` at a challenge, the
 * user's credentials from `authenticatorEnrollments`) go to `navigator.credentials`, and the
 * credential comes back as the step's inputs in standard base64
 * (docs/protocol/idx-protocol-2.md §6.1, §6.2, §6.4, §6.5). Views never touch the SDK.
 */
import type { IdxResponse } from '@gatehouse/protocol';
import { credentialOptionsFrom, getAssertion, getAttestation } from '@gatehouse/sdk/webauthn';
import type { InputValues } from './form-values.js';
import type { Step } from './step.js';

/** Why a ceremony did not produce a credential, as the views word it (`gh.webauthn.error.<reason>`). */
export type PasskeyFailure = 'cancelled' | 'exists' | 'rp' | 'unsupported' | 'options' | 'failed';

export class PasskeyError extends Error {
  constructor(readonly reason: PasskeyFailure) {
    super(`passkey ceremony failed: ${reason}`);
  }
}

/** Whether this browser can run WebAuthn ceremonies at all. */
export function passkeysSupported(): boolean {
  return typeof PublicKeyCredential !== 'undefined' && typeof navigator.credentials?.create === 'function';
}

/**
 * Whether the browser opens a passkey prompt only from a user's click: Safari does (Okta's widget
 * does not start it there either, docs/protocol/idx-protocol-2.md §6.4).
 */
export function promptNeedsClick(userAgent = navigator.userAgent): boolean {
  return /safari/i.test(userAgent) && !/chrome|chromium|crios|fxios|edg|android/i.test(userAgent);
}

/** The reason behind what `navigator.credentials` threw (a DOMException name). */
function failureOf(error: unknown): PasskeyFailure {
  const name = error instanceof Error ? error.name : '';
  // NotAllowedError: the user cancelled, the prompt timed out, or no known credential is present.
  if (name === 'NotAllowedError' || name === 'AbortError') return 'cancelled';
  // At a set-up: one of the excluded (already registered) credentials is on this authenticator.
  if (name === 'InvalidStateError') return 'exists';
  // The page's origin is not covered by the relying party the server asked for.
  if (name === 'SecurityError') return 'rp';
  if (name === 'NotSupportedError') return 'unsupported';
  return 'failed';
}

/**
 * Runs the ceremony the step asks for (create at `enroll-authenticator`, get at
 * `challenge-authenticator`) and returns the inputs to post (`credentials.clientData`…); rejects
 * with a {@link PasskeyError}. `signal` aborts a pending prompt (the view went away).
 */
export async function runPasskeyCeremony(step: Step, signal: AbortSignal): Promise<InputValues> {
  if (!passkeysSupported()) throw new PasskeyError('unsupported');
  let options: ReturnType<typeof credentialOptionsFrom>;
  try {
    options = credentialOptionsFrom(step.raw as IdxResponse);
  } catch {
    options = undefined;
  }
  if (!options) throw new PasskeyError('options');
  let credential: Credential | null;
  try {
    credential =
      'create' in options
        ? await navigator.credentials.create({ publicKey: options.create, signal })
        : await navigator.credentials.get({ publicKey: options.get, signal });
  } catch (error) {
    throw new PasskeyError(failureOf(error));
  }
  if (!credential) throw new PasskeyError('cancelled');
  const answer =
    'create' in options
      ? getAttestation(credential as PublicKeyCredential)
      : getAssertion(credential as PublicKeyCredential);
  // By wire name; members the form does not declare (transports, userHandle) are left out when
  // the body is built (docs/protocol/idx-protocol-2.md §6.2, §6.4).
  const inputs: InputValues = {};
  for (const [name, value] of Object.entries(answer)) inputs[`credentials.${name}`] = value;
  return inputs;
}
