import { createHmac, hkdfSync } from 'node:crypto';

/**
 * Keys this authenticator derives from the server secret, one per use (HKDF-SHA256, RFC 5869), so
 * a value made for one purpose never equals one made for another.
 */
export class WebauthnKeys {
  private readonly userHandleKey: Buffer;
  private readonly decoyKey: Buffer;

  constructor(secret: Buffer) {
    const derive = (info: string) => Buffer.from(hkdfSync('sha256', secret, 'gatehouse-webauthn', info, 32));
    this.userHandleKey = derive('user handle');
    this.decoyKey = derive('decoy credential');
  }

  /**
   * The user handle (`user.id` of the creation options, returned by discoverable credentials): an
   * HMAC of the account id, so the authenticator holds neither the internal id nor the email
   * address, and it stays the same for every credential of the user (32 bytes, base64url).
   */
  userHandle(userId: string): string {
    return createHmac('sha256', this.userHandleKey).update(userId).digest('base64url');
  }

  /** `length` bytes that only the server can make for `label` (a decoy credential's id and enrollment id). */
  decoy(label: string, length = 32): Buffer {
    return createHmac('sha256', this.decoyKey).update(label).digest().subarray(0, length);
  }
}
