import { describe, expect, it } from 'vitest';
import { calculateCodeChallenge, createPkce, generateCodeVerifier } from '../../src/index.js';

describe('PKCE (RFC 7636)', () => {
  it('S256 challenge of the Appendix B verifier is the published value', async () => {
    expect(await calculateCodeChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe(
      'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    );
  });

  it('verifiers are 43 base64url characters (32 random bytes) and never repeat', () => {
    const verifiers = new Set(Array.from({ length: 200 }, generateCodeVerifier));
    expect(verifiers.size).toBe(200);
    for (const v of verifiers) expect(v).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('createPkce pairs a verifier with its S256 challenge', async () => {
    const pkce = await createPkce();
    expect(pkce.codeChallengeMethod).toBe('S256');
    expect(pkce.codeChallenge).toBe(await calculateCodeChallenge(pkce.codeVerifier));
    expect(pkce.codeChallenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('refuses verifiers outside the RFC 7636 §4.1 grammar', async () => {
    await expect(calculateCodeChallenge('too-short')).rejects.toThrow(TypeError);
    await expect(calculateCodeChallenge(`${'a'.repeat(42)} `)).rejects.toThrow(TypeError);
    await expect(calculateCodeChallenge('a'.repeat(129))).rejects.toThrow(TypeError);
    await expect(calculateCodeChallenge('a'.repeat(128))).resolves.toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});
