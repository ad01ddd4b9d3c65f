/**
 * The encodings WebAuthn data crosses the wire in: the server's options carry base64url without
 * padding; the answers go back as standard base64 with padding, as Okta's clients send them
 * (docs/protocol/idx-protocol-2.md §6.2, §6.5). Decoding accepts either alphabet, padded or not.
 */

/** Bytes of a base64 or base64url string. */
export function base64ToBytes(text: string): Uint8Array<ArrayBuffer> {
  const standard = text.replace(/-/g, '+').replace(/_/g, '/');
  const binary = atob(standard + '='.repeat((4 - (standard.length % 4)) % 4));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Standard base64 (with `+`, `/` and padding) of bytes. */
export function bytesToBase64(data: ArrayBuffer | ArrayBufferView): string {
  const bytes =
    data instanceof ArrayBuffer
      ? new Uint8Array(data)
      : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}
