// Whether an https:// URL shows a certificate that curl on a fresh host accepts without a pin (a CA the system trusts,
// under the URL's name): `token create` prints an unpinned https line only then (curl exits 60 otherwise).
import { checkServerIdentity, connect } from 'node:tls';

export type CaTrust = { kind: 'trusted' } | { kind: 'untrusted'; reason: string } | { kind: 'unreachable'; reason: string };

export function checkCaTrust(url: string, timeoutMs = 5_000): Promise<CaTrust> {
  const u = new URL(url);
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const port = u.port === '' ? 443 : Number(u.port);
  return new Promise((resolve) => {
    const servername = /^[\d.]+$|:/.test(host) ? undefined : host;
    const socket = connect({ host, port, servername, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] });
    const done = (r: CaTrust) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => done({ kind: 'unreachable', reason: `no TLS handshake within ${timeoutMs} ms` }), timeoutMs);
    socket.once('error', (err) => done({ kind: 'unreachable', reason: err.message }));
    socket.once('secureConnect', () => {
      if (!socket.authorized) return done({ kind: 'untrusted', reason: String(socket.authorizationError ?? 'not verified') });
      const nameProblem = checkServerIdentity(host, socket.getPeerCertificate());
      done(nameProblem === undefined ? { kind: 'trusted' } : { kind: 'untrusted', reason: nameProblem.message });
    });
  });
}
