import QRCode from 'qrcode';

/**
 * The QR code of an `otpauth://` URI as a PNG data URI: both widget generations show
 * `contextualData.qrcode.href` as an `<img src>` (docs/protocol/idx-protocol-2.md §5.2).
 */
export function qrCodeDataUri(text: string): Promise<string> {
  return QRCode.toDataURL(text, { type: 'image/png', errorCorrectionLevel: 'M', margin: 2, width: 200 });
}
