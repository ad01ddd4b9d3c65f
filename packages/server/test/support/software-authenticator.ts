import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';
import { Encoder } from 'cbor-x';

/** CBOR as authenticators write it: shortest lengths, plain maps (no records, no tag 259), plain byte strings. */
const cbor = new Encoder({
  variableMapSize: true,
  useRecords: false,
  tagUint8Array: false,
  // Not in cbor-x's typings, honoured by its encoder.
  ...{ useTag259ForMaps: false },
});
const encode = (value: unknown): Buffer => Buffer.from(cbor.encode(value));

/**
 * A WebAuthn authenticator in software, for tests: what a browser and a security key together
 * return to a page (docs/protocol/idx-protocol-2.md §6.2, §6.5). It makes ES256 (P-256) credentials,
 * attests them with `fmt: none` (a CBOR attestation object) and signs assertions over
 * `authenticatorData ‖ SHA-256(clientDataJSON)` with a signature counter it keeps per credential.
 * Values are returned as the Okta clients post them: standard base64 with padding.
 */

/** Bytes given as base64url text (W3C JSON options) or as a buffer (what auth-js builds for the browser). */
export type Bytes = string | ArrayBuffer | ArrayBufferView;

export interface SoftwareCredential {
  /** base64url */
  id: string;
  rpId: string;
  privateKey: KeyObject;
  /** The user handle it was made for (base64url). */
  userHandle: string;
  counter: number;
}

export interface AuthenticatorBehaviour {
  /** The page the ceremony runs on (`clientDataJSON.origin`). */
  origin: string;
  /** Sets the UV flag (a PIN or biometrics checked); default true. */
  userVerified?: boolean;
  /** How much the signature counter grows per assertion; 0: a passkey that does not count. Default 1. */
  counterStep?: number;
  /** `getTransports()` of the registration. */
  transports?: string[];
}

export interface Attestation {
  /** base64 (standard) */
  clientData: string;
  attestation: string;
  /** JSON-encoded array, as both Okta clients send it. */
  transports: string;
  credential: SoftwareCredential;
  /** The raw parts, for a client that wants buffers (auth-js' `getAttestation`). */
  raw: { clientDataJSON: Buffer; attestationObject: Buffer };
}

export interface Assertion {
  clientData: string;
  authenticatorData: string;
  signatureData: string;
  userHandle: string;
  raw: { clientDataJSON: Buffer; authenticatorData: Buffer; signature: Buffer; userHandle: Buffer };
}

const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
const FLAG_AT = 0x40;

export function bytesOf(value: Bytes): Buffer {
  if (typeof value === 'string') return Buffer.from(value, 'base64url');
  if (value instanceof ArrayBuffer) return Buffer.from(value);
  return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

const b64 = (bytes: Buffer) => bytes.toString('base64');

function counterBytes(counter: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(counter);
  return out;
}

/** The COSE_Key of an EC2 P-256 public key (RFC 9052: kty 2, alg -7, crv 1, x, y). */
function coseKey(publicKey: KeyObject): Buffer {
  const jwk = publicKey.export({ format: 'jwk' });
  return encode(
    new Map<number, unknown>([
      [1, 2],
      [3, -7],
      [-1, 1],
      [-2, Buffer.from(jwk.x!, 'base64url')],
      [-3, Buffer.from(jwk.y!, 'base64url')],
    ]),
  );
}

export class SoftwareAuthenticator {
  readonly credentials: SoftwareCredential[] = [];

  constructor(private readonly behaviour: AuthenticatorBehaviour) {}

  /** `navigator.credentials.create({ publicKey })`: a new credential for `options.rp.id` (or the page's host). */
  create(
    options: { challenge: Bytes; rp: { id?: string }; user: { id: Bytes } },
    overrides: Partial<AuthenticatorBehaviour> & { credentialId?: string } = {},
  ): Attestation {
    const behaviour = { ...this.behaviour, ...overrides };
    const rpId = options.rp.id ?? new URL(behaviour.origin).hostname;
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const id = overrides.credentialId ? Buffer.from(overrides.credentialId, 'base64url') : randomBytes(32);
    const flags = FLAG_UP | FLAG_AT | (behaviour.userVerified === false ? 0 : FLAG_UV);
    const authData = Buffer.concat([
      createHash('sha256').update(rpId).digest(),
      Buffer.from([flags]),
      counterBytes(0),
      Buffer.alloc(16), // AAGUID: none (fmt none)
      Buffer.from([id.length >> 8, id.length & 0xff]),
      id,
      coseKey(publicKey),
    ]);
    const clientDataJSON = Buffer.from(
      JSON.stringify({
        type: 'webauthn.create',
        challenge: bytesOf(options.challenge).toString('base64url'),
        origin: behaviour.origin,
        crossOrigin: false,
      }),
    );
    const attestationObject = encode({ fmt: 'none', attStmt: {}, authData });
    const credential: SoftwareCredential = {
      id: id.toString('base64url'),
      rpId,
      privateKey,
      userHandle: bytesOf(options.user.id).toString('base64url'),
      counter: 0,
    };
    this.credentials.push(credential);
    return {
      clientData: b64(clientDataJSON),
      attestation: b64(attestationObject),
      transports: JSON.stringify(behaviour.transports ?? ['internal']),
      credential,
      raw: { clientDataJSON, attestationObject },
    };
  }

  /**
   * `navigator.credentials.get({ publicKey })`: an assertion by `credential` (default: the first
   * one of `allowCredentials` this authenticator holds). `counter` forces the signature counter
   * (a cloned key replaying or going back).
   */
  get(
    options: { challenge: Bytes; rpId?: string; allowCredentials?: { id: Bytes }[] },
    overrides: Partial<AuthenticatorBehaviour> & { credential?: SoftwareCredential; counter?: number } = {},
  ): Assertion {
    const behaviour = { ...this.behaviour, ...overrides };
    const allowed = (options.allowCredentials ?? []).map((c) => bytesOf(c.id).toString('base64url'));
    const credential =
      overrides.credential ??
      this.credentials.find((c) => allowed.length === 0 || allowed.includes(c.id)) ??
      null;
    if (!credential) throw new Error('NotAllowedError: no credential of this authenticator is allowed');
    const step = behaviour.counterStep ?? 1;
    credential.counter = overrides.counter ?? credential.counter + step;
    const rpId = options.rpId ?? credential.rpId;
    const flags = FLAG_UP | (behaviour.userVerified === false ? 0 : FLAG_UV);
    const authenticatorData = Buffer.concat([
      createHash('sha256').update(rpId).digest(),
      Buffer.from([flags]),
      counterBytes(credential.counter),
    ]);
    const clientDataJSON = Buffer.from(
      JSON.stringify({
        type: 'webauthn.get',
        challenge: bytesOf(options.challenge).toString('base64url'),
        origin: behaviour.origin,
        crossOrigin: false,
      }),
    );
    const signature = sign(
      'sha256',
      Buffer.concat([authenticatorData, createHash('sha256').update(clientDataJSON).digest()]),
      credential.privateKey,
    );
    const userHandle = Buffer.from(credential.userHandle, 'base64url');
    return {
      clientData: b64(clientDataJSON),
      authenticatorData: b64(authenticatorData),
      signatureData: b64(signature),
      userHandle: b64(userHandle),
      raw: { clientDataJSON, authenticatorData, signature, userHandle },
    };
  }
}
