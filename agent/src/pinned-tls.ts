// A TLS connection to the controller whose server key is checked against CONTROLLER_PIN before the caller may write
// a byte on it: the WebSocket upgrade (and its Authorization header) goes out only on a socket that passed the check.
import { createHash } from 'node:crypto';
import { connect, type TLSSocket } from 'node:tls';

export class PinMismatchError extends Error {
  override name = 'PinMismatchError';
}

/** sha256//<base64> of the peer's SubjectPublicKeyInfo, or null when it showed no certificate. */
export function peerPin(socket: TLSSocket): string | null {
  const cert = socket.getPeerX509Certificate();
  if (!cert) return null;
  const spki = cert.publicKey.export({ type: 'spki', format: 'der' });
  return `sha256//${createHash('sha256').update(spki).digest('base64')}`;
}

/**
 * Opens TLS to host:port and resolves once the server's key matches `pin`. The CA chain and the name are not what is
 * trusted here (a self-signed controller has neither): the key is. Rejects, with the socket destroyed, otherwise.
 */
export function connectPinned(opts: { host: string; port: number; pin: string; timeoutMs: number }): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const servername = /^[\d.]+$|:/.test(opts.host) ? undefined : opts.host;
    const socket = connect({ host: opts.host.replace(/^\[|\]$/g, ''), port: opts.port, servername, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] });
    const timer = setTimeout(() => socket.destroy(new Error(`TLS handshake with ${opts.host}:${opts.port} timed out`)), opts.timeoutMs);
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      const got = peerPin(socket);
      if (got !== opts.pin) {
        socket.destroy();
        reject(new PinMismatchError(`the controller's key ${got ?? '(none)'} is not CONTROLLER_PIN ${opts.pin}; sent nothing`));
        return;
      }
      socket.removeAllListeners('error');
      resolve(socket);
    });
  });
}
