// The public-key pin of a certificate in curl's --pinnedpubkey format: sha256//<base64 SHA-256 of the DER SubjectPublicKeyInfo>.
import { createHash, X509Certificate } from 'node:crypto';

/** `sha256//...` of the first certificate in a PEM (or DER) buffer. */
export function spkiPin(cert: string | Buffer): string {
  const spki = new X509Certificate(cert).publicKey.export({ type: 'spki', format: 'der' });
  return `sha256//${createHash('sha256').update(spki).digest('base64')}`;
}
