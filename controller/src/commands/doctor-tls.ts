// doctor's TLS check: the certificate and key the controller serves (or why it serves none) and the pin that
// `token create` would print, read with the same code; nothing is written (a self-signed pair not made yet is said so).
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { Config } from '../config/config';
import { errorMessage } from '../log';
import { loadCertificate, tlsFilesFor } from '../tls/certificate';
import { installBaseUrl } from '../tls/install-line';
import { type CheckLine, fail, ok, warn } from './doctor-line';
import { unpinnedLineProblem } from './token';

const DAY_MS = 86_400_000;

export async function checkTls(config: Config, now = Date.now()): Promise<CheckLine> {
  const tls = tlsFilesFor(config);
  const baseUrl = installBaseUrl(config, tls);
  if (tls === null) {
    const why = config.allowPlaintext ? 'ALLOW_PLAINTEXT: a TLS proxy in front' : 'HOST is a loopback address';
    const problem = await unpinnedLineProblem(baseUrl, null);
    if (problem === null) return ok('TLS', `none served here (${why}); install lines use ${baseUrl} without a pin`);
    if (problem.fatal)
      return fail(
        'TLS',
        problem.text,
        'give the proxy in front a certificate a CA vouches for, or set TLS_CERT_FILE and TLS_KEY_FILE so the controller serves its own and agents pin it',
      );
    return warn('TLS', problem.text, 'set PUBLIC_URL to the address GPU hosts reach the controller at');
  }
  const made = tls.selfSigned ? 'self-signed, made by the controller in DATA_DIR' : 'TLS_CERT_FILE';
  if (tls.selfSigned && !existsSync(tls.certFile) && !existsSync(tls.keyFile))
    return ok(
      'TLS',
      `no certificate yet: the controller makes its self-signed one in ${tls.certFile} at its first start (or \`token create\` does); agents then pin it`,
    );
  let pin: string;
  try {
    pin = (await loadCertificate(tls)).pin;
  } catch (err) {
    const unreadable = /cannot read/.test(errorMessage(err));
    return fail(
      'TLS',
      errorMessage(err),
      unreadable
        ? `check the paths in TLS_CERT_FILE and TLS_KEY_FILE, and run doctor as the controller's user (or root) so it can read them`
        : `point TLS_KEY_FILE at the key of the certificate in TLS_CERT_FILE (certbot: privkey.pem beside fullchain.pem)`,
    );
  }
  const keyMode = statSync(tls.keyFile).mode & 0o777;
  if ((keyMode & 0o007) !== 0)
    return fail('TLS', `the key ${tls.keyFile} is readable by every user (mode ${keyMode.toString(8).padStart(4, '0')})`, `chmod 600 ${tls.keyFile}`);
  const validTo = Date.parse(new X509Certificate(readFileSync(tls.certFile)).validTo);
  // Agents trust the pinned key whatever the dates say; browsers and unpinned curl do not.
  if (!tls.selfSigned && validTo <= now)
    return fail(
      'TLS',
      `${tls.certFile} expired on ${new Date(validTo).toISOString()}`,
      'renew it (certbot renew); the running controller picks up the new files by itself',
    );
  const line = `${tls.certFile} and its key match (${made}); pin ${pin} (what \`token create\` prints)`;
  if (!tls.selfSigned && validTo - now < 14 * DAY_MS)
    return warn('TLS', `${line}, but it expires on ${new Date(validTo).toISOString()}`, 'renew it (certbot renew) before then');
  return ok('TLS', line);
}
