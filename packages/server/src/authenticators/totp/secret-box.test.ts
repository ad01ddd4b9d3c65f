import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SecretBox } from './secret-box.js';

describe('SecretBox (authenticator-app secrets at rest)', () => {
  const box = new SecretBox(randomBytes(32));
  const secret = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

  it('opens what it sealed for the same binding, with a fresh IV each time', () => {
    const a = box.seal(secret, 'google_otp:enrollment:uft1:u1');
    const b = box.seal(secret, 'google_otp:enrollment:uft1:u1');
    expect(a).not.toBe(b);
    expect(a).not.toContain(secret);
    expect(box.open(a, 'google_otp:enrollment:uft1:u1')).toBe(secret);
  });

  it('a sealed secret moved to another enrollment or user does not open', () => {
    const sealed = box.seal(secret, 'google_otp:enrollment:uft1:u1');
    expect(box.open(sealed, 'google_otp:enrollment:uft2:u1')).toBeNull();
    expect(box.open(sealed, 'google_otp:enrollment:uft1:u2')).toBeNull();
  });

  it('a tampered, truncated or foreign sealed text does not open', () => {
    const sealed = box.seal(secret, 'x');
    const [v, iv, body, tag] = sealed.split('.');
    const flipped = Buffer.from(body!, 'base64url');
    flipped[0]! ^= 1;
    expect(box.open([v, iv, flipped.toString('base64url'), tag].join('.'), 'x')).toBeNull();
    expect(box.open([v, iv, body].join('.'), 'x')).toBeNull();
    expect(box.open(`v2.${iv}.${body}.${tag}`, 'x')).toBeNull();
    expect(box.open(secret, 'x')).toBeNull();
    expect(new SecretBox(randomBytes(32)).open(sealed, 'x')).toBeNull();
  });
});
