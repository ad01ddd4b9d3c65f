import { describe, expect, it } from 'vitest';
import type { AppPolicy } from '../../storage/apps-store.js';
import { parseTransports, toBase64Url } from './credential-encoding.js';
import { defaultCredentialName } from './credential-names.js';
import { decoyKeys } from './decoy-keys.js';
import { WebauthnKeys } from './derived-keys.js';
import { rpIdCovers, rpIdProblem } from './relying-party.js';
import { userVerificationFor } from './user-verification.js';

describe('WebAuthn helpers', () => {
  it('reads standard base64 and base64url, padded or not; refuses what is not base64', () => {
    const bytes = Buffer.from([0xfb, 0xff, 0xbf, 0x01]);
    for (const text of ['+/+/AQ==', '+/+/AQ', '-_-_AQ', '-_-_AQ=='])
      expect(toBase64Url(text)).toBe(bytes.toString('base64url'));
    for (const text of ['', '!!', 'AQ=B', 'A', 'AQ===', 'AB CD', undefined])
      expect(toBase64Url(text)).toBeNull();
  });

  it('reads transports as the clients send them; unknown names are dropped', () => {
    expect(parseTransports('["internal","hybrid"]')).toEqual(['internal', 'hybrid']);
    expect(parseTransports('usb, nfc')).toEqual(['usb', 'nfc']);
    expect(parseTransports('["internal","warp-drive",3]')).toEqual(['internal']);
    expect(parseTransports('{"a":1}')).toEqual([]);
    expect(parseTransports(undefined)).toEqual([]);
  });

  it('names a credential by what it is, numbered when the name is taken', () => {
    expect(defaultCredentialName(['internal', 'hybrid'], [])).toBe('Built-in authenticator');
    expect(defaultCredentialName(['hybrid'], [])).toBe('Passkey on another device');
    expect(defaultCredentialName([], [])).toBe('Security key');
    expect(defaultCredentialName(['usb'], ['Security key', 'Security key 2'])).toBe('Security key 3');
  });

  it('an RP ID covers its host and subdomains only; IP addresses only themselves', () => {
    expect(rpIdCovers('example.com', 'example.com')).toBe(true);
    expect(rpIdCovers('example.com', 'login.example.com')).toBe(true);
    expect(rpIdCovers('example.com', 'badexample.com')).toBe(false);
    expect(rpIdCovers('login.example.com', 'example.com')).toBe(false);
    expect(rpIdCovers('localhost', 'localhost')).toBe(true);
    expect(rpIdCovers('127.0.0.1', '127.0.0.1')).toBe(true);
    expect(rpIdCovers('0.0.1', '127.0.0.1')).toBe(false);
    expect(rpIdProblem('example.com')).toBeNull();
    expect(rpIdProblem('localhost')).toBeNull();
    for (const bad of ['com', '127.0.0.1', 'https://example.com', 'example.com:443', 'Example.com', '-x.com'])
      expect(rpIdProblem(bad), bad).not.toBeNull();
  });

  it('user verification: preferred, required per app, and required when the passkey alone meets the policy', () => {
    const policy = (factors: string[][], uv?: 'required') =>
      ({ requirements: factors.map((anyOf) => ({ anyOf })), webauthnUserVerification: uv }) as AppPolicy;
    expect(userVerificationFor(policy([['password'], ['webauthn']]), 'webauthn')).toBe('preferred');
    expect(userVerificationFor(policy([['password'], ['email', 'webauthn']]), 'webauthn')).toBe('preferred');
    expect(userVerificationFor(policy([['password'], ['webauthn']], 'required'), 'webauthn')).toBe(
      'required',
    );
    expect(userVerificationFor(policy([['webauthn']]), 'webauthn')).toBe('required');
    expect(userVerificationFor(policy([['password', 'webauthn']]), 'webauthn')).toBe('required');
  });

  it('user handles and decoys are keyed by the server secret, stable, and tell nothing', () => {
    const keys = new WebauthnKeys(Buffer.from('secret-one'));
    const other = new WebauthnKeys(Buffer.from('secret-two'));
    expect(keys.userHandle('00u1')).toBe(keys.userHandle('00u1'));
    expect(keys.userHandle('00u1')).not.toBe(keys.userHandle('00u2'));
    expect(keys.userHandle('00u1')).not.toBe(other.userHandle('00u1'));
    expect(Buffer.from(keys.userHandle('00u1'), 'base64url')).toHaveLength(32);
    const decoy = decoyKeys(keys, 'Someone@Example.com ');
    expect(decoyKeys(keys, 'someone@example.com')).toEqual(decoy);
    expect(decoyKeys(other, 'someone@example.com')).not.toEqual(decoy);
    expect(decoy[0]!.id).toMatch(/^fwf[A-Za-z0-9]{17}$/);
    expect(Buffer.from(decoy[0]!.credentialId, 'base64url')).toHaveLength(32);
  });
});
